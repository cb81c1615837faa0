"""The REST API the sandbox answers, with one dispatch point for every request.

``SalesforceApi.handle`` routes a request, gives the ``Faults`` hook its chance
to answer instead (error rates, latency, expired sessions, truncated bodies,
429 bursts can be added there), authenticates and counts ``/services/data``
calls against the daily limit, runs the route and lets ``Faults`` alter the
response. See ``server.py`` for the list of routes.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from sandbox.salesforce import admin
from sandbox.salesforce.auth import SalesforceCredentials, Sessions, password_grant
from sandbox.salesforce.bulk import DAILY_QUERY_JOBS, BulkQueries, BulkSettings
from sandbox.salesforce.ids import is_id, to_18
from sandbox.salesforce.org import Org, Record
from sandbox.salesforce.schema import QUERY_LOCATOR_PREFIX, FieldType, SObjectDef
from sandbox.salesforce.soql import Blob, Plan, RelatedRecord, SoqlError, prepare
from sandbox.salesforce.web import ApiError, Request, Response, Route, json_response, json_value

DEFAULT_BATCH_SIZE = 2000
MIN_BATCH_SIZE = 200
MAX_OPEN_CURSORS = 10  # per user, as in Salesforce: opening an eleventh releases the oldest
CURSOR_IDLE_SECONDS = 15 * 60
_BATCH_OPTION = re.compile(r"batchSize\s*=\s*(\d+)", re.IGNORECASE)
_HOST = re.compile(r"[A-Za-z0-9.\-]+(:\d{1,5})?|\[[0-9A-Fa-f:.]+\](:\d{1,5})?")
_VERSION = r"/services/data/v(?P<version>\d+\.\d)"
_ANY_METHOD = ("GET", "POST", "PUT", "PATCH", "DELETE")
_LOCATOR_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


class Faults:
    """Fault injection hook, consulted for every request by ``SalesforceApi.handle``. Injects nothing.

    A subclass can answer a request itself from ``before`` (a 503, a 429 burst,
    ``QUERY_TIMEOUT``, sleep for latency, revoke sessions through ``api``) or
    change the response in ``after`` (truncate the JSON).
    """

    def before(self, api: SalesforceApi, request: Request) -> Response | None:
        """Return a response to send instead of serving the request, or None to serve it."""
        return None

    def after(self, api: SalesforceApi, request: Request, response: Response) -> Response:
        """Return the response to send."""
        return response


class ApiUsage:
    """The org's daily API request counter."""

    def __init__(self, limit: int) -> None:
        self.used = 0
        self.limit = limit
        self._lock = threading.Lock()

    def spend(self) -> bool:
        """Count one call; False (and nothing counted) when the limit is already reached."""
        with self._lock:
            if self.used >= self.limit:
                return False
            self.used += 1
            return True

    def add(self, calls: int) -> None:
        """Count calls made by others (the firm's own users share the allowance)."""
        with self._lock:
            self.used += calls

    def set(self, used: int | None = None, limit: int | None = None) -> None:
        """Set the counter and/or the limit."""
        with self._lock:
            if used is not None:
                self.used = used
            if limit is not None:
                self.limit = limit

    def snapshot(self) -> tuple[int, int]:
        """Calls used and the limit, read together."""
        with self._lock:
            return self.used, self.limit

    def header(self) -> str:
        """The ``Sforce-Limit-Info`` header value."""
        used, limit = self.snapshot()
        return f"api-usage={used}/{limit}"


@dataclass
class Cursor:
    """A query's results kept server-side for ``nextRecordsUrl`` pages."""

    plan: Plan
    records: list[Record]
    resource: str  # query or queryAll
    batch_size: int
    last_used: float


class Cursors:
    """Open query cursors: at most ``MAX_OPEN_CURSORS``, released after 15 idle minutes or the last page."""

    def __init__(self) -> None:
        self._open: OrderedDict[str, Cursor] = OrderedDict()
        self._lock = threading.Lock()

    def open(self, cursor: Cursor) -> str:
        """Keep a cursor; return its query locator (an id with the ``01g`` prefix)."""
        locator = QUERY_LOCATOR_PREFIX + "".join(secrets.choice(_LOCATOR_ALPHABET) for _ in range(15))
        with self._lock:
            self._expire()
            self._open[locator] = cursor
            while len(self._open) > MAX_OPEN_CURSORS:
                self._open.popitem(last=False)
        return locator

    def get(self, locator: str) -> Cursor | None:
        """The cursor for a locator, or None when it is unknown, released or expired."""
        with self._lock:
            self._expire()
            cursor = self._open.get(locator)
            if cursor is not None:
                cursor.last_used = time.monotonic()
                self._open.move_to_end(locator)
            return cursor

    def close(self, locator: str) -> None:
        """Release a cursor."""
        with self._lock:
            self._open.pop(locator, None)

    def _expire(self) -> None:
        deadline = time.monotonic() - CURSOR_IDLE_SECONDS
        for locator in [key for key, cursor in self._open.items() if cursor.last_used < deadline]:
            del self._open[locator]


class SalesforceApi:
    """The sandbox org's REST API: state (sessions, usage, cursors) and routes."""

    def __init__(
        self,
        org: Org,
        credentials: SalesforceCredentials,
        *,
        instance_url: str,
        daily_limit: int = 15000,
        faults: Faults | None = None,
        bulk: BulkSettings | None = None,
    ) -> None:
        self.org = org
        self.credentials = credentials
        self.instance_url = instance_url
        self.faults = faults or Faults()
        self.sessions = Sessions()
        self.usage = ApiUsage(daily_limit)
        # Counted calls by route name ("query", "query_more", "blob", ...): what a sync spent on what.
        self.calls_by_route: Counter[str] = Counter()
        self._calls_lock = threading.Lock()
        self.cursors = Cursors()
        self.bulk = BulkQueries(org, bulk)
        # Bulk routes first: the REST routes end with a catch-all for unknown data URLs.
        self.routes = self.bulk.routes() + self._routes() + admin.routes(self)

    def handle(self, request: Request) -> Response:
        """Serve one request: the single place every request goes through."""
        route = self._route(request)
        injected = self.faults.before(self, request)
        response = injected if injected is not None else self._serve(route, request)
        return self.faults.after(self, request, response)

    # ---- dispatch ----

    def _route(self, request: Request) -> Route | None:
        for route in self.routes:
            match = route.pattern.fullmatch(request.path)
            if match:
                request.route = route.name
                request.params = {key: value for key, value in match.groupdict().items() if value is not None}
                return route
        request.route = "unknown"
        return None

    def _serve(self, route: Route | None, request: Request) -> Response:
        if route is None:
            return ApiError(404, "NOT_FOUND", "The requested resource does not exist").response()
        if route.kind != "data":
            return self._call(route, request)
        if self.sessions.find(request.header("Authorization")) is None:
            error = ApiError(
                401, "INVALID_SESSION_ID", "Session expired or invalid", headers={"WWW-Authenticate": "Token"}
            )
            return error.response()
        if self.usage.spend():
            with self._calls_lock:
                self.calls_by_route[route.name] += 1
            response = self._call(route, request)
        else:
            response = ApiError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.").response()
        response.headers["Sforce-Limit-Info"] = self.usage.header()
        return response

    def _call(self, route: Route, request: Request) -> Response:
        try:
            if request.method not in route.methods:
                allowed = ",".join(route.methods)
                raise ApiError(
                    405,
                    "METHOD_NOT_ALLOWED",
                    f"HTTP Method '{request.method}' not allowed. Allowed are {allowed}",
                    headers={"Allow": allowed},
                )
            return route.handler(request)
        except ApiError as error:
            return error.response()

    def _routes(self) -> list[Route]:
        def route(
            name: str, pattern: str, handler: Callable[[Request], Response], kind: str = "data"
        ) -> Route:
            methods = ("POST",) if name == "token" else ("GET",)
            return Route(name, re.compile(pattern), methods, handler, kind)

        sobject = r"/sobjects/(?P<sobject>\w+)"
        return [
            route("token", r"/services/oauth2/token/?", self._token, "open"),
            route("versions", r"/services/data/?", self._versions, "open"),
            route("resources", _VERSION + r"/?", self._resources),
            route("limits", _VERSION + r"/limits/?", self._limits),
            route("query", _VERSION + r"/(?P<resource>query|queryAll)/?", self._query),
            route(
                "query_more",
                _VERSION + r"/(?P<resource>query|queryAll)/(?P<locator>[A-Za-z0-9]+)-(?P<offset>\d+)/?",
                self._query_more,
            ),
            route("describe_global", _VERSION + r"/sobjects/?", self._describe_global),
            route("describe", _VERSION + sobject + r"/describe/?", self._describe),
            route("sobject", _VERSION + sobject + r"/?", self._sobject_info),
            route("record", _VERSION + sobject + r"/(?P<id>[A-Za-z0-9]+)/?", self._record),
            route("blob", _VERSION + sobject + r"/(?P<id>[A-Za-z0-9]+)/(?P<field>\w+)/?", self._blob),
            Route("data_unknown", re.compile(_VERSION + r"(/.*)?"), _ANY_METHOD, self._not_found, "data"),
        ]

    # ---- OAuth and discovery ----

    def _token(self, request: Request) -> Response:
        form = {name: values[0] for name, values in request.query.items()}
        content_type = request.header("Content-Type") or ""
        if "application/x-www-form-urlencoded" in content_type:
            form.update({name: values[0] for name, values in parse_qs(request.body.decode("utf-8")).items()})
        grant = password_grant(
            form,
            self.credentials,
            self.sessions,
            instance_url=self._instance_url(request),
            organization_id=self.org.organization_id,
            user_id=self.org.user_id,
        )
        headers = {"Cache-Control": "no-cache,must-revalidate,max-age=0,no-store,private"}
        return json_response(grant.status, grant.body, headers=headers)

    def _instance_url(self, request: Request) -> str:
        """The URL the client reached us at (so a container's service name works), else our own."""
        host = request.header("Host")
        if host and _HOST.fullmatch(host):
            return f"https://{host}"
        return self.instance_url

    def _versions(self, request: Request) -> Response:
        versions = [(f"{number}.0", label) for number, label in _RELEASES]
        return json_response(
            200, [{"label": label, "url": f"/services/data/v{v}", "version": v} for v, label in versions]
        )

    def _resources(self, request: Request) -> Response:
        base = f"/services/data/v{request.params['version']}"
        names = ("limits", "query", "queryAll", "sobjects")
        return json_response(200, {name: f"{base}/{name}" for name in names})

    def _limits(self, request: Request) -> Response:
        used, limit = self.usage.snapshot()
        records = sum(len(table) for table in self.org.tables.values())
        files = len(self.org.tables["Attachment"]) + len(self.org.tables["ContentVersion"])
        # Salesforce counts 2 KB of data storage per record; files are ~40 KB on average here.
        data_mb, file_mb = records * 2 // 1024, files * 40 // 1024
        limits = {
            "ActiveScratchOrgs": (3, 3),
            "ConcurrentAsyncGetReportInstances": (200, 200),
            "ConcurrentSyncReportRuns": (20, 20),
            "DailyApiRequests": (limit, max(0, limit - used)),
            "DailyAsyncApexExecutions": (250000, 250000),
            "DailyBulkApiBatches": (15000, 15000),
            "DailyBulkV2QueryFileStorageMB": (976562, 976562),
            "DailyBulkV2QueryJobs": (DAILY_QUERY_JOBS, max(0, DAILY_QUERY_JOBS - self.bulk.jobs_created)),
            "DailyStreamingApiEvents": (1000000, 1000000),
            "DataStorageMB": (max(10240, data_mb * 2), max(10240, data_mb * 2) - data_mb),
            "FileStorageMB": (max(20480, file_mb * 2), max(20480, file_mb * 2) - file_mb),
            "HourlyPublishedPlatformEvents": (250000, 250000),
            "SingleEmail": (5000, 5000),
        }
        return json_response(
            200, {name: {"Max": top, "Remaining": left} for name, (top, left) in limits.items()}
        )

    # ---- queries ----

    def _query(self, request: Request) -> Response:
        soql = request.param("q")
        if soql is None or not soql.strip():
            raise ApiError(400, "MALFORMED_QUERY", "A query string has to be specified")
        resource = request.params["resource"]
        try:
            plan = prepare(soql, self.org.schema, self.org)
            with self.org.lock:
                records = plan.run(include_deleted=resource == "queryAll")
        except SoqlError as error:
            raise ApiError(400, error.error_code, error.message(soql)) from None
        if plan.count_only:
            return json_response(200, {"totalSize": len(records), "done": True, "records": []})
        batch_size = _batch_size(request.header("Sforce-Query-Options"), DEFAULT_BATCH_SIZE)
        cursor = Cursor(plan, records, resource, batch_size, time.monotonic())
        return self._page(request, cursor, None, 0, batch_size)

    def _query_more(self, request: Request) -> Response:
        locator = request.params["locator"]
        cursor = self.cursors.get(locator)
        offset = int(request.params["offset"])
        if cursor is None or offset > len(cursor.records):
            raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        batch_size = _batch_size(request.header("Sforce-Query-Options"), cursor.batch_size)
        return self._page(request, cursor, locator, offset, batch_size)

    def _page(
        self, request: Request, cursor: Cursor, locator: str | None, offset: int, batch_size: int
    ) -> Response:
        version = request.params["version"]
        end = offset + batch_size
        done = end >= len(cursor.records)
        body: dict[str, Any] = {"totalSize": len(cursor.records), "done": done}
        if not done:
            locator = locator or self.cursors.open(cursor)
            body["nextRecordsUrl"] = f"/services/data/v{version}/{cursor.resource}/{locator}-{end}"
        elif locator is not None:
            self.cursors.close(locator)
        name = cursor.plan.sobject.name
        body["records"] = [
            _record_json(name, record["Id"], cursor.plan.project(record), version)
            for record in cursor.records[offset:end]
        ]
        return json_response(200, body)

    # ---- sObjects ----

    def _sobject_definition(self, request: Request) -> SObjectDef:
        definition = self.org.schema.sobject(request.params["sobject"])
        if definition is None:
            raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
        return definition

    def _live_record(self, definition: SObjectDef, record_id: str) -> Record:
        record = self.org.related(definition.name, to_18(record_id)) if is_id(record_id) else None
        if record is None:
            raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
        if record["IsDeleted"]:
            raise ApiError(404, "ENTITY_IS_DELETED", "entity is deleted")
        return record

    def _describe_global(self, request: Request) -> Response:
        version = request.params["version"]
        sobjects = [_object_summary(definition, version) for definition in self.org.schema]
        return json_response(200, {"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": sobjects})

    def _sobject_info(self, request: Request) -> Response:
        definition = self._sobject_definition(request)
        summary = _object_summary(definition, request.params["version"])
        return json_response(200, {"objectDescribe": summary, "recentItems": []})

    def _describe(self, request: Request) -> Response:
        definition = self._sobject_definition(request)
        fields = [
            {
                "name": field.name,
                "label": field.label,
                "type": field.type.value,
                "nillable": not field.required and not field.system,
                "filterable": field.filterable,
                "sortable": field.sortable,
                "createable": not field.system,
                "updateable": not field.system,
                "referenceTo": [field.reference_to] if field.reference_to else [],
                "relationshipName": field.relationship_name,
                "picklistValues": [
                    {"active": True, "defaultValue": False, "label": value, "value": value}
                    for value in field.picklist
                ],
            }
            for field in definition.fields
        ]
        return json_response(
            200, {**_object_summary(definition, request.params["version"]), "fields": fields}
        )

    def _record(self, request: Request) -> Response:
        definition = self._sobject_definition(request)
        record = self._live_record(definition, request.params["id"])
        wanted = request.param("fields")
        fields = definition.fields
        if wanted:
            fields = tuple(self._field(definition, name.strip()) for name in wanted.split(","))
        values: dict[str, Any] = {}
        for field in fields:
            if field.type is FieldType.BASE64:
                values[field.name] = Blob(definition.name, record["Id"], field.name)
            elif field.deferred and record.get(field.name) is None:
                values[field.name] = self.org.deferred(definition.name, record, field.name)
            else:
                values[field.name] = record.get(field.name)
        return json_response(
            200, _record_json(definition.name, record["Id"], values, request.params["version"])
        )

    def _field(self, definition: SObjectDef, name: str) -> Any:
        field = definition.field(name)
        if field is None:
            raise ApiError(
                400, "INVALID_FIELD", f"No such column '{name}' on sobject of type {definition.name}"
            )
        return field

    def _blob(self, request: Request) -> Response:
        definition = self._sobject_definition(request)
        field = definition.field(request.params["field"])
        if field is None or field.type is not FieldType.BASE64:
            raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
        record = self._live_record(definition, request.params["id"])
        stored = self.org.file(definition.name, record["Id"])
        if stored is None:
            raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
        return Response(200, stored.content, stored.content_type)

    def _not_found(self, request: Request) -> Response:
        raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")


# Salesforce's API versions and the releases that introduced them (the last few).
_RELEASES = (
    (58, "Summer '23"),
    (59, "Winter '24"),
    (60, "Spring '24"),
    (61, "Summer '24"),
    (62, "Winter '25"),
)


def _batch_size(options: str | None, default: int) -> int:
    """The page size from ``Sforce-Query-Options: batchSize=N``, clamped to 200..2000 as Salesforce does."""
    match = _BATCH_OPTION.search(options or "")
    if match is None:
        return default
    return min(DEFAULT_BATCH_SIZE, max(MIN_BATCH_SIZE, int(match.group(1))))


def _object_summary(definition: SObjectDef, version: str) -> dict[str, Any]:
    base = f"/services/data/v{version}/sobjects/{definition.name}"
    return {
        "name": definition.name,
        "label": definition.label,
        "keyPrefix": definition.key_prefix,
        "custom": definition.name.endswith("__c"),
        "queryable": True,
        "retrieveable": True,
        "urls": {"sobject": base, "describe": f"{base}/describe", "rowTemplate": f"{base}/{{ID}}"},
    }


def _record_json(sobject: str, record_id: str, values: dict[str, Any], version: str) -> dict[str, Any]:
    """A record in Salesforce JSON: ``attributes`` first, then the fields, relationships nested."""
    body: dict[str, Any] = {
        "attributes": {"type": sobject, "url": f"/services/data/v{version}/sobjects/{sobject}/{record_id}"}
    }
    for name, value in values.items():
        if isinstance(value, RelatedRecord):
            body[name] = _record_json(value.sobject, value.record_id, value.fields, version)
        elif isinstance(value, Blob):
            body[name] = f"/services/data/v{version}/sobjects/{value.sobject}/{value.record_id}/{value.field}"
        else:
            body[name] = json_value(value)
    return body
