"""The job table: cadences from the settings, and everything derived from it — which jobs feed
each pane, which jobs follow which, the order of a one-round refresh, the price jobs, the disk
copy's keys, the stale panes."""

from __future__ import annotations

import pytest

from tui.config import RefreshSettings
from tui.jobs import (
    FOLLOWERS,
    JOBS,
    PANE_JOBS,
    PRICE_JOBS,
    REFRESH_ORDER,
    JobName,
    JobSpec,
    refresh_order,
    spec,
    stale_panes,
)
from tui.kinds import Dataset, SourceRole
from tui.models import DatasetFreshness, Pane


def test_jobs_run_at_the_configured_cadences_and_feed_their_panes() -> None:
    refresh = RefreshSettings(
        quotes=7,
        intraday=11,
        daily=13,
        short_interest=17,
        short_volume=19,
        shares=23,
        member_bars=29,
        fund_nav=31,
        fund_holdings=37,
    )

    assert [(job.name, job.label, job.cadence_s(refresh)) for job in JOBS] == [
        (JobName.QUOTES, "quotes", 7),
        (JobName.INTRADAY, "intraday", 11),
        (JobName.DAILY, "daily", 13),
        (JobName.SHORT_INTEREST, "SI", 17),
        (JobName.SHORT_VOLUME, "SV", 19),
        (JobName.SHARES, "shares", 23),
        (JobName.MEMBER_BARS, "members", 29),
        (JobName.FUND_NAV, "NAV", 31),
        (JobName.FUND_HOLDINGS, "holdings", 37),
    ]
    assert spec(JobName.QUOTES).panes == {
        Pane.INDICES,
        Pane.SECTORS,
        Pane.SHORTS,
        Pane.WATCHLIST,
    }
    assert spec(JobName.INTRADAY).panes == {Pane.INDICES, Pane.WATCHLIST}
    assert spec(JobName.DAILY).panes == {
        Pane.INDICES,
        Pane.SECTORS,
        Pane.CORRELATIONS,
        Pane.WATCHLIST,
    }
    # The sectors' short pressure is their members' short data.
    short_jobs = (JobName.SHORT_INTEREST, JobName.SHORT_VOLUME)
    assert all(spec(job).panes == {Pane.SHORTS, Pane.WATCHLIST, Pane.SECTORS} for job in short_jobs)
    assert spec(JobName.SHARES).panes == {Pane.SHORTS, Pane.WATCHLIST}
    fund_jobs = (JobName.MEMBER_BARS, JobName.FUND_NAV, JobName.FUND_HOLDINGS)
    assert all(spec(job).panes == {Pane.SECTORS} for job in fund_jobs)


def test_every_job_has_a_spec_and_a_frame_schema() -> None:
    assert [job.name for job in JOBS] == list(JobName)
    assert {spec(job).dataset for job in JobName} <= set(Dataset)


def test_each_pane_lists_the_jobs_that_feed_it() -> None:
    assert {
        Pane.INDICES: (JobName.QUOTES, JobName.INTRADAY, JobName.DAILY),
        Pane.SECTORS: (
            JobName.QUOTES,
            JobName.DAILY,
            JobName.SHORT_INTEREST,
            JobName.SHORT_VOLUME,
            JobName.MEMBER_BARS,
            JobName.FUND_NAV,
            JobName.FUND_HOLDINGS,
        ),
        Pane.SHORTS: (
            JobName.QUOTES,
            JobName.SHORT_INTEREST,
            JobName.SHORT_VOLUME,
            JobName.SHARES,
        ),
        Pane.CORRELATIONS: (JobName.DAILY,),
        # Watchlists show prices, their history and the short figures: every job but the
        # sector funds' own.
        Pane.WATCHLIST: (
            JobName.QUOTES,
            JobName.INTRADAY,
            JobName.DAILY,
            JobName.SHORT_INTEREST,
            JobName.SHORT_VOLUME,
            JobName.SHARES,
        ),
    } == PANE_JOBS


def test_short_interest_wakes_share_counts_and_quotes_and_holdings_the_members_bars() -> None:
    assert {job: followers for job, followers in FOLLOWERS.items() if followers} == {
        JobName.SHORT_INTEREST: (JobName.SHARES, JobName.QUOTES),
        JobName.SHARES: (JobName.QUOTES,),
        # New holdings name new members: their bars.
        JobName.FUND_HOLDINGS: (JobName.MEMBER_BARS,),
    }


def test_price_jobs_merge_by_symbol_and_are_answered_by_the_price_source() -> None:
    assert {JobName.QUOTES, JobName.INTRADAY, JobName.DAILY, JobName.MEMBER_BARS} == PRICE_JOBS
    assert {job: spec(job).role for job in JobName} == {
        JobName.QUOTES: SourceRole.PRICES,
        JobName.INTRADAY: SourceRole.PRICES,
        JobName.DAILY: SourceRole.PRICES,
        JobName.SHORT_INTEREST: SourceRole.SHORT_DATA,
        JobName.SHORT_VOLUME: SourceRole.SHORT_DATA,
        JobName.SHARES: SourceRole.SHARES,
        JobName.MEMBER_BARS: SourceRole.PRICES,
        JobName.FUND_NAV: SourceRole.FUNDS,
        JobName.FUND_HOLDINGS: SourceRole.FUNDS,
    }


def test_a_round_runs_each_job_after_the_jobs_that_wake_it_and_prices_last() -> None:
    assert sorted(REFRESH_ORDER) == sorted(JobName)
    for job, followers in FOLLOWERS.items():
        for follower in followers:
            assert REFRESH_ORDER.index(job) < REFRESH_ORDER.index(follower)
    # Slow data first, prices last; quotes right after the bars they reuse.
    assert REFRESH_ORDER == (
        JobName.FUND_HOLDINGS,
        JobName.FUND_NAV,
        JobName.MEMBER_BARS,
        JobName.SHORT_VOLUME,
        JobName.SHORT_INTEREST,
        JobName.SHARES,
        JobName.DAILY,
        JobName.INTRADAY,
        JobName.QUOTES,
    )


def test_jobs_that_wake_each_other_in_a_cycle_are_refused() -> None:
    def job(name: JobName, wakes: tuple[JobName, ...]) -> JobSpec:
        return JobSpec(
            name, name.value, lambda r: 1.0, frozenset(), Dataset.BARS, SourceRole.PRICES, wakes
        )

    with pytest.raises(ValueError, match="cycle"):
        refresh_order(
            [job(JobName.DAILY, (JobName.INTRADAY,)), job(JobName.INTRADAY, (JobName.DAILY,))]
        )


def test_the_disk_copy_of_a_job_is_kept_per_source() -> None:
    assert spec(JobName.SHORT_VOLUME).cache_key("live") == "snapshot/live/short_volume"
    assert spec(JobName.QUOTES).cache_key("files") == "snapshot/files/quotes"


def test_a_stale_dataset_marks_every_pane_it_feeds() -> None:
    datasets = [DatasetFreshness(job.label, 1.0, job.name is JobName.DAILY) for job in JOBS]
    assert stale_panes(datasets) == {
        Pane.INDICES,
        Pane.SECTORS,
        Pane.CORRELATIONS,
        Pane.WATCHLIST,
    }
    assert stale_panes([]) == frozenset()  # the placeholder before the first poll
