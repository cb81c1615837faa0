"""Windows and watermarks: which modification stamps a run syncs, and how far loading has got.

A run's data interval is what it is scheduled to sync. The **watermark** of an
object is the stamp before which every record of that object has been loaded
into Recruit AI (or reported as a reject). It is kept in Airflow (a Variable per
DAG and object, see ``watermark_key``), never in a side file.

A run extracts from the earlier of the watermark and its data interval's start,
minus a lookback overlap: so a run that was skipped, stopped at the API limit or
failed leaves its part to the next run that goes ahead, and a record committed
a little after its stamp is still seen. Re-posting a record is safe: Recruit AI
replaces by id, and a window query returns records as they are now.

After a load, the watermark moves to the end of the window when the window was
covered whole, and to the point where the run stopped when it was not (which
may move it back; that only costs a re-sync, never a gap).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol, TypedDict


@dataclass(frozen=True)
class Window:
    """Half-open interval ``[start, end)`` of modification stamps.

    ``start`` None means "from the beginning" (a full resync).
    """

    start: datetime | None
    end: datetime

    def __post_init__(self) -> None:
        for moment in (self.start, self.end):
            if moment is not None and moment.tzinfo is None:
                raise ValueError("window bounds must be timezone-aware")
        if self.start is not None and self.start >= self.end:
            raise ValueError(
                f"window start {self.start.isoformat()} is not before its end {self.end.isoformat()}"
            )

    def __str__(self) -> str:
        start = self.start.astimezone(UTC).isoformat() if self.start else "the beginning"
        return f"[{start}, {self.end.astimezone(UTC).isoformat()})"


def window_for_run(
    interval_start: datetime,
    interval_end: datetime,
    *,
    watermark: datetime | None = None,
    lookback: timedelta = timedelta(0),
    full_resync: bool = False,
) -> Window:
    """Return the window a run extracts.

    From the earlier of ``watermark`` and ``interval_start``, less ``lookback``,
    to ``interval_end``; or everything before ``interval_end`` on a full resync.
    """
    if full_resync:
        return Window(start=None, end=interval_end)
    start = interval_start if watermark is None else min(watermark, interval_start)
    return Window(start=start - lookback, end=interval_end)


def explicit_window(start: str | None, end: str | None, now: datetime) -> Window | None:
    """Return the window a manual run asked for (``window_start``/``window_end``), or None.

    Both are ISO 8601 with a time zone; ``start`` must be before ``end``, and
    ``end`` not in the future (records not yet changed cannot be synced). Raises
    ``ValueError`` with a message for the person who triggered the run.
    """
    if not start and not end:
        return None
    if not (start and end):
        raise ValueError("give both window_start and window_end (ISO 8601), or neither")
    bounds = []
    for name, text in (("window_start", start), ("window_end", end)):
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"{name} is not an ISO 8601 date-time, e.g. 2026-11-02T09:00:00Z") from None
        if moment.tzinfo is None:
            raise ValueError(f"{name} needs a time zone, e.g. 2026-11-02T09:00:00Z")
        bounds.append(moment)
    window_start, window_end = bounds
    if not window_start < window_end:
        raise ValueError("window_start must be before window_end")
    if window_end > now:
        raise ValueError(f"window_end is in the future (now is {now.isoformat(timespec='seconds')})")
    return Window(start=window_start, end=window_end)


class Progress(TypedDict):
    """How much of its window a run covered, for one object (travels in XCom manifests).

    ``resume_from`` (ISO 8601) is where the part not yet covered begins, when
    ``complete`` is false; None then means nothing was covered.
    """

    window_start: str | None
    window_end: str
    complete: bool
    resume_from: str | None
    stopped: str | None


def progress(window: Window, *, resume_from: datetime | None = None, stopped: str | None = None) -> Progress:
    """Describe a window covered whole (``stopped`` None) or up to ``resume_from``."""
    return Progress(
        window_start=_iso(window.start),
        window_end=window.end.astimezone(UTC).isoformat(),
        complete=stopped is None,
        resume_from=_iso(resume_from) if stopped is not None else None,
        stopped=stopped,
    )


def stopped_earlier(first: Progress, second: Progress) -> Progress:
    """Combine the progress of two steps over the same window: the one that got less far wins."""
    if first["complete"]:
        return second
    if second["complete"]:
        return first
    candidates = [p for p in (first, second) if p["resume_from"] is None]
    if candidates:
        return candidates[0]
    return first if parse_instant(first["resume_from"]) <= parse_instant(second["resume_from"]) else second


def stopped_at(covered: Progress, resume_from: datetime | None, reason: str) -> Progress:
    """Cut ``covered`` (what an earlier step covered) back to where a later step stopped."""
    cut = Progress(
        window_start=covered["window_start"],
        window_end=covered["window_end"],
        complete=False,
        resume_from=_iso(resume_from),
        stopped=reason,
    )
    return stopped_earlier(covered, cut)


def next_watermark(current: datetime | None, covered: Progress) -> datetime | None:
    """Return the watermark after loading what ``covered`` describes."""
    if covered["complete"]:
        end = parse_instant(covered["window_end"])
        return end if current is None else max(current, end)
    # Stopped part-way (or before covering anything): the next run starts where this one stopped.
    point = covered["resume_from"] or covered["window_start"]
    return current if point is None else parse_instant(point)


class VariableStore(Protocol):
    """Where watermarks live: Airflow Variables (``airflow.sdk.Variable``) in a DAG."""

    def get(self, key: str, default: str | None = None) -> str | None:
        """Return the value of ``key``, or ``default``."""
        ...

    def set(self, key: str, value: str, description: str | None = None) -> None:
        """Store ``value`` under ``key``."""
        ...


def watermark_key(dag_id: str, object_name: str) -> str:
    """Name the Variable of one object's watermark: ``talent_rover_to_recruit_ai.watermark.candidates``."""
    return f"{dag_id}.watermark.{object_name}"


def read_watermark(store: VariableStore, key: str) -> datetime | None:
    """Return the stored watermark, or None when there is none yet.

    Raises ``ValueError`` naming the Variable when its value is not a watermark
    (someone edited it by hand): guessing could skip records.
    """
    raw = store.get(key, None)
    if raw is None or not raw.strip():
        return None
    try:
        value = json.loads(raw)
        return parse_instant(value["through"] if isinstance(value, dict) else value)
    except (ValueError, KeyError, TypeError) as err:
        raise ValueError(
            f'Variable {key!r} is not a watermark; expected {{"through": "<ISO 8601 with a zone>"}}, '
            "or delete it to start from the run's data interval"
        ) from err


def write_watermark(store: VariableStore, key: str, through: datetime, *, run_id: str) -> None:
    """Store a watermark, with the run that set it (the Variable is readable in the UI)."""
    value = {"through": _iso(through), "run_id": run_id, "updated_at": _iso(datetime.now(UTC))}
    store.set(
        key,
        json.dumps(value),
        description="Every record modified before 'through' has been loaded into Recruit AI. "
        "Set an earlier time to re-sync from there.",
    )


def parse_instant(text: str | None) -> datetime:
    """Parse an ISO 8601 instant with a zone (Salesforce's ``+0000`` form included) into UTC."""
    if not text:
        raise ValueError("no instant given")
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone")
    return moment.astimezone(UTC)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()
