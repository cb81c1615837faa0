"""The org's daily API allowance, as Salesforce reports it.

Talent Rover shares one daily API allowance with every Salesforce user of the
firm: spending it stops their business. The sync reads the allowance from
``/limits`` before it starts and from the ``Sforce-Limit-Info`` header of every
response while it runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from include.api_limit import ApiLimitReached

__all__ = ["ApiBudget", "ApiLimitReached", "ApiUsage", "parse_limit_info", "usage_from_limits"]

# Not anchored at either end: Salesforce appends fields after it
# ("api-usage=25/5000; per-app-api-usage=17/250(appName=x)", "...; api-bursts=...").
_API_USAGE = re.compile(r"(?:^|[^-\w])api-usage=(\d+)/(\d+)")


@dataclass(frozen=True)
class ApiUsage:
    """Daily API requests used and allowed for the org."""

    used: int
    max: int

    @property
    def remaining(self) -> int:
        """Requests left today."""
        return max(self.max - self.used, 0)

    @property
    def pct(self) -> float:
        """Share of the daily allowance already used, in percent."""
        return 100.0 * self.used / self.max if self.max else 100.0

    def reached(self, threshold_pct: float) -> bool:
        """Whether usage has reached the threshold (the sync must not go on)."""
        return self.pct >= threshold_pct


def parse_limit_info(header: str | None) -> ApiUsage | None:
    """Read ``api-usage=N/M`` from a ``Sforce-Limit-Info`` header, wherever it stands in it."""
    if not header:
        return None
    match = _API_USAGE.search(header)
    return ApiUsage(used=int(match[1]), max=int(match[2])) if match else None


def usage_from_limits(limits: dict[str, Any]) -> ApiUsage:
    """Read ``DailyApiRequests`` from the body of ``GET /limits``."""
    try:
        daily = limits["DailyApiRequests"]
        allowed, remaining = int(daily["Max"]), int(daily["Remaining"])
    except (KeyError, TypeError, ValueError) as err:
        raise ValueError(f"/limits response has no usable DailyApiRequests: {err!r}") from err
    return ApiUsage(used=allowed - remaining, max=allowed)


@dataclass(frozen=True)
class ApiBudget:
    """What one task may spend: the org's usage ceiling, and its share of the run's own budget.

    ``max_calls`` None means no per-run budget. ``start_usage`` is the org's usage
    as last seen by an earlier task of the run, so that a task does not make its
    first call blind.
    """

    max_usage_pct: float
    max_calls: int | None = None
    start_usage: ApiUsage | None = None

    def check(self, usage: ApiUsage | None, calls_made: int, in_flight: int = 0) -> None:
        """Raise ``ApiLimitReached`` if one more call would go past either limit.

        ``in_flight`` calls were sent but not answered yet: ``usage`` (Salesforce's
        last word) does not count them, so they count on top of it.
        """
        usage = usage or self.start_usage
        if usage is not None and ApiUsage(usage.used + in_flight, usage.max).reached(self.max_usage_pct):
            awaiting = f", and {in_flight} call(s) awaiting an answer" if in_flight else ""
            raise ApiLimitReached(
                f"the org's daily API usage is {usage.used} of {usage.max} ({usage.pct:.1f}%){awaiting}, "
                f"at or over max_api_usage_pct={self.max_usage_pct:g}"
            )
        if self.max_calls is not None and calls_made >= self.max_calls:
            raise ApiLimitReached(
                f"this run's API call budget is spent ({self.max_calls} calls left to this task)"
            )
