"""The sandbox Bullhorn's routes and the one place every request goes through.

``BullhornApi.handle`` routes a request, lets the ``Faults`` hook answer
instead, checks the BhRestToken of REST calls (412 when missing, 401 when bad
or timed out), counts every call, applies the per-minute call limit (429), runs
the route and lets ``Faults`` alter the response. See ``server.py`` for routes.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, quote, urlencode

from sandbox.bullhorn import admin
from sandbox.bullhorn.auth import DEFAULT_TTL_MINUTES, BullhornCredentials, Tokens
from sandbox.bullhorn.errors import BullhornError, bad_request, not_found, oauth_error
from sandbox.bullhorn.fields import FieldsError, is_heavy, parse_fields, render
from sandbox.bullhorn.lucene import LuceneError, parse_lucene
from sandbox.bullhorn.org import COUNTRIES, CandidateFile, Org, Record, path_value, to_epoch_ms
from sandbox.bullhorn.schema import ENTITIES, EntityDef, FieldPath, UnknownField, resolve_path
from sandbox.bullhorn.where import WhereError, parse_where
from sandbox.bullhorn.writes import checked_values, json_file, multipart_file, store_upload
from sandbox.salesforce.documents import ascii_fold
from sandbox.salesforce.web import Request, Response, Route, json_response

DEFAULT_COUNT = 20
MAX_COUNT = 500
MAX_COUNT_HEAVY = 200  # real pages shrink when long text fields are asked for
CALLS_PER_MINUTE = 1500
OTHER_DATA_CENTRE = "/dc2"  # a second prefix standing for the wrong data centre: it answers 307
_HOST = re.compile(r"[A-Za-z0-9.\-]+(:\d{1,5})?|\[[0-9A-Fa-f:.]+\](:\d{1,5})?")
_REST = r"/rest-services/(?P<corp>\w+)"
_TRUE = ("true", "1", "yes")
_LOGIN_PAGE = (
    b"<!DOCTYPE html><html><head><title>Bullhorn Login</title></head><body>"
    b'<form method="post" action="/oauth/authorize"><input name="username">'
    b'<input name="password" type="password">'
    b'<input type="hidden" name="action" value="Login"><button>Log in</button></form></body></html>'
)


class Faults:
    """Fault injection hook, consulted for every request by ``BullhornApi.handle``. Injects nothing."""

    def before(self, api: BullhornApi, request: Request) -> Response | None:
        """Return a response to send instead of serving the request, or None to serve it."""
        return None

    def after(self, api: BullhornApi, request: Request, response: Response) -> Response:
        """Return the response to send."""
        return response


class CallLimit:
    """Calls a corporation made in the last minute, against its per-minute limit."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._calls: deque[float] = deque()
        self._lock = threading.Lock()

    def spend(self) -> bool:
        """Count a call; False (not counted) when the last minute already holds ``per_minute`` calls."""
        now = time.monotonic()
        with self._lock:
            while self._calls and self._calls[0] <= now - 60:
                self._calls.popleft()
            if len(self._calls) >= self.per_minute:
                return False
            self._calls.append(now)
            return True

    def in_last_minute(self) -> int:
        """Calls counted in the last 60 seconds."""
        now = time.monotonic()
        with self._lock:
            return sum(1 for moment in self._calls if moment > now - 60)


class BullhornApi:
    """The sandbox corporation's REST API: its state (tokens, counters) and routes."""

    def __init__(
        self,
        org: Org,
        credentials: BullhornCredentials,
        *,
        base_url: str,
        faults: Faults | None = None,
        calls_per_minute: int = CALLS_PER_MINUTE,
    ) -> None:
        self.org = org
        self.credentials = credentials
        self.base_url = base_url
        self.faults = faults or Faults()
        self.tokens = Tokens(credentials)
        self.limit = CallLimit(calls_per_minute)
        self.calls: Counter[str] = (
            Counter()
        )  # per kind: login_info, authorize, token, login, rest, rate_limited
        self.route_calls: Counter[str] = Counter()
        self._count_lock = threading.Lock()
        self.routes = self._routes() + admin.routes(self)

    def handle(self, request: Request) -> Response:
        """Serve one request: the single place every request goes through."""
        route = self._route(request)
        if route is not None and route.kind != "admin":
            self._count(route)
        injected = self.faults.before(self, request) if route is None or route.kind != "admin" else None
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

    def _count(self, route: Route) -> None:
        with self._count_lock:
            self.route_calls[route.name] += 1
            self.calls["rest" if route.kind == "rest" else route.name] += 1

    def _serve(self, route: Route | None, request: Request) -> Response:
        try:
            if route is None:
                raise BullhornError(404, f"No resource at {request.path}", "errors.notFound")
            if request.method not in route.methods:
                raise BullhornError(
                    405, f"HTTP method {request.method} not allowed here", "errors.methodNotAllowed"
                )
            if route.kind == "rest":
                self._authenticate(request)
                if not self.limit.spend():
                    with self._count_lock:
                        self.calls["rate_limited"] += 1
                    # Bullhorn sends no Retry-After: its guidance is to wait a second and retry.
                    raise BullhornError(
                        429, "Too many requests: the API call limit was reached.", "errors.tooManyRequests"
                    )
            return route.handler(request)
        except BullhornError as error:
            return error.response()

    def _authenticate(self, request: Request) -> None:
        token = (
            request.param("BhRestToken") or request.header("BhRestToken") or _cookie(request, "BhRestToken")
        )
        if not token:
            raise BullhornError(412, "Missing 'BhRestToken'.", "errors.authentication.missingRestToken")
        if self.tokens.session(token) is None:
            raise BullhornError(
                401, "Bad 'BhRestToken' or timed-out.", "errors.authentication.invalidRestToken"
            )
        if request.params.get("corp") != self.org.corp_token:
            raise BullhornError(404, "Unknown corporation in the REST URL.", "errors.notFound")

    def _routes(self) -> list[Route]:
        def route(
            name: str,
            pattern: str,
            methods: tuple[str, ...],
            handler: Callable[[Request], Response],
            kind: str = "rest",
        ) -> Route:
            return Route(name, re.compile(pattern), methods, handler, kind)

        entity = r"/(?P<entity>\w+)"
        return [
            route("login_info", r"/rest-services/loginInfo/?", ("GET",), self._login_info, "auth"),
            route("authorize", r"/oauth/authorize/?", ("GET", "POST"), self._authorize, "auth"),
            route("token", r"/oauth/token/?", ("POST",), self._token, "auth"),
            route("login", r"/rest-services/login/?", ("GET", "POST"), self._login, "auth"),
            route(
                "other_data_centre",
                OTHER_DATA_CENTRE + r"/(?:rest-services|oauth)/.*",
                ("GET", "POST"),
                self._elsewhere,
                "auth",
            ),
            route("ping", _REST + r"/ping/?", ("GET",), self._ping),
            route("query", _REST + r"/query" + entity + "/?", ("GET", "POST"), self._query),
            route("search", _REST + r"/search" + entity + "/?", ("GET", "POST"), self._search),
            route("create", _REST + r"/entity" + entity + "/?", ("PUT",), self._create),
            route(
                "entity",
                _REST + r"/entity" + entity + r"/(?P<ids>\d+(?:,\d+)*)/?",
                ("GET", "POST"),
                self._entity,
            ),
            route("options", _REST + r"/options" + entity + "/?", ("GET",), self._options),
            route(
                "entity_files",
                _REST + r"/entityFiles" + entity + r"/(?P<id>\d+)/?",
                ("GET",),
                self._entity_files,
            ),
            route(
                "upload", _REST + r"/file" + entity + r"/(?P<id>\d+)(?P<raw>/raw)?/?", ("PUT",), self._upload
            ),
            route(
                "file",
                _REST + r"/file" + entity + r"/(?P<id>\d+)/(?P<file>\d+)(?P<raw>/raw)?/?",
                ("GET",),
                self._file,
            ),
        ]

    # ---- login chain ----

    def base(self, request: Request) -> str:
        """The URL the client reached us at (so a container's service name works), else our own."""
        host = request.header("Host")
        return f"https://{host}" if host and _HOST.fullmatch(host) else self.base_url

    def _login_info(self, request: Request) -> Response:
        if not request.param("username"):
            raise bad_request("Missing required parameter 'username'")
        base = self.base(request)
        return json_response(
            200,
            {
                "atsUrl": f"{base}/ats",
                "coreUrl": f"{base}/core",
                "dataCenterId": 99,
                "superCluster": "sandbox",
                "oauthUrl": f"{base}/oauth",
                "restUrl": f"{base}/rest-services",
                "samlUrl": f"{base}/saml",
            },
        )

    def _authorize(self, request: Request) -> Response:
        form = _form(request)
        if not self.tokens.client_ok(form.get("client_id"), secret=False):
            return oauth_error(400, "invalid_client", "Invalid client id")
        if form.get("response_type") != "code":
            return oauth_error(400, "unsupported_response_type", "response_type must be code")
        redirect_uri = form.get("redirect_uri")
        if redirect_uri is not None and redirect_uri != self.credentials.redirect_uri:
            return oauth_error(400, "invalid_request", "Invalid redirect uri")
        if form.get("action") != "Login" or not self.tokens.user_ok(
            form.get("username"), form.get("password")
        ):
            # Bullhorn shows its login page again: a 200 with no Location, whatever went wrong.
            return Response(200, _LOGIN_PAGE, "text/html;charset=UTF-8")
        code = self.tokens.issue_code(redirect_uri)
        target = redirect_uri or self.credentials.redirect_uri
        location = f"{target}?code={quote(code, safe='')}&client_id={quote(form['client_id'])}"
        return Response(302, b"", "text/html;charset=UTF-8", {"Location": location})

    def _token(self, request: Request) -> Response:
        form = _form(request)
        if not self.tokens.client_ok(form.get("client_id"), form.get("client_secret")):
            return oauth_error(401, "invalid_client", "Bad client credentials")
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            if not self.tokens.redeem_code(form.get("code"), form.get("redirect_uri")):
                return oauth_error(400, "invalid_grant", "Invalid, expired, or revoked authorization code.")
        elif grant_type == "refresh_token":
            if not self.tokens.redeem_refresh_token(form.get("refresh_token")):
                return oauth_error(400, "invalid_grant", "Invalid, expired, or revoked refresh token.")
        else:
            return oauth_error(400, "unsupported_grant_type", f"Unsupported grant type: {grant_type}")
        return json_response(200, self.tokens.issue_tokens(), headers={"Cache-Control": "no-store"})

    def _login(self, request: Request) -> Response:
        form = _form(request)
        if not form.get("version"):
            raise bad_request("Missing required parameter 'version'")
        if not self.tokens.access_token_ok(form.get("access_token")):
            raise BullhornError(400, "Invalid or expired OAuth access token.", "errors.internalError")
        ttl = _integer(form.get("ttl"), "ttl", DEFAULT_TTL_MINUTES)
        session = self.tokens.open_session(ttl)
        rest_url = f"{self.base(request)}/rest-services/{self.org.corp_token}/"
        return json_response(200, {"BhRestToken": session.token, "restUrl": rest_url})

    def _elsewhere(self, request: Request) -> Response:
        """The wrong data centre: a 307 to the same path and query at the right one."""
        query = urlencode([(name, value) for name, values in request.query.items() for value in values])
        location = (
            self.base(request) + request.path.removeprefix(OTHER_DATA_CENTRE) + (f"?{query}" if query else "")
        )
        return Response(307, b"", "text/html;charset=UTF-8", {"Location": location})

    def _ping(self, request: Request) -> Response:
        token = (
            request.param("BhRestToken") or request.header("BhRestToken") or _cookie(request, "BhRestToken")
        )
        session = self.tokens.session(token)
        return json_response(200, {"sessionExpires": session.expires_ms() if session else 0})

    # ---- reading ----

    def _query(self, request: Request) -> Response:
        entity = _entity(request.params["entity"])
        if not entity.queryable:
            raise BullhornError(
                400,
                f"Entity {entity.name} does not support /query: use /search instead.",
                "errors.queryNotSupported",
            )
        params = _list_params(request)
        where = params.get("where")
        if not where:
            raise bad_request("Missing required parameter 'where'")
        try:
            predicate = parse_where(where, entity, self._value_of(entity))
        except WhereError as error:
            raise bad_request(f"Invalid where clause: {error}") from None
        page, total, start = self._page(entity, params, predicate, params.get("orderBy"))
        body: dict[str, Any] = {"start": start, "count": len(page), "data": page}
        if str(params.get("showTotalMatched", "")).lower() in _TRUE:
            body = {"total": total, **body}
        return json_response(200, body)

    def _search(self, request: Request) -> Response:
        entity = _entity(request.params["entity"])
        if not entity.searchable:
            raise BullhornError(
                400,
                f"Entity {entity.name} does not support /search: use /query.",
                "errors.searchNotSupported",
            )
        params = _list_params(request)
        query = params.get("query")
        if not query:
            raise bad_request("Missing required parameter 'query'")
        try:
            predicate = parse_lucene(query, entity, self._value_of(entity))
        except LuceneError as error:
            raise bad_request(f"Invalid search query: {error}") from None
        page, total, start = self._page(entity, params, predicate, params.get("sort"))
        for row in page:
            row["_score"] = 1.0
        return json_response(200, {"total": total, "start": start, "count": len(page), "data": page})

    def _value_of(self, entity: EntityDef) -> Callable[[Record, FieldPath], Any]:
        org = self.org
        return lambda record, path: path_value(org, entity, record, path.parts)

    def _page(
        self, entity: EntityDef, params: dict[str, Any], predicate: Callable[[Record], bool], order: Any
    ) -> tuple[list[dict[str, Any]], int, int]:
        """One page of the matching records, rendered, with the total matched and the start."""
        try:
            selections = parse_fields(_text(params.get("fields")), entity)
        except FieldsError as error:
            raise bad_request(str(error)) from None
        start = _integer(params.get("start"), "start", 0)
        count = _integer(params.get("count"), "count", DEFAULT_COUNT)
        count = min(count, MAX_COUNT_HEAVY if is_heavy(selections, entity) else MAX_COUNT)
        sort_key = self._sort_key(entity, _text(order) or "id")
        with self.org.lock:
            matched = [record for record in self.org.rows(entity.name) if predicate(record)]
            matched.sort(key=sort_key)
            page = [render(self.org, entity, record, selections) for record in matched[start : start + count]]
        return page, len(matched), start

    def _sort_key(self, entity: EntityDef, order: str) -> Callable[[Record], Any]:
        keys: list[tuple[FieldPath, bool]] = []
        for item in order.split(","):
            name = item.strip()
            descending = name.startswith("-")
            try:
                keys.append((resolve_path(entity, name.lstrip("-+")), descending))
            except UnknownField as error:
                raise bad_request(f"Invalid sort: {error}") from None

        def key(record: Record) -> tuple[Any, ...]:
            parts: list[Any] = []
            for path, descending in keys:
                value = path_value(self.org, entity, record, path.parts)
                parts.append(_Sortable(value, descending))
            return tuple(parts)

        return key

    def _entity(self, request: Request) -> Response:
        entity = _entity(request.params["entity"])
        ids = [int(part) for part in request.params["ids"].split(",")]
        if request.method == "POST":
            return self._update(entity, ids, request)
        try:
            selections = parse_fields(request.param("fields"), entity)
        except FieldsError as error:
            raise bad_request(str(error)) from None
        with self.org.lock:
            records = [record for record_id in ids if (record := self.org.get(entity.name, record_id))]
            rendered = [render(self.org, entity, record, selections) for record in records]
        if not rendered or (len(ids) == 1 and not records):
            raise not_found(entity.name, ",".join(map(str, ids)))
        return json_response(200, {"data": rendered[0] if len(ids) == 1 else rendered})

    def _options(self, request: Request) -> Response:
        if request.params["entity"] != "Country":
            raise BullhornError(
                400, f"Unsupported options type: {request.params['entity']}", "errors.badRequest"
            )
        start = _integer(request.param("start"), "start", 0)
        count = min(_integer(request.param("count"), "count", DEFAULT_COUNT), 300)
        ordered = sorted(COUNTRIES, key=lambda country: country[1])
        data = [{"value": country_id, "label": name} for country_id, name in ordered[start : start + count]]
        return json_response(200, {"data": data})

    def _entity_files(self, request: Request) -> Response:
        candidate_id = self._candidate_id(request)
        files = [
            _file_meta(attached, len(self.org.file_content(attached)))
            for attached in self.org.candidate_files(candidate_id)
        ]
        return json_response(200, {"EntityFiles": files})

    def _file(self, request: Request) -> Response:
        candidate_id = self._candidate_id(request)
        file_id = int(request.params["file"])
        attached = next((each for each in self.org.candidate_files(candidate_id) if each.id == file_id), None)
        if attached is None:
            raise BullhornError(
                404, f"Cannot find file {file_id} of Candidate {candidate_id}", "errors.cannotFindEntity"
            )
        content = self.org.file_content(attached)
        if request.params.get("raw"):
            ascii_name, utf8_name = ascii_fold(attached.name), quote(attached.name)
            disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{utf8_name}"
            return Response(200, content, attached.content_type, {"Content-Disposition": disposition})
        body = {
            "File": {
                "contentType": attached.content_type,
                "fileContent": base64.b64encode(content).decode("ascii"),
                "name": attached.name,
                "description": attached.description,
                "type": attached.type,
            }
        }
        return json_response(200, body)

    def _candidate_id(self, request: Request) -> int:
        if request.params["entity"] != "Candidate":
            raise BullhornError(
                400, f"Files of {request.params['entity']} are not served by the sandbox", "errors.badRequest"
            )
        candidate_id = int(request.params["id"])
        if self.org.get("Candidate", candidate_id) is None:
            raise not_found("Candidate", candidate_id)
        return candidate_id

    # ---- writing ----

    def _create(self, request: Request) -> Response:
        entity = _entity(request.params["entity"])
        body = _json(request)
        values = checked_values(self.org, entity, body, creating=True)
        record = self.org.insert(entity.name, values, _now_ms())
        return self._changed(entity, record["id"], "INSERT", body)

    def _update(self, entity: EntityDef, ids: list[int], request: Request) -> Response:
        if len(ids) != 1:
            raise bad_request("Update one entity at a time")
        body = _json(request)
        values = checked_values(self.org, entity, body, creating=False)
        try:
            self.org.update(entity.name, ids[0], values, _now_ms())
        except KeyError:
            raise not_found(entity.name, ids[0]) from None
        return self._changed(entity, ids[0], "UPDATE", body)

    def _changed(self, entity: EntityDef, record_id: int, change: str, body: Any) -> Response:
        self.org.log_write({"entity": entity.name, "changeType": change, "id": record_id, "data": body})
        return json_response(
            200,
            {
                "changedEntityType": entity.name,
                "changedEntityId": record_id,
                "changeType": change,
                "data": body,
            },
        )

    def _upload(self, request: Request) -> Response:
        candidate_id = self._candidate_id(request)
        options = {name: values[0] for name, values in request.query.items()}
        if request.params.get("raw"):
            if not options.get("externalID") or not options.get("fileType"):
                raise bad_request("Missing required parameters 'externalID' and 'fileType'")
            name, content = multipart_file(request.header("Content-Type") or "", request.body)
        else:
            name, content, properties = json_file(_json(request))
            options.update({key: value for key, value in properties.items() if key != "fileContent"})
        attached = store_upload(self.org, candidate_id, name, content, options=options, stamp_ms=_now_ms())
        return json_response(200, {"fileId": attached.id})


class _Sortable:
    """A sort key part: nulls first, optionally descending, text case-insensitive."""

    __slots__ = ("descending", "value")

    def __init__(self, value: Any, descending: bool) -> None:
        self.value = value.casefold() if isinstance(value, str) else value
        self.descending = descending

    def __lt__(self, other: _Sortable) -> bool:
        mine, theirs = self.value, other.value
        if mine == theirs:
            return False
        if mine is None or theirs is None:
            less = mine is None
        else:
            try:
                less = mine < theirs
            except TypeError:
                less = str(mine) < str(theirs)
        return less != self.descending

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Sortable) and self.value == other.value

    __hash__ = None  # type: ignore[assignment]


def _file_meta(attached: CandidateFile, size: int) -> dict[str, Any]:
    return {
        "id": attached.id,
        "type": attached.type,
        "name": attached.name,
        "description": attached.description,
        "contentType": attached.content_type,
        "fileExtension": f".{attached.extension}",
        "fileSize": size,
        "dateAdded": attached.date_added,
    }


def _entity(name: str) -> EntityDef:
    entity = ENTITIES.get(name)
    if entity is None:
        raise BullhornError(400, f"Invalid entity type: {name}", "errors.invalidEntityType")
    return entity


def _form(request: Request) -> dict[str, str]:
    """Query-string and form-encoded body parameters (Bullhorn's auth server takes either)."""
    form = {name: values[0] for name, values in request.query.items()}
    if "application/x-www-form-urlencoded" in (request.header("Content-Type") or ""):
        body = parse_qs(request.body.decode("utf-8", "replace"), keep_blank_values=True)
        form.update({name: values[0] for name, values in body.items()})
    return form


def _list_params(request: Request) -> dict[str, Any]:
    """The query string, overlaid by a JSON body (POST, for where clauses too long for a URL)."""
    params: dict[str, Any] = {name: values[0] for name, values in request.query.items()}
    if request.method == "POST":
        body = _json(request)
        if not isinstance(body, dict):
            raise bad_request("The request body must be a JSON object")
        params.update(body)
    return params


def _json(request: Request) -> Any:
    if not request.body.strip():
        return {}
    try:
        return json.loads(request.body)
    except ValueError:
        raise bad_request("The request body is not valid JSON") from None


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _integer(value: Any, name: str, default: int) -> int:
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise bad_request(f"Parameter '{name}' must be an integer") from None
    if number < 0:
        raise bad_request(f"Parameter '{name}' must not be negative")
    return number


def _cookie(request: Request, name: str) -> str | None:
    for part in (request.header("Cookie") or "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


def _now_ms() -> int:
    return int(time.time() * 1000)


__all__ = ["BullhornApi", "Faults", "to_epoch_ms"]
