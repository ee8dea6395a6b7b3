"""Yahoo Finance: quotes and bars from the v8 chart and spark endpoints (no crumb needed). No
textual import.

- `tui.sources.yahoo.source`: `YahooSource`, which asks for each field where it is cheapest
  under the request budget, and keeps what serves later asks.
- `tui.sources.yahoo.chart`: the chart reply parsed (`parse_chart`), and the ranges asked for.
- `tui.sources.yahoo.quotes`: a quote read from an intraday chart, and a bar's session.
- `tui.sources.yahoo.spark`: the spark reply parsed (`parse_spark`), batches of 20 symbols.
- `tui.sources.yahoo.history`: the daily history kept in memory and on disk.
- `tui.sources.yahoo.outcomes`: replies turned into ``Fetched`` or ``Failed``.
- `tui.sources.yahoo.dates`: calendar and time-zone helpers the parsers share.
"""
