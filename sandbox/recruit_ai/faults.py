"""The sandbox Recruit AI's faults, as a ``FaultPlan`` (``sandbox/faults.py``) describes them.

On the wire: a 500 or a 503 (``{"error", "message"}``); a connection closed
without an answer; a 429 with ``Retry-After`` during a burst. Route names are
``candidate`` and ``position``. The ``/sandbox/`` inspection routes never fail.
"""

from __future__ import annotations

from sandbox.faults import FaultDice
from sandbox.recruit_ai.server import Faults, Reply, error


class PlannedFaults(Faults):
    """Inject the faults of the dice's plan into the public routes."""

    def __init__(self, dice: FaultDice) -> None:
        self.dice = dice

    def before(self, method: str, path: str) -> Reply | None:
        """Answer instead of the route when a fault falls on this request."""
        route = path.rstrip("/").rsplit("/", 1)[-1]
        plan = self.dice.plan
        self.dice.pause(route)
        if self.dice.roll(plan.reset_rate, route):
            return Reply(0, None, drop_connection=True)
        if self.dice.rate_limited():
            headers = {"Retry-After": str(plan.retry_after_seconds)}
            return error(429, "too_many_requests", "rate limit reached, retry later", headers)
        if self.dice.roll(plan.error_rate, route):
            if self.dice.coin():
                return error(503, "unavailable", "service temporarily unavailable")
            return error(500, "internal_error", "an unexpected error occurred")
        return None
