"""A SOQL subset: parse a query and run it over in-memory records.

Supported: ``SELECT`` fields (relationship paths one level deep, ``COUNT()``),
``FROM`` one object, ``WHERE`` with ``= != <> < <= > >= LIKE IN NOT IN``, ``AND``,
``OR``, ``NOT`` and parentheses over literals (``null``, booleans, numbers,
quoted strings with backslash escapes, datetime and date literals), ``ORDER BY``
with ``ASC|DESC`` and ``NULLS FIRST|LAST``, ``LIMIT`` and ``OFFSET``. Errors carry
Salesforce's error codes: ``MALFORMED_QUERY``, ``INVALID_FIELD``, ``INVALID_TYPE``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

Record = Mapping[str, Any]


class SoqlError(Exception):
    """A query Salesforce would refuse, with its error code."""

    def __init__(self, error_code: str, message: str) -> None:
        super().__init__(message)
        self.error_code = error_code
        self.message = message


_TOKEN = re.compile(
    r"""\s*(?:
    (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))
   |(?P<date>\d{4}-\d{2}-\d{2})
   |(?P<number>-?\d+(?:\.\d+)?)
   |(?P<string>'(?:[^'\\]|\\.)*')
   |(?P<op><=|>=|!=|<>|=|<|>|\(|\)|,)
   |(?P<name>[A-Za-z_][A-Za-z0-9_.]*)
   |(?P<bad>\S)
    )""",
    re.VERBOSE,
)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_KEYWORDS = {
    "SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "LIKE", "ORDER", "BY", "ASC", "DESC",
    "NULLS", "FIRST", "LAST", "LIMIT", "OFFSET", "NULL", "TRUE", "FALSE",
}  # fmt: skip


@dataclass(frozen=True)
class Token:
    """One lexical token: its kind, decoded value and source text."""

    kind: str
    value: Any
    text: str


def tokenize(soql: str) -> list[Token]:
    """Split a query into tokens, decoding literals."""
    tokens: list[Token] = []
    for match in _TOKEN.finditer(soql):
        kind = match.lastgroup
        text = match[kind] if kind else ""
        if kind == "bad":
            raise SoqlError(
                "MALFORMED_QUERY", f"unexpected character {text!r} at position {match.start(kind)}"
            )
        if kind == "datetime":
            value: Any = _parse_datetime(text)
        elif kind == "date":
            value = date.fromisoformat(text)
        elif kind == "number":
            value = float(text)
        elif kind == "string":
            value = re.sub(r"\\(.)", lambda m: _ESCAPES.get(m[1], m[1]), text[1:-1])
        elif kind == "name" and text.upper() in _KEYWORDS:
            kind, value = "keyword", text.upper()
        else:
            value = text
        tokens.append(Token(str(kind), value, text))
    return tokens


def _parse_datetime(text: str) -> datetime:
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    elif re.search(r"[+-]\d{4}$", text):
        text = f"{text[:-2]}:{text[-2:]}"
    return datetime.fromisoformat(text).astimezone(UTC)


@dataclass
class Query:
    """A parsed query; ``where`` is a predicate over records, ``order_by`` holds (path, desc, nulls last)."""

    sobject: str
    fields: list[str]
    count_only: bool = False
    where: Callable[[Record], bool] | None = None
    order_by: list[tuple[str, bool, bool]] = field(default_factory=list)
    limit: int | None = None
    offset: int = 0


class Parser:
    """Recursive-descent parser that checks every name against the org's schema.

    ``schema`` maps object names to field names; ``relationships[sobject][name__r]``
    names the object a relationship points at.
    """

    def __init__(
        self, soql: str, schema: Mapping[str, Iterable[str]], relationships: Mapping[str, Mapping[str, str]]
    ) -> None:
        self.tokens = tokenize(soql)
        self.position = 0
        self.schema = {
            name.lower(): (name, {f.lower(): f for f in fields}) for name, fields in schema.items()
        }
        self.relationships = relationships
        self.sobject = ""

    def _peek(self) -> Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def _next(self, expected: str) -> Token:
        token = self._peek()
        if token is None:
            raise SoqlError("MALFORMED_QUERY", f"unexpected end of query, expecting {expected}")
        self.position += 1
        return token

    def _keyword(self, *words: str) -> bool:
        token = self._peek()
        if token is not None and token.kind == "keyword" and token.value in words:
            self.position += 1
            return True
        return False

    def _expect_keyword(self, word: str) -> None:
        if not self._keyword(word):
            token = self._peek()
            found = token.text if token else "end of query"
            raise SoqlError("MALFORMED_QUERY", f"unexpected token: '{found}', expecting {word}")

    def _expect_op(self, op: str) -> None:
        token = self._next(f"'{op}'")
        if token.kind != "op" or token.value != op:
            raise SoqlError("MALFORMED_QUERY", f"unexpected token: '{token.text}', expecting '{op}'")

    def parse(self) -> Query:
        """Parse the whole query, or raise ``SoqlError``."""
        self._expect_keyword("SELECT")
        raw_fields: list[str] = []
        count_only = False
        while True:
            token = self._next("a field name")
            if token.kind == "name" and token.value.upper() == "COUNT":
                self._expect_op("(")
                self._expect_op(")")
                count_only = True
            elif token.kind == "name":
                raw_fields.append(token.value)
            else:
                raise SoqlError("MALFORMED_QUERY", f"unexpected token: '{token.text}' in the SELECT list")
            if not self._comma():
                break
        self._expect_keyword("FROM")
        name = self._next("an object name")
        if name.kind != "name" or name.value.lower() not in self.schema:
            raise SoqlError("INVALID_TYPE", f"sObject type '{name.text}' is not supported.")
        self.sobject = self.schema[name.value.lower()][0]
        query = Query(self.sobject, [self.resolve(f) for f in raw_fields], count_only=count_only)
        if self._keyword("WHERE"):
            query.where = self._disjunction()
        if self._keyword("ORDER"):
            self._expect_keyword("BY")
            query.order_by = self._order_by()
        if self._keyword("LIMIT"):
            query.limit = self._integer("LIMIT")
        if self._keyword("OFFSET"):
            query.offset = self._integer("OFFSET")
        leftover = self._peek()
        if leftover is not None:
            raise SoqlError("MALFORMED_QUERY", f"unexpected token: '{leftover.text}'")
        return query

    def _order_by(self) -> list[tuple[str, bool, bool]]:
        """``field [ASC|DESC] [NULLS FIRST|LAST], ...``; nulls sort first ascending, last descending."""
        order = []
        while True:
            path = self.resolve(self._next("a field name").text)
            descending = self._keyword("DESC")
            if not descending:
                self._keyword("ASC")
            nulls_last = descending
            if self._keyword("NULLS"):
                nulls_last = self._keyword("LAST") or not self._keyword("FIRST")
            order.append((path, descending, nulls_last))
            if not self._comma():
                return order

    def _comma(self) -> bool:
        token = self._peek()
        if token is not None and token.kind == "op" and token.value == ",":
            self.position += 1
            return True
        return False

    def _integer(self, clause: str) -> int:
        token = self._next(f"a number after {clause}")
        if token.kind != "number" or token.value < 0 or token.value != int(token.value):
            raise SoqlError("MALFORMED_QUERY", f"{clause} needs a whole number, not '{token.text}'")
        return int(token.value)

    def resolve(self, name: str) -> str:
        """Return the canonical spelling of a field path (names are case-insensitive), or INVALID_FIELD."""
        parts = name.split(".")
        sobject = self.sobject
        if len(parts) == 2:
            targets = {
                rel.lower(): (rel, target) for rel, target in self.relationships.get(sobject, {}).items()
            }
            if parts[0].lower() not in targets:
                raise _no_such_column(parts[0], sobject)
            relationship, sobject = targets[parts[0].lower()]
            return f"{relationship}.{self._field(parts[1], sobject)}"
        if len(parts) != 1:
            raise SoqlError(
                "MALFORMED_QUERY", f"relationship paths deeper than one level are not supported: {name}"
            )
        return self._field(name, sobject)

    def _field(self, name: str, sobject: str) -> str:
        fields = self.schema[sobject.lower()][1]
        if name.lower() not in fields:
            raise _no_such_column(name, sobject)
        return fields[name.lower()]

    def _disjunction(self) -> Callable[[Record], bool]:
        terms = [self._conjunction()]
        while self._keyword("OR"):
            terms.append(self._conjunction())
        return terms[0] if len(terms) == 1 else lambda r: any(term(r) for term in terms)

    def _conjunction(self) -> Callable[[Record], bool]:
        terms = [self._negation()]
        while self._keyword("AND"):
            terms.append(self._negation())
        return terms[0] if len(terms) == 1 else lambda r: all(term(r) for term in terms)

    def _negation(self) -> Callable[[Record], bool]:
        if self._keyword("NOT"):
            inner = self._negation()
            return lambda r: not inner(r)
        token = self._peek()
        if token is not None and token.kind == "op" and token.value == "(":
            self.position += 1
            inner = self._disjunction()
            self._expect_op(")")
            return inner
        return self._comparison()

    def _comparison(self) -> Callable[[Record], bool]:
        name = self._next("a field name")
        if name.kind != "name":
            raise SoqlError("MALFORMED_QUERY", f"unexpected token: '{name.text}', expecting a field name")
        path = self.resolve(name.value)
        negated = self._keyword("NOT")
        if self._keyword("IN"):
            self._expect_op("(")
            values = [self._literal(path)]
            while self._comma():
                values.append(self._literal(path))
            self._expect_op(")")
            members = set(values)
            return lambda r: (read_path(r, path) in members) != negated
        if negated:
            raise SoqlError("MALFORMED_QUERY", "NOT must be followed by IN here")
        if self._keyword("LIKE"):
            pattern = self._literal(path)
            if not isinstance(pattern, str):
                raise SoqlError("MALFORMED_QUERY", "LIKE needs a quoted string")
            regex = re.compile(
                "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern),
                re.IGNORECASE | re.DOTALL,
            )
            return lambda r: isinstance(v := read_path(r, path), str) and regex.fullmatch(v) is not None
        operator = self._next("an operator")
        if operator.kind != "op" or operator.value not in _COMPARE:
            raise SoqlError("MALFORMED_QUERY", f"unexpected token: '{operator.text}', expecting an operator")
        value = self._literal(path)
        compare = _COMPARE[operator.value]
        return lambda r: compare(read_path(r, path), value)

    def _literal(self, path: str) -> Any:
        token = self._next("a value")
        if token.kind == "keyword" and token.value in ("NULL", "TRUE", "FALSE"):
            return {"NULL": None, "TRUE": True, "FALSE": False}[token.value]
        if token.kind not in ("string", "number", "datetime", "date"):
            raise SoqlError("MALFORMED_QUERY", f"unexpected token: '{token.text}', expecting a value")
        if _is_datetime_field(path) and token.kind != "datetime":
            raise SoqlError(
                "INVALID_FIELD",
                f"value of filter criterion for field '{path}' must be of type dateTime "
                "and should not be enclosed in quotes",
            )
        return token.value


def _no_such_column(name: str, sobject: str) -> SoqlError:
    return SoqlError(
        "INVALID_FIELD",
        f"No such column '{name}' on entity '{sobject}'. If you are attempting to use a custom field, "
        "be sure to append the '__c' after the custom field name. Please reference your WSDL or the "
        "describe call for the appropriate names.",
    )


def _is_datetime_field(path: str) -> bool:
    return path.rsplit(".", 1)[-1] in ("CreatedDate", "LastModifiedDate", "SystemModstamp")


def _ordered(left: Any, right: Any, test: Callable[[Any, Any], bool]) -> bool:
    if left is None or right is None:
        return False
    try:
        return test(left, right)
    except TypeError:
        return False


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<>": lambda a, b: a != b,
    "<": lambda a, b: _ordered(a, b, lambda x, y: x < y),
    "<=": lambda a, b: _ordered(a, b, lambda x, y: x <= y),
    ">": lambda a, b: _ordered(a, b, lambda x, y: x > y),
    ">=": lambda a, b: _ordered(a, b, lambda x, y: x >= y),
}


def read_path(record: Record, path: str) -> Any:
    """Read ``Field`` or ``Relationship__r.Field`` (related records are nested dicts)."""
    if "." not in path:
        return record.get(path)
    relationship, name = path.split(".", 1)
    related = record.get(relationship)
    return related.get(name) if related else None


def run(query: Query, records: Iterable[Record]) -> list[Record]:
    """Filter, sort and cut records as the query says."""
    matched = [r for r in records if query.where is None or query.where(r)]
    for path, descending, nulls_last in reversed(query.order_by):
        present = [r for r in matched if read_path(r, path) is not None]
        missing = [r for r in matched if read_path(r, path) is None]
        present.sort(key=lambda r: _sort_key(read_path(r, path)), reverse=descending)
        matched = present + missing if nulls_last else missing + present
    matched = matched[query.offset :]
    return matched if query.limit is None else matched[: query.limit]


def _sort_key(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value
