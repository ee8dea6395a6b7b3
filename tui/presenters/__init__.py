"""Presenters: view models in, what a pane shows out — columns, rows, cells, legends, subtitles —
as plain Python. No textual import: `tapewatch snapshot` prints the same rows the panes show."""
