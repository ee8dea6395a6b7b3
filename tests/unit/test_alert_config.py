"""`[[alerts]]`, `[alerting]` and `[alerting.defaults]` are checked like the rest of the config:
every problem with its key; the example file documents every field."""

from __future__ import annotations

import dataclasses
import re
import tomllib

import pytest

from tui.config import (
    DEFAULT_BASKETS,
    AlertDefaults,
    AlertingSettings,
    AlertRule,
    ConfigError,
    example_config_text,
    parse_settings,
    read_alert_rule,
)


def problems_of(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_settings(text)
    return [str(problem) for problem in caught.value.problems]


def rule(**keys: object) -> str:
    lines = ["[[alerts]]"]
    for key, value in keys.items():
        lines.append(f"{key} = {value!r}".replace("'", '"'))
    return "\n".join(lines) + "\n"


def commented_alert_tables() -> list[dict[str, object]]:
    """The example file's commented-out [[alerts]] tables, uncommented and parsed."""
    lines: list[str] = []
    for line in example_config_text().splitlines():
        if line == "# [[alerts]]":
            lines.append("[[alerts]]")
        elif lines and not line.startswith("#"):
            break  # the commented block ends at the first line that is not a comment
        elif lines and re.match(r"# \w+ = ", line):
            lines.append(line.removeprefix("# "))
    return tomllib.loads("\n".join(lines))["alerts"]


def test_no_alert_by_default_and_the_documented_defaults() -> None:
    settings = parse_settings("")
    assert settings.alerts == ()
    assert settings.alerting == AlertingSettings()
    assert settings.alerting.defaults == AlertDefaults()
    assert not any((settings.alerting.defaults.sv_spikes, settings.alerting.defaults.si_jumps))


def test_the_example_file_documents_every_field_of_a_rule_and_its_rules_are_valid() -> None:
    tables = commented_alert_tables()
    assert len(tables) == 2
    documented = {key for table in tables for key in table}
    assert documented == {field.name for field in dataclasses.fields(AlertRule)}
    text = "".join(
        "[[alerts]]\n"
        + "".join(
            f"{key} = {value!r}\n".replace("'", '"').replace("(", "[").replace(")", "]")
            for key, value in table.items()
        )
        for table in tables
    )
    settings = parse_settings(text)
    assert settings.alerts[0] == AlertRule(
        "corr_to_peers",
        symbol="MSFT",
        basket="Mag 7",
        below=0.1,
        note="MSFT has broken away from the Mag 7",
    )
    assert settings.alerts[1].command[0] == "notify-send"


def test_a_rule_is_read_and_normalised() -> None:
    settings = parse_settings(rule(symbol=" msft ", field="last", below=380, note=" low "))
    assert settings.alerts == (AlertRule("last", symbol="MSFT", below=380.0, note="low"),)


def test_a_misspelt_field_and_an_unknown_key_name_their_key() -> None:
    problems = problems_of(rule(symbol="MSFT", field="lats", below=1) + "belwo = 2\n")
    assert problems[0].startswith("alerts[0].belwo: unknown key (did you mean `alerts[0].below`?)")
    assert 'alerts[0].field: expected one of "last", ' in problems[1]
    assert problems[1].endswith('found "lats" (did you mean "last"?)')


def test_a_symbol_in_the_wrong_format_names_its_key() -> None:
    (problem,) = problems_of(rule(symbol="MS FT", field="last", below=1))
    assert problem.startswith("alerts[0].symbol: `MS FT` is not a ticker symbol")


def test_bounds_inverted_and_no_bound_at_all() -> None:
    (inverted,) = problems_of(rule(symbol="MSFT", field="last", below=420, above=380))
    assert inverted.startswith(
        "alerts[0].below: both bounds inverted: below (420) must be less than above (380)"
    )
    (missing,) = problems_of(rule(symbol="MSFT", field="last"))
    assert missing == "alerts[0]: expected `below`, `above` or both: the level the figure crosses"


def test_basket_fields_need_a_basket_and_stock_fields_a_symbol() -> None:
    (no_basket,) = problems_of(rule(field="basket_corr", below=0.2))
    assert no_basket.startswith("alerts[0].basket: basket_corr is a basket's own figure")
    (with_symbol,) = problems_of(
        rule(symbol="MSFT", basket="Mag 7", field="basket_corr", below=0.2)
    )
    assert with_symbol.startswith("alerts[0].symbol: basket_corr is a basket's own figure")
    no_symbol, with_a_basket = problems_of(rule(basket="Mag 7", field="sv_z", above=3))
    assert no_symbol.startswith("alerts[0].symbol: sv_z is a stock's figure")
    assert with_a_basket.startswith("alerts[0].basket: sv_z is a stock's figure")
    (with_basket,) = problems_of(rule(symbol="MSFT", basket="Mag 7", field="sv_z", above=3))
    assert with_basket.startswith("alerts[0].basket: sv_z is a stock's figure")
    (neither,) = problems_of(rule(field="last", below=3))
    assert neither == "alerts[0]: expected `symbol` or `basket`: whose last to watch"


def test_a_basket_must_be_configured_and_hold_the_member() -> None:
    (unknown,) = problems_of(rule(basket="Mag7", field="basket_corr", below=0.2))
    assert unknown == 'alerts[0].basket: unknown basket `Mag7` (did you mean "Mag 7"?)'
    (outsider,) = problems_of(rule(symbol="XOM", basket="Mag 7", field="corr_to_peers", below=0.1))
    assert outsider == "alerts[0].symbol: `XOM` is not a member of the basket `Mag 7`"
    (nowhere,) = problems_of(rule(symbol="XOM", field="corr_to_peers", below=0.1))
    assert nowhere.startswith("alerts[0].symbol: `XOM` is in no basket")


def test_a_member_of_two_baskets_must_name_one_and_of_one_need_not() -> None:
    (ambiguous,) = problems_of(rule(symbol="MSFT", field="corr_to_peers", below=0.1))
    assert ambiguous == (
        "alerts[0].basket: `MSFT` is in 2 baskets (Mag 7, Large-cap software): name one with "
        'basket = "Mag 7"'
    )
    settings = parse_settings(rule(symbol="AAPL", field="corr_to_peers", below=0.1))
    assert settings.alerts[0].basket == ""  # resolved when the monitor builds the rule
    assert parse_settings(rule(symbol="*", field="corr_to_peers", below=0.1)).alerts


def test_a_correlation_level_outside_minus_one_to_one_would_never_fire() -> None:
    (problem,) = problems_of(rule(basket="Mag 7", field="basket_corr", below=1.5))
    assert (
        problem
        == "alerts[0].below: expected -1 to 1 (a correlation), found 1.5: it would never fire"
    )


def test_commands_name_known_placeholders_without_formats() -> None:
    problems = problems_of(
        '[alerting]\non_alert = ["", "{sym}", "{value:.2f}", "{"]\ncommand_timeout = 0\n'
        'desktop = "osc8"\n'
    )
    assert problems[0] == "alerting.on_alert[0]: expected the program to run, found an empty string"
    assert problems[1].startswith("alerting.on_alert[1]: unknown placeholder `{sym}`")
    assert problems[2].startswith("alerting.on_alert[2]: `{value}` takes no format")
    assert problems[3].startswith("alerting.on_alert[3]: ")
    assert problems[4].startswith("alerting.command_timeout: expected more than 0")
    assert problems[5].endswith('found "osc8" (did you mean "osc9"?)')
    settings = parse_settings(
        '[alerting]\non_alert = ["notify-send", "{symbol} {field} {value}"]\n'
    )
    assert settings.alerting.on_alert == ("notify-send", "{symbol} {field} {value}")


def test_alerts_written_as_one_table_say_how_to_write_them() -> None:
    (problem,) = problems_of('[alerts]\non_alert = ["x"]\n')
    assert problem.startswith("alerts: expected an array of tables, found a table")
    assert "[[alerts]] table per rule" in problem and "[alerting]" in problem


def test_the_defaults_switch_on_without_symbols() -> None:
    settings = parse_settings("[alerting.defaults]\nsv_spikes = true\nsv_z = 2.5\n")
    assert settings.alerting.defaults == AlertDefaults(sv_spikes=True, sv_z=2.5)


def test_a_rule_made_in_the_app_is_checked_like_a_config_rule() -> None:
    table = {"field": "corr_to_peers", "symbol": "msft", "basket": "Mag 7", "below": 0.1}
    assert read_alert_rule(table, DEFAULT_BASKETS) == AlertRule(
        "corr_to_peers", symbol="MSFT", basket="Mag 7", below=0.1
    )
    with pytest.raises(ConfigError) as caught:
        read_alert_rule(
            {"field": "last", "symbol": "MSFT", "below": 5, "above": 1}, DEFAULT_BASKETS
        )
    assert caught.value.problems[0].key == "alert.below"
