"""The sandbox Bullhorn's faults, as a ``FaultPlan`` (``sandbox/faults.py``) describes them.

On the wire: a 500 ``errors.internalError`` JSON or a load balancer's 503 HTML
page; a connection closed without an answer; a JSON body cut off half-way; a
``query``/``search`` page one record short (``count`` says so, ``total`` does
not change); a 429 during a burst, **without** ``Retry-After`` (Bullhorn sends
none; the plan's ``retry_after_seconds`` is not used); every BhRestToken ending
after ``session_expires_after`` REST calls (the next call gets 401). Route names
are those of ``api.py``: ``login_info``, ``authorize``, ``token``, ``login``,
``ping``, ``query``, ``search``, ``entity``, ``create``, ``options``,
``entity_files``, ``file``, ``upload``. Admin routes never fail.
"""

from __future__ import annotations

import json
from dataclasses import replace

from sandbox.bullhorn.api import BullhornApi, Faults
from sandbox.bullhorn.errors import BullhornError
from sandbox.faults import FaultDice, truncated
from sandbox.salesforce.web import Request, Response

_AUTH_ROUTES = frozenset({"login_info", "authorize", "token", "login", "other_data_centre"})
_UNAVAILABLE = b"<html><body><h1>503 Service Unavailable</h1></body></html>"


class PlannedFaults(Faults):
    """Inject the faults of the dice's plan into every non-admin request."""

    def __init__(self, dice: FaultDice) -> None:
        self.dice = dice

    def before(self, api: BullhornApi, request: Request) -> Response | None:
        """Answer instead of the route when a fault falls on this request."""
        route, plan = request.route, self.dice.plan
        self.dice.pause(route)
        if self.dice.roll(plan.reset_rate, route):
            return Response(0, drop_connection=True)
        if self.dice.rate_limited():
            return BullhornError(
                429, "Too many requests: the API call limit was reached.", "errors.tooManyRequests"
            ).response()
        if self.dice.roll(plan.error_rate, route):
            if self.dice.coin():
                return Response(503, _UNAVAILABLE, "text/html")
            return BullhornError(500, "An unexpected error has occurred.", "errors.internalError").response()
        if route not in _AUTH_ROUTES and route != "unknown" and self.dice.session_expired():
            api.tokens.expire_rest_tokens()
        return None

    def after(self, api: BullhornApi, request: Request, response: Response) -> Response:
        """Cut answers short."""
        if request.route.startswith("admin_") or response.drop_connection or response.status != 200:
            return response
        if "json" not in response.content_type:
            return response
        plan = self.dice.plan
        if self.dice.roll(plan.truncate_rate, request.route):
            return replace(response, body=truncated(response.body))
        if request.route in ("query", "search") and self.dice.roll(plan.short_page_rate, request.route):
            page = json.loads(response.body)
            # A short page, as Bullhorn serves when its row cap shrinks: never an empty one.
            if len(page.get("data") or ()) > 1:
                page["data"] = page["data"][:-1]
                page["count"] = len(page["data"])
                return replace(response, body=json.dumps(page, ensure_ascii=False).encode())
        return response
