"""Alerts: rules on the figures the panes show, their state, and what happens when one fires.
No textual: the dashboard, `tapewatch alerts` and a headless feed daemon run the same code.

- `fields`: what each field is (label, datasets behind it, lag, re-arm margin).
- `rules`: a rule with its id and origin (config, app, default), and how it reads.
- `readings`: a rule's value per subject, from the panes' view models (or the drill-down's
  figures of a symbol no pane row shows; `figures` works those out with polars, in a thread).
- `engine`: crossing with hysteresis, once per settlement or file for lagged figures, never on
  stale data.
- `storage`: the state and the app's rules (user data folder, written atomically), the alert log
  (user log folder).
- `notify`: the desktop notification escapes (OSC 9 / 777, through tmux) and the user's command.
- `monitor`: `AlertMonitor`, which ties them together as views arrive.
- `headless`: `tapewatch alerts`.
"""
