"""Plain request and response values, and Salesforce's error and value shapes in JSON.

The HTTP server turns each request into a ``Request`` and writes back the
``Response`` the API returns, so the API itself (and fault injection) never
touches sockets.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

JSON_TYPE = "application/json;charset=UTF-8"


@dataclass
class Request:
    """One HTTP request: ``headers`` has lower-case names; ``route`` and ``params`` are set by routing."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes = b""
    route: str = ""
    params: dict[str, str] = field(default_factory=dict)

    def param(self, name: str) -> str | None:
        """The first value of a query-string parameter, or None."""
        values = self.query.get(name)
        return values[0] if values else None

    def header(self, name: str) -> str | None:
        """A header's value (any case), or None."""
        return self.headers.get(name.lower())

    def json(self) -> Any:
        """The body parsed as JSON (an empty body is ``{}``); ApiError when it is not JSON."""
        if not self.body.strip():
            return {}
        try:
            return json.loads(self.body)
        except ValueError as err:
            raise ApiError(400, "JSON_PARSER_ERROR", f"The request body is not valid JSON: {err}") from None


@dataclass
class Response:
    """What to send back: status, body, content type and extra headers."""

    status: int
    body: bytes = b""
    content_type: str = JSON_TYPE
    headers: dict[str, str] = field(default_factory=dict)
    # Fault injection: close the connection without answering, as a reset does.
    drop_connection: bool = False


@dataclass(frozen=True)
class Route:
    """A URL pattern, its methods and handler. ``kind``: data (authenticated, counted), open or admin."""

    name: str
    pattern: re.Pattern[str]
    methods: tuple[str, ...]
    handler: Callable[[Request], Response]
    kind: str


class ApiError(Exception):
    """An error answered in Salesforce's list-of-errors shape: ``[{"message", "errorCode"}]``."""

    def __init__(
        self,
        status: int,
        error_code: str,
        message: str,
        *,
        fields: list[str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message
        self.fields = fields
        self.headers = headers or {}

    def response(self) -> Response:
        """The error as a response."""
        error: dict[str, Any] = {"message": self.message, "errorCode": self.error_code}
        if self.fields is not None:
            error["fields"] = self.fields
        return json_response(self.status, [error], headers=dict(self.headers))


def json_response(status: int, payload: Any, *, headers: dict[str, str] | None = None) -> Response:
    """A JSON response (UTF-8, non-ASCII kept as is, as Salesforce sends it)."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(status, body, JSON_TYPE, headers or {})


def salesforce_datetime(moment: datetime) -> str:
    """Format a UTC datetime as Salesforce does: ``2026-11-01T10:00:00.000+0000``."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def json_value(value: Any) -> Any:
    """A field value as it appears in Salesforce JSON."""
    if isinstance(value, datetime):
        return salesforce_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    return value
