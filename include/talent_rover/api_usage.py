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
