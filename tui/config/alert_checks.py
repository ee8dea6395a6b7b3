"""The checks of an alert rule beyond its fields' types: its symbol, its command's placeholders,
the subject its field belongs to, and the basket it names."""

from __future__ import annotations

import string
from collections.abc import Sequence

from tui.config.checks import one_symbol
from tui.config.reader import Invalid, Reader, did_you_mean, join_key
from tui.config.settings import (
    ANY_SYMBOL,
    BASKET_ALERT_FIELDS,
    CORRELATION_ALERT_FIELDS,
    MEMBER_ALERT_FIELDS,
    SYMBOL_OR_BASKET_ALERT_FIELDS,
    AlertRule,
    Basket,
)

# --- alerts ---------------------------------------------------------------------------------------

# What a command's arguments may name: str.format placeholders, filled in when an alert fires.
COMMAND_PLACEHOLDERS = ("symbol", "basket", "field", "value", "bound", "note", "message")


def alert_symbol(value: str, key: str, reader: Reader) -> str | Invalid:
    text = value.strip()
    if text in ("", ANY_SYMBOL):
        return text
    return one_symbol(text, key, reader)


def stripped(value: str, key: str, reader: Reader) -> str:
    return value.strip()


def command_argv(argv: tuple[str | Invalid, ...], key: str, reader: Reader) -> tuple[str, ...]:
    """A program and its arguments, run without a shell; placeholders only from
    COMMAND_PLACEHOLDERS, without format specs (each is filled in as text)."""
    if argv and isinstance(argv[0], str) and not argv[0].strip():
        reader.report(f"{key}[0]", "expected the program to run, found an empty string")
    names = ", ".join(f"{{{name}}}" for name in COMMAND_PLACEHOLDERS)
    for index, part in enumerate(argv):
        if isinstance(part, Invalid):
            continue
        try:
            pieces = list(string.Formatter().parse(part))
        except ValueError as error:
            reader.report(f"{key}[{index}]", f"{error} (write {{{{ or }}}} for a brace itself)")
            continue
        for _, name, spec, conversion in pieces:
            if name is None:
                continue
            if name not in COMMAND_PLACEHOLDERS:
                reader.report(
                    f"{key}[{index}]", f"unknown placeholder `{{{name}}}` (placeholders: {names})"
                )
            elif spec or conversion:
                reader.report(
                    f"{key}[{index}]",
                    f"`{{{name}}}` takes no format: it is filled in as the screen shows it",
                )
    return tuple(part for part in argv if isinstance(part, str))


def alert_rule(rule: AlertRule, key: str, reader: Reader) -> None:
    """A rule names a level, bounds in order, and the subject its field belongs to."""
    field_name = rule.field
    if rule.below is None and rule.above is None:
        reader.report(key, "expected `below`, `above` or both: the level the figure crosses")
    if rule.below is not None and rule.above is not None and rule.below >= rule.above:
        reader.report(
            join_key(key, "below"),
            f"both bounds inverted: below ({rule.below:g}) must be less than above "
            f"({rule.above:g}); with both, the alert fires when {field_name} leaves the range "
            "between them",
        )
    if field_name in CORRELATION_ALERT_FIELDS:
        for name, bound in (("below", rule.below), ("above", rule.above)):
            if bound is not None and not -1 <= bound <= 1:
                reader.report(
                    join_key(key, name),
                    f"expected -1 to 1 (a correlation), found {bound:g}: it would never fire",
                )
    symbol_key, basket_key = join_key(key, "symbol"), join_key(key, "basket")
    if field_name in BASKET_ALERT_FIELDS:
        if not rule.basket:
            reader.report(
                basket_key, f'{field_name} is a basket\'s own figure: name it (basket = "Mag 7")'
            )
        if rule.symbol:
            reader.report(
                symbol_key,
                f"{field_name} is a basket's own figure, not a symbol's: remove symbol (a "
                "member's correlation to its peers is corr_to_peers)",
            )
    elif field_name in MEMBER_ALERT_FIELDS:
        if not rule.symbol:
            reader.report(
                symbol_key,
                f'{field_name} is a basket member\'s figure: name the symbol (or "*" for every '
                "member)",
            )
    elif field_name in SYMBOL_OR_BASKET_ALERT_FIELDS:
        if not rule.symbol and not rule.basket:
            reader.report(key, f"expected `symbol` or `basket`: whose {field_name} to watch")
        elif rule.symbol and rule.basket:
            reader.report(
                basket_key,
                f"{field_name} is a symbol's or a basket's: give symbol or basket, not both",
            )
    else:
        if not rule.symbol:
            reader.report(
                symbol_key,
                f'{field_name} is a stock\'s figure: name the symbol (or "*" for every row that '
                "shows it)",
            )
        if rule.basket:
            reader.report(
                basket_key,
                f"{field_name} is a stock's figure: basket goes only with basket_corr, "
                "corr_to_peers, last and change_pct",
            )


def alert_baskets(
    rules: Sequence[AlertRule | Invalid], baskets: Sequence[Basket], key: str, reader: Reader
) -> None:
    """Each rule's basket is a configured one, and a member's correlation names a member of it
    (or of exactly one basket, when no basket is named)."""
    by_name = {basket.name: basket for basket in baskets}
    for index, rule in enumerate(rules):
        if not isinstance(rule, AlertRule):
            continue
        rule_key = f"{key}[{index}]"
        basket = by_name.get(rule.basket) if rule.basket else None
        if rule.basket and basket is None:
            if suggestion := did_you_mean(rule.basket, list(by_name)):
                hint = f'did you mean "{suggestion}"?'
            else:
                hint = "baskets: " + (", ".join(by_name) or "none configured")
            reader.report(join_key(rule_key, "basket"), f"unknown basket `{rule.basket}` ({hint})")
            continue
        if rule.field not in MEMBER_ALERT_FIELDS or rule.symbol in ("", ANY_SYMBOL):
            continue
        if basket is not None:
            if rule.symbol not in basket.symbols:
                reader.report(
                    join_key(rule_key, "symbol"),
                    f"`{rule.symbol}` is not a member of the basket `{basket.name}`",
                )
            continue
        holding = [basket.name for basket in baskets if rule.symbol in basket.symbols]
        if not holding:
            reader.report(
                join_key(rule_key, "symbol"),
                f"`{rule.symbol}` is in no basket: corr_to_peers is its correlation to the other "
                "members of a basket",
            )
        elif len(holding) > 1:
            reader.report(
                join_key(rule_key, "basket"),
                f"`{rule.symbol}` is in {len(holding)} baskets ({', '.join(holding)}): name one "
                f'with basket = "{holding[0]}"',
            )
