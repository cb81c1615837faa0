"""Sandbox-only admin routes: inspect usage, change records, end sessions, set faults and limits.

They need no token and are not counted; the real API has nothing like them.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sandbox.bullhorn.errors import BullhornError, bad_request
from sandbox.bullhorn.org import to_epoch_ms
from sandbox.bullhorn.schema import ENTITIES
from sandbox.salesforce.web import Request, Response, Route, json_response

if TYPE_CHECKING:
    from sandbox.bullhorn.api import BullhornApi


def routes(api: BullhornApi) -> list[Route]:
    """The admin routes, bound to an API instance."""
    handlers = _Admin(api)

    def route(name: str, pattern: str, methods: tuple[str, ...], handler: Any) -> Route:
        return Route(name, re.compile(f"/sandbox/{pattern}/?"), methods, handler, "admin")

    return [
        route("admin_state", "state", ("GET",), handlers.state),
        route("admin_touch", "touch", ("POST",), handlers.touch),
        route("admin_expire", "expire", ("POST",), handlers.expire),
        route("admin_faults", "faults", ("GET", "POST"), handlers.faults),
        route("admin_settings", "settings", ("GET", "POST"), handlers.settings),
        route("admin_writes", "writes", ("GET",), handlers.writes),
        route("admin_record", r"records/(?P<entity>\w+)/(?P<id>\d+)", ("GET",), handlers.record),
    ]


class _Admin:
    """Handlers for the admin routes."""

    def __init__(self, api: BullhornApi) -> None:
        self.api = api
        self.org = api.org

    def state(self, request: Request) -> Response:
        """``GET /sandbox/state``: calls per kind and route, the minute's usage, sessions, live records."""
        api = self.api
        body = {
            "calls": dict(api.calls),
            "routes": dict(api.route_calls),
            "rate_limit": {
                "calls_per_minute": api.limit.per_minute,
                "in_last_minute": api.limit.in_last_minute(),
            },
            "sessions": api.tokens.live_sessions(),
            "counts": self.org.live_counts(),
            "writes": len(self.org.writes),
        }
        return json_response(200, body)

    def touch(self, request: Request) -> Response:
        """``POST /sandbox/touch {"entity", "count", "stamp"?, "seed"?, "delete"?, "close"?}`` → ids."""
        body = _object(request)
        entity = body.get("entity", "Candidate")
        if entity not in ENTITIES:
            raise bad_request(f"unknown entity {entity!r}")
        count, delete, close = (_count(body, name) for name in ("count", "delete", "close"))
        stamp = to_epoch_ms(_stamp(body.get("stamp")))
        changed = self.org.touch(entity, count, stamp, _count(body, "seed", 1), delete=delete, close=close)
        return json_response(200, changed)

    def expire(self, request: Request) -> Response:
        """``POST /sandbox/expire {"rest_tokens"?: true, "access_tokens"?: false}``: end them now."""
        body = _object(request)
        ended = {"rest_tokens": 0, "access_tokens": 0}
        if body.get("rest_tokens", True):
            ended["rest_tokens"] = self.api.tokens.expire_rest_tokens()
        if body.get("access_tokens", False):
            ended["access_tokens"] = self.api.tokens.expire_access_tokens()
        return json_response(200, ended)

    def faults(self, request: Request) -> Response:
        """``GET /sandbox/faults``: the fault plan; ``POST`` a plan (JSON) to apply it from now on."""
        from sandbox.bullhorn.faults import PlannedFaults
        from sandbox.faults import BadFaultPlan, FaultPlan

        planned = self.api.faults
        if not isinstance(planned, PlannedFaults):
            raise BullhornError(409, "this server was built with its own fault hook", "errors.conflict")
        if request.method == "POST":
            try:
                planned.dice.replace(FaultPlan.from_json(_object(request)))
            except (BadFaultPlan, TypeError) as error:
                raise bad_request(str(error)) from None
        return json_response(200, planned.dice.plan.to_json())

    def settings(self, request: Request) -> Response:
        """``POST /sandbox/settings {"calls_per_minute"?, "access_token_seconds"?}``; GET shows them."""
        if request.method == "POST":
            body = _object(request)
            if "calls_per_minute" in body:
                self.api.limit.per_minute = _count(body, "calls_per_minute")
            if "access_token_seconds" in body:
                self.api.tokens.access_token_seconds = _count(body, "access_token_seconds")
        settings = {
            "calls_per_minute": self.api.limit.per_minute,
            "access_token_seconds": self.api.tokens.access_token_seconds,
        }
        return json_response(200, settings)

    def writes(self, request: Request) -> Response:
        """``GET /sandbox/writes``: every create, update and upload made through the API, in order."""
        with self.org.lock:
            return json_response(200, {"writes": list(self.org.writes)})

    def record(self, request: Request) -> Response:
        """``GET /sandbox/records/{Entity}/{id}``: a record as stored, every field."""
        record = self.org.get(request.params["entity"], int(request.params["id"]))
        if record is None:
            raise BullhornError(404, "no such record", "errors.cannotFindEntity")
        return json_response(200, record)


def _object(request: Request) -> dict[str, Any]:
    import json

    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        raise bad_request("the body is not JSON") from None
    if not isinstance(body, dict):
        raise bad_request("the body is a JSON object")
    return body


def _count(body: dict[str, Any], name: str, default: int = 0) -> int:
    value = body.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise bad_request(f"{name} is a non-negative integer")
    return value


def _stamp(text: Any) -> datetime:
    if text is None:
        return datetime.now().astimezone()
    try:
        moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        raise bad_request("stamp is an ISO 8601 datetime with a zone") from None
    if moment.tzinfo is None:
        raise bad_request("stamp needs a zone")
    return moment
