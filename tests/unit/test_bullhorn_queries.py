"""The Bullhorn window queries: JPQL for JobOrder, Lucene for Candidate, batches by candidate id."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from include.bullhorn.queries import (
    MAX_IDS_PER_QUERY,
    candidate_query,
    candidate_rows_where,
    candidate_rows_wheres,
    id_list,
    job_order_where,
    lucene_stamp,
)
from include.mappings.converters import epoch_ms
from include.window import Window, window_for_run

START = datetime(2026, 11, 2, 9, tzinfo=UTC)
END = START + timedelta(hours=1)
START_MS = 1793610000000
END_MS = 1793613600000


def test_job_order_where_is_the_half_open_window_in_epoch_ms() -> None:
    assert job_order_where(Window(START, END)) == (
        f"dateLastModified >= {START_MS} AND dateLastModified < {END_MS}"
    )
    # Closed, private and deleted jobs are not filtered out: they become tombstones.
    assert "isDeleted" not in job_order_where(Window(START, END))
    assert "isOpen" not in job_order_where(Window(START, END))


def test_job_order_where_full_resync_has_no_lower_bound_and_takes_a_fixed_filter() -> None:
    window = window_for_run(START, END, full_resync=True)
    assert job_order_where(window) == f"dateLastModified < {END_MS}"
    assert job_order_where(window, "employmentType <> 'Internal'") == (
        f"(employmentType <> 'Internal') AND dateLastModified < {END_MS}"
    )


def test_job_order_where_widens_a_window_with_sub_millisecond_bounds() -> None:
    window = Window(START + timedelta(microseconds=700), END + timedelta(microseconds=200))
    assert job_order_where(window) == (f"dateLastModified >= {START_MS} AND dateLastModified < {END_MS + 1}")


def test_candidate_query_is_the_window_in_inclusive_utc_seconds() -> None:
    assert candidate_query(Window(START, END)) == "dateLastModified:[20261102090000 TO 20261102095959]"


def test_candidate_query_converts_other_zones_to_utc() -> None:
    paris = timezone(timedelta(hours=1))
    window = Window(datetime(2026, 11, 2, 10, tzinfo=paris), datetime(2026, 11, 2, 11, tzinfo=paris))
    assert candidate_query(window) == "dateLastModified:[20261102090000 TO 20261102095959]"


def test_candidate_query_full_resync_and_filter() -> None:
    window = window_for_run(START, END, full_resync=True)
    assert candidate_query(window) == "dateLastModified:[* TO 20261102095959]"
    assert candidate_query(Window(START, END), "status:Active") == (
        "(status:Active) AND dateLastModified:[20261102090000 TO 20261102095959]"
    )


def _lucene_matches(query: str, stamp_ms: int) -> bool:
    """Whether a record stamped ``stamp_ms`` falls in the query's range, as Bullhorn's index compares.

    The index holds the stamp to the second; the range includes both ends.
    """
    bounds = query.split("[", 1)[1].rstrip("]").split(" TO ")
    stamp = lucene_stamp(datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=stamp_ms))
    low, high = bounds
    return (low == "*" or low <= stamp) and stamp <= high


@pytest.mark.parametrize(
    "window",
    [
        Window(START, END),
        Window(START + timedelta(milliseconds=250), END + timedelta(milliseconds=500)),
        Window(START + timedelta(milliseconds=999), START + timedelta(seconds=1, milliseconds=1)),
        Window(START, START + timedelta(milliseconds=1)),
    ],
    ids=["whole-hour", "fractional-bounds", "across-one-second", "one-millisecond"],
)
def test_lucene_window_covers_every_stamp_of_the_half_open_interval(window: Window) -> None:
    query = candidate_query(window)
    first, last = epoch_ms(window.start or START), epoch_ms(window.end, round_up=True) - 1
    for stamp in (first, first + 1, (first + last) // 2, last - 1, last):
        if first <= stamp <= last:
            assert _lucene_matches(query, stamp), stamp
    # Beyond the end's second nothing is read; before the start's second nothing either.
    whole_second_after = (epoch_ms(window.end, round_up=True) + 999) // 1000 * 1000
    assert not _lucene_matches(query, whole_second_after)
    assert not _lucene_matches(query, first // 1000 * 1000 - 1)


def test_whole_second_end_is_excluded_from_the_lucene_window() -> None:
    query = candidate_query(Window(START, END))
    assert _lucene_matches(query, END_MS - 1)
    assert not _lucene_matches(query, END_MS)  # belongs to the next window
    assert _lucene_matches(candidate_query(Window(END, END + timedelta(hours=1))), END_MS)


def test_lucene_stamp_pads_early_years_and_refuses_naive_datetimes() -> None:
    assert lucene_stamp(datetime(812, 1, 2, 3, 4, 5, 999999, tzinfo=UTC)) == "08120102030405"
    assert lucene_stamp(datetime(1969, 6, 14, 16, 5, 2, tzinfo=UTC)) == "19690614160502"
    with pytest.raises(ValueError, match="timezone-aware"):
        lucene_stamp(datetime(2026, 11, 2, 9))


def test_candidate_rows_where_lists_ids_and_leaves_deleted_rows_out() -> None:
    assert candidate_rows_where([456532, 17]) == "candidate.id IN (456532, 17) AND isDeleted = false"


def test_candidate_rows_are_read_in_chunks_each_id_once() -> None:
    ids = [*range(1, 1202), 5, 7]
    wheres = candidate_rows_wheres(ids)
    assert len(wheres) == 3
    assert wheres[0] == candidate_rows_where(list(range(1, 501)))
    last_ids = ", ".join(str(number) for number in range(1001, 1202))
    assert wheres[2] == f"candidate.id IN ({last_ids}) AND isDeleted = false"
    assert candidate_rows_wheres([3, 1, 3, 2], chunk_size=2) == [
        "candidate.id IN (3, 1) AND isDeleted = false",
        "candidate.id IN (2) AND isDeleted = false",
    ]
    assert candidate_rows_wheres([]) == []
    # The longest IN list stays under the 7,500 characters past which Bullhorn wants a POST.
    longest = candidate_rows_where([2_147_483_647 - number for number in range(MAX_IDS_PER_QUERY)])
    assert len(longest) < 7500


@pytest.mark.parametrize("bad", ["1) OR (1=1", "12", True, 0, -4, 3.0, None])
def test_ids_are_validated_before_they_enter_a_query(bad: object) -> None:
    with pytest.raises(ValueError, match="not a Bullhorn id"):
        id_list([1, bad])  # type: ignore[list-item]


def test_chunk_limits_are_enforced() -> None:
    with pytest.raises(ValueError, match="between 1 and 500"):
        candidate_rows_where([])
    with pytest.raises(ValueError, match="between 1 and 500"):
        candidate_rows_where(range(1, 502))
    with pytest.raises(ValueError, match="chunk size"):
        candidate_rows_wheres([1], chunk_size=0)
