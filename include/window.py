"""The window of a sync run: which modification stamps it covers.

A run's data interval is its checkpoint (there is no checkpoint file): an
hourly run covers ``[data_interval_start, data_interval_end)``, and a full
resync covers everything up to the end of its interval.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime


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


def window_for_run(interval_start: datetime, interval_end: datetime, *, full_resync: bool = False) -> Window:
    """Return the window a run syncs: its data interval, or everything before its end on a full resync."""
    return Window(start=None if full_resync else interval_start, end=interval_end)
