"""The story's alert rule, as the tests of alerts write it in a config file: "tell me when MSFT's
correlation to its Mag-7 peers drops below 0.1" (on the demo market it is 0.05)."""

STORY_RULE = """
[[alerts]]
symbol = "MSFT"
basket = "Mag 7"
field = "corr_to_peers"
below = 0.1
note = "MSFT broke away from the Mag 7"
"""
# What it says when it fires on the demo market.
STORY_MESSAGE = "MSFT in Mag 7 corr to peers 0.05 < 0.10 — MSFT broke away from the Mag 7"
