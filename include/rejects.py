"""The rejects report: every record of a window that did not reach Recruit AI, and why.

A reject holds the record's id, its object, the stage that refused it and the
reason. Never personal data: reasons come from our own checks or from Recruit
AI's error message, not from the record.
"""

from __future__ import annotations

from typing import TypedDict


class Reject(TypedDict):
    """One line of a rejects file (JSON Lines)."""

    id: str
    object: str
    stage: str  # "resume", "map" or "load"
    reason: str


def reject(record_id: str, object_name: str, stage: str, reason: str) -> Reject:
    """Build a rejects-file line, with the reason cut to a readable length."""
    return Reject(id=record_id, object=object_name, stage=stage, reason=reason[:300])
