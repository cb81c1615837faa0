"""Sandbox-only admin routes: inspect the org, change records, set the API counter.

They need no session and do not count against the API limit; the real API
has nothing like them. Bodies and answers are JSON; errors use Salesforce's
list-of-errors shape and codes (``INVALID_FIELD``, ``REQUIRED_FIELD_MISSING``,
``MALFORMED_ID``, ``ENTITY_IS_DELETED``...).
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from sandbox.salesforce.ids import is_id, to_18
from sandbox.salesforce.schema import FieldDef, FieldType, SObjectDef
from sandbox.salesforce.web import ApiError, Request, Response, Route, json_response

if TYPE_CHECKING:
    from sandbox.salesforce.api import SalesforceApi


def routes(api: SalesforceApi) -> list[Route]:
    """The admin routes, bound to an API instance."""
    handlers = _Admin(api)
    return [
        Route("admin_state", re.compile(r"/sandbox/state/?"), ("GET",), handlers.state, "admin"),
        Route("admin_api_usage", re.compile(r"/sandbox/api-usage/?"), ("POST",), handlers.api_usage, "admin"),
        Route(
            "admin_records",
            re.compile(r"/sandbox/records/(?P<sobject>\w+)/(?P<action>update|create|delete)/?"),
            ("POST",),
            handlers.records,
            "admin",
        ),
        Route("admin_touch", re.compile(r"/sandbox/touch/?"), ("POST",), handlers.touch, "admin"),
        Route("admin_faults", re.compile(r"/sandbox/faults/?"), ("GET", "POST"), handlers.faults, "admin"),
    ]


class _Admin:
    """Handlers for the admin routes."""

    def __init__(self, api: SalesforceApi) -> None:
        self.api = api
        self.org = api.org

    def state(self, request: Request) -> Response:
        """``GET /sandbox/state``: API usage, counted calls by route, and live record counts per object."""
        used, limit = self.api.usage.snapshot()
        counts = {sobject.name: self.org.live_count(sobject.name) for sobject in self.org.schema}
        calls = dict(self.api.calls_by_route)
        return json_response(
            200, {"api_usage": {"used": used, "max": limit}, "calls_by_route": calls, "counts": counts}
        )

    def api_usage(self, request: Request) -> Response:
        """``POST /sandbox/api-usage {"used"?, "max"?}``: set the daily counter and/or limit."""
        body = _object(request)
        used, limit = _count(body, "used"), _count(body, "max")
        self.api.usage.set(used, limit)
        used, limit = self.api.usage.snapshot()
        return json_response(200, {"used": used, "max": limit})

    def faults(self, request: Request) -> Response:
        """``GET /sandbox/faults``: the fault plan; ``POST`` a plan (JSON) to apply it from now on."""
        from sandbox.faults import BadFaultPlan, FaultPlan
        from sandbox.salesforce.faults import PlannedFaults

        planned = self.api.faults
        if not isinstance(planned, PlannedFaults):
            raise ApiError(409, "NOT_SUPPORTED", "this server was built with its own fault hook")
        if request.method == "POST":
            try:
                planned.dice.replace(FaultPlan.from_json(_object(request)))
            except (BadFaultPlan, TypeError) as error:
                raise ApiError(400, "INVALID_FAULT_PLAN", str(error)) from None
        return json_response(200, planned.dice.plan.to_json())

    def records(self, request: Request) -> Response:
        """``POST /sandbox/records/{sobject}/create|update|delete``."""
        definition = self.org.schema.sobject(request.params["sobject"])
        if definition is None:
            raise ApiError(404, "NOT_FOUND", f"sObject type '{request.params['sobject']}' is not supported.")
        body = _object(request)
        stamp = _stamp(body)
        action = request.params["action"]
        if action == "create":
            values = self._values(definition, body.get("fields"), creating=True)
            record = self.org.insert(definition.name, values, stamp)
            return json_response(201, {"id": record["Id"], "success": True, "errors": []})
        ids = self._live_ids(definition, body.get("ids"))
        if action == "update":
            values = self._values(definition, body.get("fields"), creating=False)
            return json_response(200, {"updated": self.org.update(definition.name, ids, values, stamp)})
        return json_response(200, {"deleted": self.org.delete(definition.name, ids, stamp)})

    def touch(self, request: Request) -> Response:
        """``POST /sandbox/touch {"sobject", "count", "stamp"?, "seed"?}``: mark live records modified."""
        body = _object(request)
        definition = self.org.schema.sobject(str(body.get("sobject", "")))
        if definition is None:
            raise ApiError(400, "INVALID_TYPE", f"sObject type '{body.get('sobject')}' is not supported.")
        count = _count(body, "count")
        if count is None:
            raise ApiError(
                400, "REQUIRED_FIELD_MISSING", "Required fields are missing: [count]", fields=["count"]
            )
        seed = body.get("seed", 1)
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise ApiError(
                400, "INVALID_TYPE_ON_FIELD_IN_RECORD", "seed: value not of required type: integer"
            )
        ids = self.org.touch(definition.name, count, _stamp(body), seed)
        return json_response(200, {"ids": ids})

    def _live_ids(self, definition: SObjectDef, ids: Any) -> list[str]:
        if not isinstance(ids, list) or not ids:
            raise ApiError(
                400, "REQUIRED_FIELD_MISSING", "Required fields are missing: [ids]", fields=["ids"]
            )
        table = self.org.tables[definition.name]
        found = []
        for record_id in ids:
            if not isinstance(record_id, str) or not is_id(record_id):
                raise ApiError(400, "MALFORMED_ID", f"{definition.label} ID: id value of incorrect type")
            canonical = to_18(record_id)
            record = table.get(canonical)
            if record is None:
                raise ApiError(404, "NOT_FOUND", f"No {definition.name} record with id {record_id}")
            if record["IsDeleted"]:
                raise ApiError(400, "ENTITY_IS_DELETED", "entity is deleted")
            found.append(canonical)
        return found

    def _values(self, definition: SObjectDef, fields: Any, *, creating: bool) -> dict[str, Any]:
        """Check and convert JSON field values to the Python values records hold."""
        if not isinstance(fields, dict):
            raise ApiError(400, "JSON_PARSER_ERROR", "'fields' must be a JSON object of field values")
        values: dict[str, Any] = {}
        for name, value in fields.items():
            field = definition.field(name)
            if field is None:
                raise ApiError(
                    400, "INVALID_FIELD", f"No such column '{name}' on sobject of type {definition.name}"
                )
            if field.system:
                raise ApiError(
                    400,
                    "INVALID_FIELD_FOR_INSERT_UPDATE",
                    f"Unable to create/update fields: {field.name}. Please check the security settings of "
                    "this field and verify that it is read/write for your profile or permission set.",
                    fields=[field.name],
                )
            values[field.name] = self._value(field, value)
        required = [field.name for field in definition.fields if field.required]
        missing = [
            name
            for name in required
            if (creating and values.get(name) is None) or (name in values and values[name] is None)
        ]
        if missing:
            raise ApiError(
                400,
                "REQUIRED_FIELD_MISSING",
                f"Required fields are missing: [{', '.join(missing)}]",
                fields=missing,
            )
        return values

    def _value(self, field: FieldDef, value: Any) -> Any:
        if value is None:
            return None
        kind = field.type
        converted: Any = _MISMATCH
        if kind.is_text and isinstance(value, str):
            converted = value
        elif kind.is_id and isinstance(value, str) and is_id(value):
            converted = to_18(value)
            if field.reference_to and self.org.related(field.reference_to, converted) is None:
                raise ApiError(
                    400,
                    "INVALID_CROSS_REFERENCE_KEY",
                    f"invalid cross reference id: {field.name}",
                    fields=[field.name],
                )
        elif kind is FieldType.BOOLEAN and isinstance(value, bool):
            converted = value
        elif kind.is_number and isinstance(value, int | float) and not isinstance(value, bool):
            converted = float(value) if kind is FieldType.DOUBLE else int(value)
        elif kind is FieldType.DATETIME and isinstance(value, str):
            converted = _datetime(value)
        elif kind is FieldType.DATE and isinstance(value, str):
            converted = _date(value)
        elif kind is FieldType.BASE64 and isinstance(value, str):
            try:
                converted = base64.b64decode(value, validate=True)
            except binascii.Error:
                converted = _MISMATCH
        if converted is _MISMATCH:
            raise ApiError(
                400,
                "INVALID_TYPE_ON_FIELD_IN_RECORD",
                f"{field.name}: value not of required type: {kind.soql_name}",
                fields=[field.name],
            )
        return converted


_MISMATCH = object()


def _object(request: Request) -> dict[str, Any]:
    body = request.json()
    if not isinstance(body, dict):
        raise ApiError(400, "JSON_PARSER_ERROR", "The request body must be a JSON object")
    return body


def _count(body: dict[str, Any], name: str) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ApiError(400, "INVALID_TYPE_ON_FIELD_IN_RECORD", f"{name}: must be a non-negative integer")
    return value


def _datetime(text: str) -> datetime | object:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return _MISMATCH
    if moment.tzinfo is None:
        return _MISMATCH
    # Salesforce keeps milliseconds.
    moment = moment.astimezone(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _date(text: str) -> date | object:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return _MISMATCH


def _stamp(body: dict[str, Any]) -> datetime:
    """The ``stamp`` of a change: an ISO 8601 instant with a time zone, by default now."""
    given = body.get("stamp")
    if given is None:
        return _datetime(datetime.now(UTC).isoformat())  # type: ignore[return-value]
    stamp = _datetime(given) if isinstance(given, str) else _MISMATCH
    if not isinstance(stamp, datetime):
        raise ApiError(
            400,
            "INVALID_TYPE_ON_FIELD_IN_RECORD",
            "stamp: must be an ISO 8601 date and time with a time zone, e.g. 2026-11-02T10:17:00Z",
        )
    return stamp
