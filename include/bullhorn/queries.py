"""Bullhorn window queries, built from datetimes and integer ids only.

Nothing from a record or a Param is pasted into a query as text: window bounds
are formatted from aware datetimes, ids must be integers, and a filter comes
from a mapping module (code, not input).

Two languages, because Bullhorn answers JobOrder through ``query`` (JPQL, on the
database) and Candidate through ``search`` only (Lucene, on its index):

* JPQL compares ``dateLastModified`` as epoch milliseconds, so the window's
  half-open interval ``[start, end)`` is written as it is.
* Lucene ranges compare ``yyyyMMddHHmmss`` stamps in UTC, to the second, and
  include both ends. The start is rounded down to its second; the end becomes
  the last whole second before it (``10:00:00`` → ``09:59:59``; ``10:00:00.5`` →
  ``10:00:00``). A record stamped within the start's or the end's second may be
  read by two windows: that is harmless, because Recruit AI replaces a record
  posted again by id, and no record is missed.

Neither query leaves out deleted or unavailable records: the mappings post them
as tombstones.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

from include.mappings.converters import epoch_ms
from include.window import Window

WINDOW_FIELD = "dateLastModified"

# Ids go in the query string of a GET; Bullhorn asks for POST past 7,500 characters.
# 500 ids of up to 10 digits keep an IN list under 6,000.
MAX_IDS_PER_QUERY = 500


def job_order_where(window: Window, where: str | None = None) -> str:
    """Return the JPQL ``where`` of JobOrders modified in the window (deleted and closed ones included).

    A full resync's window has no start, so no lower bound. ``where`` is a fixed
    filter from a mapping module (code, not input).
    """
    conditions = [f"({where})"] if where else []
    if window.start is not None:
        conditions.append(f"{WINDOW_FIELD} >= {epoch_ms(window.start)}")
    conditions.append(f"{WINDOW_FIELD} < {epoch_ms(window.end, round_up=True)}")
    return " AND ".join(conditions)


def candidate_query(window: Window, lucene_filter: str | None = None) -> str:
    """Return the Lucene ``query`` of Candidates modified in the window (deleted ones included).

    A full resync's window has no start: the range opens with ``*``.
    ``lucene_filter`` is a fixed filter from a mapping module (code, not input).
    """
    start = "*" if window.start is None else lucene_stamp(window.start)
    end = lucene_stamp(_last_second_before(window.end))
    window_range = f"{WINDOW_FIELD}:[{start} TO {end}]"
    return f"({lucene_filter}) AND {window_range}" if lucene_filter else window_range


def lucene_stamp(moment: datetime) -> str:
    """Format an aware datetime as Bullhorn's Lucene date, ``yyyyMMddHHmmss`` in UTC (rounded down)."""
    if moment.tzinfo is None:
        raise ValueError("Lucene dates need a timezone-aware datetime")
    utc = moment.astimezone(UTC)
    # Formatted field by field: strftime("%Y") does not pad years before 1000 on every platform.
    return f"{utc.year:04d}{utc.month:02d}{utc.day:02d}{utc.hour:02d}{utc.minute:02d}{utc.second:02d}"


def _last_second_before(end: datetime) -> datetime:
    """Return the last whole second an inclusive range needs to cover ``[…, end)``."""
    whole = end.replace(microsecond=0)
    return whole - timedelta(seconds=1) if whole == end else whole


def candidate_rows_where(candidate_ids: Iterable[int]) -> str:
    """Return the JPQL ``where`` of the education or work history rows of up to 500 candidates.

    Deleted rows are left out: a candidate's summary lists what its record shows.
    """
    ids = list(candidate_ids)
    if not 0 < len(ids) <= MAX_IDS_PER_QUERY:
        raise ValueError(f"between 1 and {MAX_IDS_PER_QUERY} candidate ids per query, not {len(ids)}")
    return f"candidate.id IN ({id_list(ids)}) AND isDeleted = false"


def candidate_rows_wheres(candidate_ids: Iterable[int], chunk_size: int = MAX_IDS_PER_QUERY) -> list[str]:
    """Return ``candidate_rows_where`` for every chunk of ``chunk_size`` ids, each id once, in order."""
    if not 0 < chunk_size <= MAX_IDS_PER_QUERY:
        raise ValueError(f"chunk size must be between 1 and {MAX_IDS_PER_QUERY}")
    ids = list(dict.fromkeys(candidate_ids))
    return [candidate_rows_where(ids[at : at + chunk_size]) for at in range(0, len(ids), chunk_size)]


def id_list(ids: Sequence[int]) -> str:
    """Return ``1, 2, 3`` for an IN list, refusing anything that is not a positive integer."""
    for record_id in ids:
        if isinstance(record_id, bool) or not isinstance(record_id, int) or record_id <= 0:
            raise ValueError(f"not a Bullhorn id: {str(record_id)[:40]!r}")
    return ", ".join(str(record_id) for record_id in ids)
