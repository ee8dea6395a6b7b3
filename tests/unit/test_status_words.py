"""Why a pane has no data, in a trader's words (tui.presenters.status): loading until a source
has failed, then the worst failure with its retry time in New York time and, off the demo, the
key for the demo market."""

from __future__ import annotations

import datetime as dt

from tui.kinds import FailureKind
from tui.models import DatasetFreshness, SourceHealth
from tui.presenters.status import budget_text, build_failure_text, no_data_text

RETRY = dt.datetime(2026, 2, 11, 17, 31, 20, tzinfo=dt.UTC)  # 12:31 in New York


def never_loaded(name: str, health: SourceHealth | None) -> DatasetFreshness:
    return DatasetFreshness(name, None, False, health)


def test_a_pane_is_loading_until_one_of_its_datasets_has_failed() -> None:
    assert no_data_text([never_loaded("quotes", None)], is_demo=False) is None
    ok = SourceHealth("yahoo", "ok")
    assert no_data_text([never_loaded("quotes", ok)], is_demo=False) is None


def test_the_worst_failure_speaks_for_the_pane() -> None:
    datasets = [
        never_loaded("quotes", SourceHealth("yahoo", "retrying", RETRY)),
        never_loaded("daily", SourceHealth("yahoo", "offline", RETRY)),
        never_loaded("SI", SourceHealth("finra", "rate_limited", RETRY)),
    ]
    assert no_data_text(datasets, is_demo=False) == (
        "no data — yahoo unreachable, retrying 12:31 ET · d: demo market"
    )
    limited = [datasets[0], datasets[2]]
    assert no_data_text(limited, is_demo=False) == (
        "no data — finra rate-limited until 12:31 ET · d: demo market"
    )
    assert no_data_text(datasets[:1], is_demo=False) == (
        "no data — yahoo failed, retrying 12:31 ET · d: demo market"
    )


def test_a_first_failure_says_what_kind_it_was() -> None:
    """One refused connection is not "offline" yet (a second in a row is), but it is no
    mystery either."""
    refused = SourceHealth("yahoo", "retrying", RETRY, cause=FailureKind.OFFLINE)
    assert no_data_text([never_loaded("quotes", refused)], is_demo=False) == (
        "no data — yahoo unreachable, retrying 12:31 ET · d: demo market"
    )
    silent = SourceHealth("finra", "retrying", RETRY, cause=FailureKind.TIMEOUT)
    assert no_data_text([never_loaded("SI", silent)], is_demo=True) == (
        "no data — finra not answering, retrying 12:31 ET"
    )


def test_a_dataset_with_data_does_not_explain_an_empty_pane() -> None:
    loaded = DatasetFreshness("quotes", 12.0, False, SourceHealth("yahoo", "offline", RETRY))
    assert no_data_text([loaded], is_demo=False) is None


def test_a_dataset_not_set_up_gives_its_reason_without_the_demo_key() -> None:
    reason = "no short-interest folder configured (sources.files.short_interest)"
    not_set_up = never_loaded("SI", SourceHealth("files", "not_configured", detail=reason))
    assert no_data_text([not_set_up], is_demo=False) == f"no data — {reason}"


def test_without_a_failure_the_first_dataset_not_served_speaks() -> None:
    """Most shorted from files: short interest not set up says more than short volume, which
    files never serve."""
    reason = "no short-interest folder configured (sources.files.short_interest)"
    datasets = [
        DatasetFreshness("quotes", 4.0, False, SourceHealth("files", "ok")),
        never_loaded("SI", SourceHealth("files", "not_configured", detail=reason)),
        never_loaded("SV", SourceHealth("files", "unavailable", detail="not read from files")),
    ]
    assert no_data_text(datasets, is_demo=False) == f"no data — {reason}"


def test_the_demo_is_not_offered_on_the_demo() -> None:
    failing = never_loaded("quotes", SourceHealth("demo", "retrying", RETRY))
    assert no_data_text([failing], is_demo=True) == "no data — demo failed, retrying 12:31 ET"


def test_a_pane_whose_figures_could_not_be_computed_says_so() -> None:
    assert build_failure_text("KeyError: 'XLK'") == "could not compute: KeyError: 'XLK'"


def test_the_budget_says_how_many_requests_it_holds_back() -> None:
    assert budget_text("yahoo", 1) == "⏳ yahoo budget: 1 request waiting"
    assert budget_text("yahoo", 3) == "⏳ yahoo budget: 3 requests waiting"
    assert budget_text("yahoo", 3, compact=True) == "⏳3"
