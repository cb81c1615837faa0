"""Windows and watermarks: where a run starts, and how far the watermark moves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from include.talent_rover.soql import soql_datetime
from include.window import (
    Window,
    next_watermark,
    progress,
    read_watermark,
    stopped_at,
    stopped_earlier,
    window_for_run,
    write_watermark,
)

START = datetime(2026, 11, 2, 9, tzinfo=UTC)
END = START + timedelta(hours=1)
FIVE_MINUTES = timedelta(minutes=5)


class Variables(dict[str, str]):
    """An in-memory Variable store with Airflow's get/set signature."""

    def get(self, key: str, default: str | None = None) -> str | None:  # type: ignore[override]
        return super().get(key, default)

    def set(self, key: str, value: str, description: str | None = None) -> None:
        self[key] = value


def test_a_run_starts_at_the_earlier_of_watermark_and_interval_less_the_lookback() -> None:
    assert window_for_run(START, END, lookback=FIVE_MINUTES) == Window(START - FIVE_MINUTES, END)
    behind = START - timedelta(hours=3)  # earlier runs were skipped or stopped
    assert window_for_run(START, END, watermark=behind) == Window(behind, END)
    ahead = START + timedelta(hours=5)  # a backfill of an old interval: exactly that interval
    assert window_for_run(START, END, watermark=ahead, lookback=FIVE_MINUTES) == Window(
        START - FIVE_MINUTES, END
    )
    assert window_for_run(START, END, watermark=behind, full_resync=True) == Window(None, END)


def test_a_covered_window_moves_the_watermark_forward_only() -> None:
    covered = progress(Window(START, END))
    assert next_watermark(None, covered) == END
    assert next_watermark(START, covered) == END
    later = END + timedelta(hours=4)
    assert next_watermark(later, covered) == later, "a backfill never moves the watermark back"


def test_a_stopped_window_moves_the_watermark_to_where_it_stopped() -> None:
    middle = START + timedelta(minutes=20)
    stopped = progress(Window(START, END), resume_from=middle, stopped="limit")
    assert next_watermark(START - timedelta(hours=1), stopped) == middle
    # Even back: a backfill stopped part-way leaves the rest to the next run.
    assert next_watermark(END + timedelta(hours=4), stopped) == middle
    nothing = progress(Window(START, END), stopped="limit")
    assert next_watermark(None, nothing) == START, "a first run that covered nothing still marks its start"
    assert next_watermark(END, progress(Window(None, END), stopped="limit")) == END


def test_the_step_that_got_least_far_decides() -> None:
    window = Window(START, END)
    whole = progress(window)
    extract = progress(window, resume_from=START + timedelta(minutes=40), stopped="budget")
    resumes = stopped_at(extract, START + timedelta(minutes=10), "limit")
    assert resumes["resume_from"] == (START + timedelta(minutes=10)).isoformat()
    assert stopped_earlier(whole, extract) is extract
    assert stopped_earlier(extract, whole) is extract
    assert stopped_at(extract, START + timedelta(minutes=50), "limit") is extract
    assert stopped_at(whole, None, "limit")["resume_from"] is None


def test_watermarks_round_trip_and_a_hand_edited_one_is_refused() -> None:
    store = Variables()
    assert read_watermark(store, "k") is None
    write_watermark(store, "k", END, run_id="scheduled__x")
    assert read_watermark(store, "k") == END
    store.set("k", '"2026-11-02T09:00:00+00:00"')
    assert read_watermark(store, "k") == START
    store.set("k", "yesterday")
    with pytest.raises(ValueError, match="Variable 'k' is not a watermark"):
        read_watermark(store, "k")


def test_soql_windows_only_ever_widen_to_whole_seconds() -> None:
    moment = datetime(2026, 11, 2, 9, 30, 5, 250000, tzinfo=UTC)
    assert soql_datetime(moment) == "2026-11-02T09:30:05Z"
    assert soql_datetime(moment, round_up=True) == "2026-11-02T09:30:06Z"
    assert soql_datetime(START, round_up=True) == "2026-11-02T09:00:00Z"


def test_an_explicit_window_is_checked_for_the_person_who_asked() -> None:
    from include.window import explicit_window

    now = datetime(2026, 11, 23, 12, tzinfo=UTC)
    asked = explicit_window("2026-11-02T09:00:00Z", "2026-11-02T10:30:00+01:00", now)
    assert asked == Window(datetime(2026, 11, 2, 9, tzinfo=UTC), datetime(2026, 11, 2, 9, 30, tzinfo=UTC))
    assert explicit_window(None, None, now) is None
    assert explicit_window("", "", now) is None
    for start, end, message in [
        ("2026-11-02T09:00:00Z", None, "both window_start and window_end"),
        ("yesterday", "2026-11-02T10:00:00Z", "window_start is not an ISO 8601"),
        ("2026-11-02T09:00:00", "2026-11-02T10:00:00Z", "window_start needs a time zone"),
        ("2026-11-02T10:00:00Z", "2026-11-02T09:00:00Z", "before window_end"),
        ("2026-11-02T10:00:00Z", "2026-11-24T09:00:00Z", "in the future"),
    ]:
        with pytest.raises(ValueError, match=message):
            explicit_window(start, end, now)
