"""The sandbox Salesforce's faults, as a ``FaultPlan`` (``sandbox/faults.py``) describes them.

What each fault looks like on the wire is what Salesforce and a network do:
a 500 ``UNKNOWN_EXCEPTION`` or a 503 ``SERVER_UNAVAILABLE``; a connection closed
without an answer; a JSON body cut off half-way; a query page one record short; a 503 with ``Retry-After``
during a burst; ``401 INVALID_SESSION_ID`` once a session has served its calls;
``400 QUERY_TIMEOUT`` for a window query that is too wide. Admin routes
(``/sandbox/...``) never fail: they stand for the tester, not the service.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import datetime, timedelta

from sandbox.faults import FaultDice, truncated
from sandbox.salesforce.api import Faults, SalesforceApi
from sandbox.salesforce.web import ApiError, Request, Response

_LOWER = re.compile(r"SystemModstamp\s*>=?\s*(\d{4}-\d\d-\d\dT[\d:.]+(?:Z|[+-]\d\d:?\d\d))", re.IGNORECASE)
_UPPER = re.compile(r"SystemModstamp\s*<=?\s*(\d{4}-\d\d-\d\dT[\d:.]+(?:Z|[+-]\d\d:?\d\d))", re.IGNORECASE)
_DATA_ROUTES = frozenset(
    {"resources", "limits", "query", "query_more", "record", "blob", "sobject", "describe"}
    | {"bulk_jobs", "bulk_job", "bulk_results"}
)


class PlannedFaults(Faults):
    """Inject the faults of the dice's plan into every non-admin request."""

    def __init__(self, dice: FaultDice) -> None:
        self.dice = dice

    def before(self, api: SalesforceApi, request: Request) -> Response | None:
        """Answer instead of the route when a fault falls on this request."""
        route = request.route
        if request.path.startswith("/sandbox/"):
            return None
        plan = self.dice.plan
        self.dice.pause(route)
        if self.dice.roll(plan.reset_rate, route):
            return Response(0, drop_connection=True)
        error = self._error(route)
        if error is None and route in _DATA_ROUTES and self.dice.session_expired():
            api.sessions.revoke_all()
        if error is None and route == "query" and _too_wide(request, plan.query_timeout_over_hours):
            error = ApiError(400, "QUERY_TIMEOUT", "Your query request was running for too long.")
        return None if error is None else error.response()

    def _error(self, route: str) -> ApiError | None:
        """A busy (503 with ``Retry-After``) or failing (500, 503) server, when the dice say so."""
        if self.dice.rate_limited():
            retry_after = {"Retry-After": str(self.dice.plan.retry_after_seconds)}
            return ApiError(503, "SERVER_UNAVAILABLE", "Server is busy, retry later", headers=retry_after)
        if not self.dice.roll(self.dice.plan.error_rate, route):
            return None
        if self.dice.coin():
            return ApiError(503, "SERVER_UNAVAILABLE", "Service temporarily unavailable")
        return ApiError(500, "UNKNOWN_EXCEPTION", "An unexpected error occurred.")

    def after(self, api: SalesforceApi, request: Request, response: Response) -> Response:
        """Cut answers short, and let the firm's other users spend the allowance."""
        if request.path.startswith("/sandbox/") or response.drop_connection:
            return response
        plan = self.dice.plan
        if plan.other_users_calls_per_call and request.route in _DATA_ROUTES:
            api.usage.add(plan.other_users_calls_per_call)
        # JSON answers and Bulk CSV pages can be cut short; files are left whole.
        if response.status != 200 or (
            "json" not in response.content_type and request.route != "bulk_results"
        ):
            return response
        if self.dice.roll(plan.truncate_rate, request.route):
            return replace(response, body=truncated(response.body))
        if request.route in ("query", "query_more") and self.dice.roll(plan.short_page_rate, request.route):
            page = json.loads(response.body)
            if page.get("records"):
                page["records"] = page["records"][:-1]
                return replace(response, body=json.dumps(page).encode())
        return response


def _too_wide(request: Request, hours: float) -> bool:
    """Whether a query filters on SystemModstamp over a window wider than ``hours`` (or unbounded)."""
    if hours <= 0:
        return False
    soql = request.param("q") or ""
    lower, upper = _LOWER.search(soql), _UPPER.search(soql)
    if lower is None and upper is None:
        return False  # not a window query
    if lower is None or upper is None:
        return True
    return _instant(upper.group(1)) - _instant(lower.group(1)) > timedelta(hours=hours)


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
