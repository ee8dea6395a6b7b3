"""Source health: what a failure means for the status bar, when a job runs again, and the one
severity order both the per-source health and the status bar's compact indicator use."""

from __future__ import annotations

import datetime as dt
from unittest.mock import ANY

import pytest

from tui.health import SEVERITY, Health, is_problem, retry_delay_s, state_after, worst
from tui.kinds import FailureKind
from tui.models import SourceHealth

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)


def fail(
    health: Health[str],
    job: str,
    kind: FailureKind,
    *,
    source: str = "yahoo",
    message: str = "it failed",
    cadence_s: float = 15.0,
    retry_at: dt.datetime | None = None,
) -> float:
    return health.failed(
        job, source, kind, message, cadence_s=cadence_s, retry_at=retry_at, now=NOW
    )


def test_offline_is_the_worst_a_trader_can_be_told() -> None:
    assert SEVERITY == (
        "offline",
        "rate_limited",
        "retrying",
        "stale",
        "bad_rows",
        "slow",
        "ok",
        "unavailable",
        "not_configured",
    )
    assert worst(["rate_limited", "offline", "retrying"]) == "offline"
    assert worst(["unavailable", "stale"]) == "stale"
    assert worst(["slow", "ok"]) == "slow"
    assert worst(["slow", "bad_rows", "stale"]) == "stale"
    assert worst(["retrying", "slow"]) == "retrying"
    assert worst([]) is None


def test_a_dataset_a_source_does_not_serve_or_that_is_not_set_up_is_no_problem() -> None:
    assert [state for state in SEVERITY if is_problem(state)] == [
        "offline",
        "rate_limited",
        "retrying",
        "stale",
        "bad_rows",
        "slow",
    ]
    health: Health[str] = Health()
    health.succeeded("daily", "files")
    fail(health, "short_interest", FailureKind.NOT_CONFIGURED, source="files")
    fail(health, "short_volume", FailureKind.NOT_AVAILABLE, source="files")

    (files,) = health.sources()
    assert files.state == "ok"  # not "files unavailable"
    assert health.of("short_interest") == SourceHealth(
        "files", "not_configured", ANY, "it failed", FailureKind.NOT_CONFIGURED
    )
    assert health.of("short_volume") == SourceHealth(
        "files", "unavailable", ANY, "it failed", FailureKind.NOT_AVAILABLE
    )

    only_unconfigured: Health[str] = Health()
    fail(only_unconfigured, "shares", FailureKind.NOT_CONFIGURED, source="sec")
    assert [h.state for h in only_unconfigured.sources()] == ["not_configured"]


def test_a_dataset_that_is_not_served_is_asked_again_at_its_cadence_only() -> None:
    health: Health[str] = Health()
    assert fail(health, "shares", FailureKind.NOT_CONFIGURED, cadence_s=86400.0) == 86400.0
    assert fail(health, "shares", FailureKind.NOT_AVAILABLE, cadence_s=3600.0) == 3600.0


def test_a_source_shows_offline_over_rate_limited() -> None:
    """The order the feed ranked by before ranked rate-limited worst; one order now decides."""
    health: Health[str] = Health()
    fail(health, "quotes", FailureKind.RATE_LIMITED)
    fail(health, "daily", FailureKind.OFFLINE)
    fail(health, "daily", FailureKind.OFFLINE)

    (yahoo,) = health.sources()
    assert yahoo.state == "offline"


@pytest.mark.parametrize(
    ("kinds", "states"),
    [
        ([FailureKind.RATE_LIMITED], ["rate_limited"]),
        ([FailureKind.NOT_AVAILABLE], ["unavailable"]),
        ([FailureKind.NOT_CONFIGURED], ["not_configured"]),
        ([FailureKind.OFFLINE, FailureKind.OFFLINE], ["retrying", "offline"]),
        ([FailureKind.TIMEOUT, FailureKind.TIMEOUT], ["retrying", "offline"]),
        ([FailureKind.TIMEOUT, FailureKind.OFFLINE], ["retrying", "offline"]),
        ([FailureKind.HTTP, FailureKind.HTTP, FailureKind.PARSE], ["retrying"] * 3),
    ],
)
def test_source_health_after_failures(kinds: list[FailureKind], states: list[str]) -> None:
    assert [state_after(kind, count) for count, kind in enumerate(kinds, start=1)] == states

    health: Health[str] = Health()
    seen = []
    for kind in kinds:
        fail(health, "quotes", kind, source="fake", message=f"{kind.value} happened")
        (entry,) = health.sources()
        assert (entry.name, entry.detail) == ("fake", f"{kind.value} happened")
        seen.append(entry.state)
    assert seen == states


def test_back_off_doubles_from_five_seconds_up_to_the_cadence() -> None:
    delays = [retry_delay_s(count, 30.0, None, NOW) for count in range(1, 6)]
    assert delays == [5.0, 10.0, 20.0, 30.0, 30.0]


def test_a_retry_time_given_by_the_source_wins_even_beyond_the_cadence() -> None:
    assert retry_delay_s(1, 15.0, NOW + dt.timedelta(seconds=120), NOW) == 120.0
    # A time already past: try again soon, not at once.
    assert retry_delay_s(1, 15.0, NOW - dt.timedelta(hours=1), NOW) == 1.0


def test_a_success_makes_the_source_ok_again_and_resets_the_back_off() -> None:
    health: Health[str] = Health()
    fail(health, "quotes", FailureKind.OFFLINE)
    assert fail(health, "quotes", FailureKind.OFFLINE) == 10.0
    (entry,) = health.sources()
    assert (entry.state, entry.until) == ("offline", NOW + dt.timedelta(seconds=10))
    assert health.failures("quotes") == 2 and not health.reached("quotes")

    health.succeeded("quotes", "yahoo")

    (entry,) = health.sources()
    assert (entry.state, entry.until, entry.detail) == ("ok", None, "")
    assert health.failures("quotes") == 0 and health.reached("quotes")
    assert fail(health, "quotes", FailureKind.HTTP) == 5.0


def test_a_source_shows_the_worst_state_of_the_jobs_it_serves() -> None:
    """Quotes succeeding on Yahoo must not hide that Yahoo's daily bars keep failing."""
    health: Health[str] = Health()
    fail(health, "daily", FailureKind.TIMEOUT)
    health.succeeded("quotes", "yahoo")
    health.succeeded("short_interest", "finra")

    states = {entry.name: entry.state for entry in health.sources()}
    assert states == {"yahoo": "retrying", "finra": "ok"}


def test_a_health_reported_by_a_feed_is_shown_as_it_is() -> None:
    """A desk's monitor shows the feed's health per dataset: "yahoo retrying" means the feed is
    retrying, until the time the feed said."""
    health: Health[str] = Health()
    retrying = SourceHealth("yahoo", "retrying", NOW + dt.timedelta(seconds=12), "HTTP 503")
    health.reported("quotes", retrying)
    health.reported("short_interest", SourceHealth("finra", "ok"))

    assert health.of("quotes") == retrying
    assert set(health.sources()) == {retrying, SourceHealth("finra", "ok")}
    assert health.reached("short_interest") and not health.reached("quotes")

    health.reported("quotes", SourceHealth("yahoo", "ok"))
    assert health.of("quotes") == SourceHealth("yahoo", "ok") and health.reached("quotes")
    assert health.of("daily") is None
