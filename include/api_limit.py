"""The one way a sync stops early: an API limit reached, whichever ATS set it."""

from __future__ import annotations


class ApiLimitReached(Exception):
    """The sync must make no more calls to the ATS now; ``reason`` says which limit, in figures.

    Raised by a hook before a call past the limit, never after: steps catch it, keep
    what they staged, and say where the next run resumes.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
