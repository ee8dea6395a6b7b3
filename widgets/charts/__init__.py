"""The plotext charts: `base` (what every chart shares: axes, lines, bars, "no data"),
`ticker` (the drill-down's charts) and `pair` (a pair of basket members' two charts).

Importing any of them imports plotext: import them from the screens that show them only, so that
plotext does not delay the dashboard's first frame.
"""
