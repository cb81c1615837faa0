"""Fault injection for the sandbox services: what a flaky network and a busy API do to a sync.

A ``FaultPlan`` is plain data. Set it when the services start
(``python -m sandbox up --faults plan.json``) or while they run
(``POST /sandbox/faults`` with the plan as JSON on either service;
``GET /sandbox/faults`` shows it). An empty plan injects nothing.

Rates and latencies are per route: a map from a route name to a value, where
``"*"`` stands for every route. Salesforce's route names are ``token``,
``limits``, ``query``, ``query_more``, ``record`` and ``blob`` (see
``sandbox/salesforce/server.py``); Recruit AI's are ``candidate`` and
``position``. Dice are seeded, so a plan with the same seed and the same
requests injects the same faults.

Example, for a chaos run::

    {"seed": 3, "error_rate": {"*": 0.05}, "reset_rate": {"query_more": 0.05},
     "truncate_rate": {"query": 0.05}, "latency_ms": {"*": 20},
     "rate_limit_every": 40, "rate_limit_burst": 2, "retry_after_seconds": 1,
     "session_expires_after": 25, "query_timeout_over_hours": 6}
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import asdict, dataclass, field, fields
from typing import Any

ANY_ROUTE = "*"


class BadFaultPlan(ValueError):
    """A fault plan that cannot be applied; the message names the key."""


@dataclass(frozen=True)
class FaultPlan:
    """Which faults to inject, and how often. Every default injects nothing."""

    seed: int = 0
    # Route → share of requests answered with a 500 or 503 server error.
    error_rate: dict[str, float] = field(default_factory=dict)
    # Route → share of requests whose connection is dropped without an answer (a reset).
    reset_rate: dict[str, float] = field(default_factory=dict)
    # Route → share of JSON answers cut off half-way (truncated JSON).
    truncate_rate: dict[str, float] = field(default_factory=dict)
    # Route → share of query pages that silently leave out their last record (a page that ends early).
    short_page_rate: dict[str, float] = field(default_factory=dict)
    # Route → milliseconds added before answering (more than a client's timeout is a timeout).
    latency_ms: dict[str, float] = field(default_factory=dict)
    # Every Nth request starts a burst of this many refusals (Recruit AI: 429, Salesforce: 503),
    # each with ``Retry-After: retry_after_seconds``.
    rate_limit_every: int = 0
    rate_limit_burst: int = 0
    retry_after_seconds: int = 1
    # Salesforce: every session ends after this many API calls (the client must log in again).
    session_expires_after: int = 0
    # Salesforce: a query whose SystemModstamp window is wider than this (or unbounded) times out.
    query_timeout_over_hours: float = 0
    # Salesforce: the firm's own users spend this many API calls beside each of ours.
    other_users_calls_per_call: int = 0

    @classmethod
    def from_json(cls, data: Any) -> FaultPlan:
        """Build a plan from its JSON form; unknown keys and bad values raise ``BadFaultPlan``."""
        if not isinstance(data, dict):
            raise BadFaultPlan("a fault plan is a JSON object")
        known = {f.name: f for f in fields(cls)}
        for key, value in data.items():
            if key not in known:
                raise BadFaultPlan(f"unknown fault {key!r}; known: {', '.join(sorted(known))}")
            if key.endswith(("_rate", "_ms")):
                if not isinstance(value, dict) or not all(
                    isinstance(v, int | float) and not isinstance(v, bool) and v >= 0 for v in value.values()
                ):
                    raise BadFaultPlan(f"{key} maps route names to non-negative numbers")
                if key.endswith("_rate") and any(v > 1 for v in value.values()):
                    raise BadFaultPlan(f"{key} values are shares between 0 and 1")
            elif not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
                raise BadFaultPlan(f"{key} is a non-negative number")
        return cls(**data)

    def to_json(self) -> dict[str, Any]:
        """Return the plan's JSON form."""
        return asdict(self)


class FaultDice:
    """A plan and the state it needs: seeded dice and request counters, shared by a server's threads."""

    def __init__(self, plan: FaultPlan | None = None) -> None:
        self._lock = threading.Lock()
        self.replace(plan or FaultPlan())

    def replace(self, plan: FaultPlan) -> None:
        """Start applying ``plan``, with fresh dice and counters."""
        with self._lock:
            self.plan = plan
            self._random = random.Random(plan.seed)
            self._requests = 0
            self._burst_left = 0
            self._calls_in_session = 0

    def roll(self, table: dict[str, float], route: str) -> bool:
        """Whether this request gets the fault whose rate ``table`` holds for ``route``."""
        rate = table.get(route, table.get(ANY_ROUTE, 0.0))
        if rate <= 0:
            return False
        with self._lock:
            return self._random.random() < rate

    def coin(self) -> bool:
        """A fair coin, from the same seeded dice."""
        with self._lock:
            return self._random.random() < 0.5

    def pause(self, route: str) -> None:
        """Sleep the latency the plan adds to ``route``."""
        latency = self.plan.latency_ms.get(route, self.plan.latency_ms.get(ANY_ROUTE, 0.0))
        if latency > 0:
            time.sleep(latency / 1000)

    def rate_limited(self) -> bool:
        """Count a request; whether it falls in a burst of refusals."""
        every, burst = self.plan.rate_limit_every, self.plan.rate_limit_burst
        if every <= 0 or burst <= 0:
            return False
        with self._lock:
            self._requests += 1
            if self._burst_left == 0 and self._requests % every == 0:
                self._burst_left = burst
            if self._burst_left > 0:
                self._burst_left -= 1
                return True
            return False

    def session_expired(self) -> bool:
        """Count an API call; whether the sessions end before it is served."""
        limit = self.plan.session_expires_after
        if limit <= 0:
            return False
        with self._lock:
            self._calls_in_session += 1
            if self._calls_in_session > limit:
                self._calls_in_session = 0
                return True
            return False


def truncated(body: bytes) -> bytes:
    """Cut a body off half-way, as a connection that dies mid-answer leaves it."""
    return body[: max(1, len(body) // 2)]
