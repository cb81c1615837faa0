"""The SOQL subset the sandbox answers: a tokenizer, a recursive-descent parser and an evaluator.

Grammar (keywords in any case)::

    query      := SELECT fields FROM name [WHERE condition]
                  [ORDER BY order (, order)*] [LIMIT n] [OFFSET n]
    fields     := COUNT() | path (, path)*
    path       := Field | Relationship__r.Field          (one level of relationship)
    condition  := unary ((AND unary)* | (OR unary)*)     (AND and OR need parentheses to mix)
    unary      := NOT unary | ( condition ) | predicate
    predicate  := path op literal | path [NOT] IN ( literal, ... ) | path LIKE 'pattern'
    op         := = | != | <> | < | <= | > | >=
    literal    := null | true | false | number | 'string' | 2026-11-01 | 2026-11-01T10:00:00Z
    order      := path [ASC | DESC] [NULLS FIRST | NULLS LAST]

As in Salesforce: text comparisons and LIKE are case-insensitive; ``!=`` and
``NOT IN`` match null values; ids match in their 15- or 18-character form;
a literal of the wrong type for its field, a long text area in WHERE and an
OFFSET over 2,000 are errors. Date functions, date literals such as
``TODAY``, GROUP BY and sub-queries are not part of the subset and are
refused as malformed.

Errors are ``SoqlError`` with Salesforce's ``errorCode``; ``message(soql)``
renders them the way Salesforce does, with a caret under the problem.
"""

from __future__ import annotations

import functools
import operator
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from sandbox.salesforce.ids import to_18
from sandbox.salesforce.schema import FieldDef, FieldType, Schema, SObjectDef

Record = Mapping[str, Any]
Getter = Callable[[Record], Any]
Predicate = Callable[[Record], bool]

MAX_OFFSET = 2000

_RESERVED = frozenset(
    {
        "AND", "ASC", "BY", "DESC", "EXCLUDES", "FALSE", "FIRST", "FOR", "FROM", "GROUP", "HAVING", "IN",
        "INCLUDES", "LAST", "LIKE", "LIMIT", "NOT", "NULL", "NULLS", "OFFSET", "OR", "ORDER", "SELECT",
        "TRUE", "USING", "WHERE", "WITH",
    }
)  # fmt: skip
_ESCAPES = {"'": "'", '"': '"', "\\": "\\", "n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f"}
_LIKE_ESCAPES = frozenset("%_")
_TOKEN = re.compile(
    r"""
      (?P<space>\s+)
    | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:\d{2}))
    | (?P<baddatetime>\d{4}-\d{2}-\d{2}T[0-9:.+\-Z]*)
    | (?P<date>\d{4}-\d{2}-\d{2})
    | (?P<number>[+-]?(?:\d+(?:\.\d+)?|\.\d+))
    | (?P<ident>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
    | (?P<op>!=|<>|<=|>=|=|<|>)
    | (?P<punct>[(),])
    | (?P<quote>')
    """,
    re.VERBOSE,
)
# Letters NFKD does not split into a base letter and an accent.
_COLLATION_FOLDS = str.maketrans({"Ł": "L", "ł": "l", "Ø": "O", "ø": "o", "Đ": "D", "đ": "d", "ß": "ss"})
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


class SoqlError(Exception):
    """A query Salesforce would refuse: its ``errorCode`` and what is wrong, at an offset in the query."""

    def __init__(self, error_code: str, problem: str, offset: int | None = None) -> None:
        super().__init__(problem)
        self.error_code = error_code
        self.problem = problem
        self.offset = offset

    def message(self, soql: str) -> str:
        """Render the error as Salesforce does: the query line, a caret, the row and column, the problem."""
        if self.offset is None:
            return self.problem
        row = soql.count("\n", 0, self.offset) + 1
        line_start = soql.rfind("\n", 0, self.offset) + 1
        line_end = soql.find("\n", self.offset)
        line = soql[line_start : line_end if line_end >= 0 else len(soql)]
        column = self.offset - line_start + 1
        return f"\n{line}\n{' ' * (column - 1)}^\nERROR at Row:{row}:Column:{column}\n{self.problem}"


# ---- tokens and syntax tree -------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    """One lexical token: its kind, source text, parsed value and offset in the query."""

    kind: str  # ident, string, number, datetime, date, op, punct, eof
    text: str
    value: Any
    offset: int

    def is_keyword(self, *words: str) -> bool:
        """Whether the token is one of the given keywords (case-insensitive)."""
        return self.kind == "ident" and self.text.upper() in words


@dataclass(frozen=True)
class FieldPath:
    """A field as written in the query: ``Name`` or ``TR1__Account__r.Name``."""

    parts: tuple[str, ...]
    offset: int

    @property
    def text(self) -> str:
        """The path as written."""
        return ".".join(self.parts)


@dataclass(frozen=True)
class Literal:
    """A literal value: kind is null, boolean, number, string, datetime or date."""

    kind: str
    value: Any
    offset: int
    raw: str = ""  # a string's text between the quotes, escapes included (LIKE needs them)


@dataclass(frozen=True)
class Comparison:
    """``path op literal``."""

    path: FieldPath
    op: str
    literal: Literal


@dataclass(frozen=True)
class InList:
    """``path [NOT] IN (literals)``."""

    path: FieldPath
    literals: tuple[Literal, ...]
    negated: bool


@dataclass(frozen=True)
class Like:
    """``path LIKE 'pattern'``."""

    path: FieldPath
    pattern: Literal


@dataclass(frozen=True)
class BoolOp:
    """Operands joined by AND or OR."""

    op: str
    operands: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    """``NOT condition``."""

    operand: Condition


Condition = Comparison | InList | Like | BoolOp | Not


@dataclass(frozen=True)
class OrderItem:
    """One ORDER BY item; ``nulls_first`` None means the default (first when ascending)."""

    path: FieldPath
    descending: bool
    nulls_first: bool | None


@dataclass(frozen=True)
class Query:
    """A parsed query; ``fields`` is empty for ``SELECT COUNT()``."""

    fields: tuple[FieldPath, ...]
    count_only: bool
    sobject: str
    sobject_offset: int
    where: Condition | None
    order_by: tuple[OrderItem, ...]
    limit: int | None
    offset: int | None
    offset_position: int = 0


# ---- tokenizer ----------------------------------------------------------------------------------


def tokenize(soql: str) -> list[Token]:
    """Split a query into tokens, ending with an ``eof`` token."""
    tokens: list[Token] = []
    position = 0
    while position < len(soql):
        match = _TOKEN.match(soql, position)
        if match is None:
            problem = f"no viable alternative at character '{soql[position]}'"
            raise SoqlError("MALFORMED_QUERY", problem, position)
        kind = match.lastgroup or ""
        text = match.group()
        if kind == "quote":
            value, raw, end = _scan_string(soql, position)
            tokens.append(Token("string", soql[position:end], (value, raw), position))
            position = end
            continue
        if kind != "space":
            tokens.append(Token(kind, text, _token_value(kind, text, position), position))
        position = match.end()
    tokens.append(Token("eof", "<EOF>", None, len(soql)))
    return tokens


def _token_value(kind: str, text: str, offset: int) -> Any:
    """Parse a number or date/time token's value."""
    try:
        if kind == "number":
            return float(text) if "." in text else int(text)
        if kind == "datetime":
            return datetime.fromisoformat(text)
        if kind == "date":
            return date.fromisoformat(text)
    except ValueError:
        raise SoqlError("MALFORMED_QUERY", f"invalid date or time: {text}", offset) from None
    if kind == "baddatetime":
        raise SoqlError(
            "MALFORMED_QUERY",
            f"invalid datetime literal: {text} (expected YYYY-MM-DDThh:mm:ss[.sss] then Z or +hh:mm)",
            offset,
        )
    return None


def _scan_string(soql: str, start: int) -> tuple[str, str, int]:
    """Read the quoted string at ``start``: its value, its raw text and the offset after it."""
    chars: list[str] = []
    position = start + 1
    while position < len(soql):
        char = soql[position]
        if char == "'":
            return "".join(chars), soql[start + 1 : position], position + 1
        if char == "\\":
            escaped = soql[position + 1 : position + 2]
            if escaped in _ESCAPES:
                chars.append(_ESCAPES[escaped])
            elif escaped in _LIKE_ESCAPES:
                chars.append(escaped)
            else:
                sequence = "\\" + escaped
                raise SoqlError(
                    "MALFORMED_QUERY",
                    f"Invalid string literal '{soql[start + 1 : position + 2]}'. "
                    f"Illegal character sequence '{sequence}' in string literal.",
                    position,
                )
            position += 2
            continue
        chars.append(char)
        position += 1
    raise SoqlError("MALFORMED_QUERY", "mismatched character '<EOF>' expecting '''", len(soql))


# ---- parser -------------------------------------------------------------------------------------


def parse(soql: str) -> Query:
    """Parse a query (SoqlError with MALFORMED_QUERY when it is not in the subset)."""
    return _Parser(tokenize(soql)).query()


class _Parser:
    """Recursive descent over the token list, one method per grammar rule."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.index = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        if token.kind != "eof":
            self.index += 1
        return token

    def accept_keyword(self, *words: str) -> Token | None:
        if self.current.is_keyword(*words):
            return self.advance()
        return None

    def expect_keyword(self, word: str) -> Token:
        token = self.accept_keyword(word)
        if token is None:
            raise self.unexpected()
        return token

    def accept_punct(self, char: str) -> bool:
        if self.current.kind == "punct" and self.current.text == char:
            self.advance()
            return True
        return False

    def expect_punct(self, char: str) -> None:
        if not self.accept_punct(char):
            raise self.unexpected()

    def unexpected(self) -> SoqlError:
        token = self.current
        return SoqlError("MALFORMED_QUERY", f"unexpected token: {token.text}", token.offset)

    def query(self) -> Query:
        self.expect_keyword("SELECT")
        fields: tuple[FieldPath, ...] = ()
        count_only = False
        if self.current.is_keyword("COUNT") and self.tokens[self.index + 1].text == "(":
            self.advance()
            self.expect_punct("(")
            self.expect_punct(")")
            count_only = True
        else:
            paths = [self.path()]
            while self.accept_punct(","):
                paths.append(self.path())
            fields = tuple(paths)
        self.expect_keyword("FROM")
        sobject = self.current
        if sobject.kind != "ident" or "." in sobject.text or sobject.text.upper() in _RESERVED:
            raise self.unexpected()
        self.advance()
        where = self.condition() if self.accept_keyword("WHERE") else None
        order_by: tuple[OrderItem, ...] = ()
        if self.accept_keyword("ORDER"):
            self.expect_keyword("BY")
            items = [self.order_item()]
            while self.accept_punct(","):
                items.append(self.order_item())
            order_by = tuple(items)
        limit = self.count_clause("LIMIT")
        offset_position = self.current.offset
        offset = self.count_clause("OFFSET")
        if self.current.kind != "eof":
            raise self.unexpected()
        return Query(
            fields, count_only, sobject.text, sobject.offset, where, order_by, limit, offset, offset_position
        )

    def count_clause(self, keyword: str) -> int | None:
        if not self.accept_keyword(keyword):
            return None
        token = self.current
        if token.kind != "number" or not isinstance(token.value, int) or token.value < 0:
            raise self.unexpected()
        self.advance()
        return token.value

    def path(self) -> FieldPath:
        token = self.current
        if token.kind != "ident" or token.text.upper() in _RESERVED:
            raise self.unexpected()
        self.advance()
        return FieldPath(tuple(token.text.split(".")), token.offset)

    def order_item(self) -> OrderItem:
        path = self.path()
        direction = self.accept_keyword("ASC", "DESC")
        descending = direction is not None and direction.text.upper() == "DESC"
        nulls_first: bool | None = None
        if self.accept_keyword("NULLS"):
            which = self.accept_keyword("FIRST", "LAST")
            if which is None:
                raise self.unexpected()
            nulls_first = which.text.upper() == "FIRST"
        return OrderItem(path, descending, nulls_first)

    def condition(self) -> Condition:
        first = self.unary()
        joiner = self.accept_keyword("AND", "OR")
        if joiner is None:
            return first
        op = joiner.text.upper()
        operands = [first, self.unary()]
        while self.accept_keyword(op):
            operands.append(self.unary())
        if self.current.is_keyword("AND", "OR"):
            # SOQL needs parentheses to mix AND and OR.
            raise self.unexpected()
        return BoolOp(op, tuple(operands))

    def unary(self) -> Condition:
        if self.accept_keyword("NOT"):
            return Not(self.unary())
        if self.accept_punct("("):
            inner = self.condition()
            self.expect_punct(")")
            return inner
        return self.predicate()

    def predicate(self) -> Condition:
        path = self.path()
        if self.accept_keyword("NOT"):
            self.expect_keyword("IN")
            return InList(path, self.literal_list(), negated=True)
        if self.accept_keyword("IN"):
            return InList(path, self.literal_list(), negated=False)
        if self.accept_keyword("LIKE"):
            return Like(path, self.literal())
        if self.current.kind == "op":
            op = self.advance().text
            return Comparison(path, "!=" if op == "<>" else op, self.literal())
        raise self.unexpected()

    def literal_list(self) -> tuple[Literal, ...]:
        self.expect_punct("(")
        if self.current.is_keyword("SELECT"):
            raise SoqlError(
                "MALFORMED_QUERY", "semi-join sub-selects are not supported here", self.current.offset
            )
        literals = [self.literal()]
        while self.accept_punct(","):
            literals.append(self.literal())
        self.expect_punct(")")
        return tuple(literals)

    def literal(self) -> Literal:
        token = self.current
        if token.kind == "string":
            self.advance()
            value, raw = token.value
            return Literal("string", value, token.offset, raw)
        if token.kind in ("number", "datetime", "date"):
            self.advance()
            return Literal(token.kind, token.value, token.offset)
        if token.is_keyword("NULL"):
            self.advance()
            return Literal("null", None, token.offset)
        if token.is_keyword("TRUE", "FALSE"):
            self.advance()
            return Literal("boolean", token.text.upper() == "TRUE", token.offset)
        raise self.unexpected()


# ---- evaluation ---------------------------------------------------------------------------------


class DataSource(Protocol):
    """Where a plan reads records from (the org)."""

    def rows(self, sobject: str) -> Iterable[Record]:
        """Every record of an object, deleted ones included, in a stable order."""
        ...

    def related(self, sobject: str, record_id: str) -> Record | None:
        """The record with this id, or None."""
        ...

    def deferred(self, sobject: str, record: Record, field: str) -> Any:
        """The value of a field computed on demand (a file's size)."""
        ...


@dataclass(frozen=True)
class Column:
    """A selected field: ``field`` of the queried object, or ``related`` reached through ``field``."""

    field: FieldDef
    related: FieldDef | None = None
    related_sobject: SObjectDef | None = None

    @property
    def leaf(self) -> FieldDef:
        """The field whose value is read."""
        return self.related or self.field


@dataclass(frozen=True)
class Blob:
    """A base64 (file) field: queries return its URL, not its bytes."""

    sobject: str
    record_id: str
    field: str


@dataclass
class RelatedRecord:
    """A record reached through a relationship, with the fields selected from it."""

    sobject: str
    record_id: str
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class _Selection:
    """How to fill one key of a projected record."""

    name: str
    getter: Getter | None = None
    reference: str = ""
    related_sobject: str = ""
    related: tuple[tuple[str, Getter], ...] = ()


class Plan:
    """A query checked against the schema and compiled into Python callables over records."""

    def __init__(self, query: Query, schema: Schema, source: DataSource) -> None:
        sobject = schema.sobject(query.sobject)
        if sobject is None:
            raise SoqlError(
                "INVALID_TYPE",
                f"sObject type '{query.sobject}' is not supported. If you are attempting to use a custom "
                "object, be sure to append the '__c' after the entity name. Please reference your WSDL or "
                "the describe call for the appropriate names.",
                query.sobject_offset,
            )
        if query.offset is not None and query.offset > MAX_OFFSET:
            raise SoqlError(
                "NUMBER_OUTSIDE_VALID_RANGE",
                f"Maximum SOQL offset allowed is {MAX_OFFSET}",
                query.offset_position,
            )
        self.schema = schema
        self.source = source
        self.sobject = sobject
        self.count_only = query.count_only
        self.limit = query.limit
        self.offset = query.offset or 0
        self.columns = tuple(self._resolve(path) for path in query.fields)
        self._selections = self._selections_for(query.fields)
        self._predicate = self._condition(query.where) if query.where is not None else None
        self._order = tuple(self._order_key(item) for item in query.order_by)

    # -- running

    def run(self, *, include_deleted: bool = False) -> list[Record]:
        """Return the matching records, ordered, after OFFSET and LIMIT."""
        predicate = self._predicate
        rows = self.source.rows(self.sobject.name)
        if include_deleted:
            matched = [row for row in rows if predicate is None or predicate(row)]
        else:
            matched = [row for row in rows if not row["IsDeleted"] and (predicate is None or predicate(row))]
        # Stable sorts from the last key to the first give a multi-key order with per-key directions.
        for key, descending in reversed(self._order):
            matched.sort(key=key, reverse=descending)
        end = None if self.limit is None else self.offset + self.limit
        return matched[self.offset : end]

    def project(self, record: Record) -> dict[str, Any]:
        """Return the selected fields of a record, in SELECT order, relationships as ``RelatedRecord``."""
        projected: dict[str, Any] = {}
        for selection in self._selections:
            if selection.getter is not None:
                projected[selection.name] = selection.getter(record)
                continue
            reference = record.get(selection.reference)
            parent = self.source.related(selection.related_sobject, reference) if reference else None
            if parent is None:
                projected[selection.name] = None
                continue
            fields = {name: getter(parent) for name, getter in selection.related}
            projected[selection.name] = RelatedRecord(selection.related_sobject, parent["Id"], fields)
        return projected

    # -- compiling

    def _resolve(self, path: FieldPath) -> Column:
        parts = path.parts
        if len(parts) > 1 and parts[0].lower() == self.sobject.name.lower():
            parts = parts[1:]  # SOQL allows the object's own name as a prefix
        if len(parts) == 1:
            found = self.sobject.field(parts[0])
            if found is None:
                raise _no_such_column(parts[0], self.sobject.name, path.offset)
            return Column(found)
        reference = self.sobject.relationship(parts[0])
        if reference is None or len(parts) > 2 or reference.reference_to is None:
            unknown = parts[0] if reference is None else parts[1]
            raise SoqlError(
                "INVALID_FIELD",
                f"Didn't understand relationship '{unknown}' in field path. If you are attempting to use a "
                "custom relationship, be sure to append the '__r' after the custom relationship name. "
                "Please reference your WSDL or the describe call for the appropriate names.",
                path.offset,
            )
        target = self.schema.sobject(reference.reference_to)
        assert target is not None, f"schema names unknown object {reference.reference_to}"
        related = target.field(parts[1])
        if related is None:
            raise _no_such_column(parts[1], target.name, path.offset)
        return Column(reference, related, target)

    def _field_getter(self, sobject: str, definition: FieldDef) -> Getter:
        name = definition.name
        if definition.type is FieldType.BASE64:
            return lambda record: Blob(sobject, record["Id"], name)
        if definition.deferred:
            source = self.source

            def deferred(record: Record) -> Any:
                value = record.get(name)
                return source.deferred(sobject, record, name) if value is None else value

            return deferred
        return operator.methodcaller("get", name)

    def _getter(self, column: Column) -> Getter:
        if column.related is None or column.related_sobject is None:
            return self._field_getter(self.sobject.name, column.field)
        inner = self._field_getter(column.related_sobject.name, column.related)
        reference = column.field.name
        target = column.related_sobject.name
        source = self.source

        def through_relationship(record: Record) -> Any:
            parent_id = record.get(reference)
            parent = source.related(target, parent_id) if parent_id else None
            return None if parent is None else inner(parent)

        return through_relationship

    def _selections_for(self, paths: tuple[FieldPath, ...]) -> tuple[_Selection, ...]:
        plain: dict[str, _Selection] = {}
        related: dict[str, list[tuple[str, Getter]]] = {}
        order: list[str] = []
        seen: set[str] = set()
        for path, column in zip(paths, self.columns, strict=True):
            key = f"{column.field.name}.{column.related.name}" if column.related else column.field.name
            if key.lower() in seen:
                raise SoqlError("MALFORMED_QUERY", f"duplicate field selected: {path.text}", path.offset)
            seen.add(key.lower())
            if column.related is None or column.related_sobject is None:
                plain[column.field.name] = _Selection(column.field.name, self._getter(column))
                order.append(column.field.name)
                continue
            name = column.field.relationship_name or column.field.name
            if name not in related:
                related[name] = []
                order.append(name)
            getter = self._field_getter(column.related_sobject.name, column.related)
            related[name].append((column.related.name, getter))
        selections = []
        for name in order:
            if name in plain:
                selections.append(plain[name])
                continue
            reference = self.sobject.relationship(name)
            assert reference is not None
            assert reference.reference_to is not None
            selections.append(
                _Selection(name, None, reference.name, reference.reference_to, tuple(related[name]))
            )
        return tuple(selections)

    def _filterable(self, path: FieldPath) -> tuple[Column, Getter]:
        column = self._resolve(path)
        if not column.leaf.filterable:
            raise SoqlError(
                "INVALID_FIELD",
                f"field '{column.leaf.name}' can not be filtered in a query call",
                path.offset,
            )
        return column, self._getter(column)

    def _condition(self, node: Condition) -> Predicate:
        if isinstance(node, BoolOp):
            operands = tuple(self._condition(operand) for operand in node.operands)
            return _all_of(operands) if node.op == "AND" else _any_of(operands)
        if isinstance(node, Not):
            inner = self._condition(node.operand)
            return lambda record: not inner(record)
        if isinstance(node, Comparison):
            return self._comparison(node)
        if isinstance(node, InList):
            return self._in_list(node)
        return self._like(node)

    def _comparison(self, node: Comparison) -> Predicate:
        column, get = self._filterable(node.path)
        leaf = column.leaf
        op = node.op
        if node.literal.kind == "null":
            if op == "=":
                return lambda record: get(record) is None
            if op == "!=":
                return lambda record: get(record) is not None
            raise SoqlError(
                "INVALID_QUERY_FILTER_OPERATOR", f"invalid operator on null value: {op}", node.literal.offset
            )
        if leaf.type is FieldType.BOOLEAN and op not in ("=", "!="):
            problem = "invalid operator on boolean field"
            raise SoqlError("INVALID_QUERY_FILTER_OPERATOR", problem, node.path.offset)
        normalise, value = _coerce(leaf, node.literal)
        if op == "!=":
            if normalise is None:
                return lambda record: (found := get(record)) is None or found != value
            return lambda record: (found := get(record)) is None or normalise(found) != value
        compare = _COMPARE[op]
        if normalise is None:
            return lambda record: (found := get(record)) is not None and compare(found, value)
        return lambda record: (found := get(record)) is not None and compare(normalise(found), value)

    def _in_list(self, node: InList) -> Predicate:
        column, get = self._filterable(node.path)
        with_null = any(literal.kind == "null" for literal in node.literals)
        normalise: Callable[[Any], Any] | None = None
        values = set()
        for literal in node.literals:
            if literal.kind != "null":
                normalise, value = _coerce(column.leaf, literal)
                values.add(value)
        convert = normalise or (lambda value: value)
        frozen = frozenset(values)

        def contains(record: Record) -> bool:
            found = get(record)
            return with_null if found is None else convert(found) in frozen

        if node.negated:
            return lambda record: not contains(record)
        return contains

    def _like(self, node: Like) -> Predicate:
        column, get = self._filterable(node.path)
        if not column.leaf.type.is_text:
            raise SoqlError(
                "INVALID_QUERY_FILTER_OPERATOR",
                f"invalid operator on {column.leaf.type.soql_name} field",
                node.path.offset,
            )
        if node.pattern.kind != "string":
            raise SoqlError("MALFORMED_QUERY", "LIKE needs a quoted pattern", node.pattern.offset)
        regex = _like_regex(node.pattern.raw)
        return lambda record: (found := get(record)) is not None and regex.fullmatch(found) is not None

    def _order_key(self, item: OrderItem) -> tuple[Callable[[Record], tuple[Any, ...]], bool]:
        column = self._resolve(item.path)
        if not column.leaf.sortable:
            problem = f"field '{column.leaf.name}' can not be sorted in a query call"
            raise SoqlError("INVALID_FIELD", problem, item.path.offset)
        get = self._getter(column)
        collate = column.leaf.type.is_text
        nulls_first = not item.descending if item.nulls_first is None else item.nulls_first
        # Sorting in reverse flips where nulls land, so their key depends on both.
        null_key = (0,) if nulls_first != item.descending else (2,)

        def key(record: Record) -> tuple[Any, ...]:
            value = get(record)
            if value is None:
                return null_key
            return (1, _collation_key(value) if collate else value)

        return key, item.descending


def prepare(soql: str, schema: Schema, source: DataSource) -> Plan:
    """Parse a query and compile it against the schema (SoqlError when Salesforce would refuse it)."""
    return Plan(parse(soql), schema, source)


def _all_of(predicates: tuple[Predicate, ...]) -> Predicate:
    def conjunction(record: Record) -> bool:
        return all(predicate(record) for predicate in predicates)

    if len(predicates) == 2:
        first, second = predicates
        return lambda record: first(record) and second(record)
    return conjunction


def _any_of(predicates: tuple[Predicate, ...]) -> Predicate:
    return lambda record: any(predicate(record) for predicate in predicates)


def _no_such_column(name: str, sobject: str, offset: int) -> SoqlError:
    return SoqlError(
        "INVALID_FIELD",
        f"No such column '{name}' on entity '{sobject}'. If you are attempting to use a custom field, "
        "be sure to append the '__c' after the custom field name. Please reference your WSDL or the "
        "describe call for the appropriate names.",
        offset,
    )


def _coerce(definition: FieldDef, literal: Literal) -> tuple[Callable[[Any], Any] | None, Any]:
    """Check a literal against its field's type; return how to normalise values, and the literal's value."""
    kind = definition.type
    if kind.is_text and literal.kind == "string":
        return str.casefold, literal.value.casefold()
    if kind.is_id and literal.kind == "string":
        try:
            return str.lower, to_18(literal.value).lower()
        except ValueError:
            raise SoqlError(
                "INVALID_QUERY_FILTER_OPERATOR", f"invalid ID field: {literal.value}", literal.offset
            ) from None
    expected = {
        FieldType.BOOLEAN: "boolean",
        FieldType.DOUBLE: "number",
        FieldType.INT: "number",
        FieldType.DATETIME: "datetime",
        FieldType.DATE: "date",
    }.get(kind)
    if expected is not None and literal.kind == expected:
        return None, literal.value
    quoted = kind.is_text or kind.is_id
    quotes = "should be enclosed in quotes" if quoted else "should not be enclosed in quotes"
    problem = f"value of filter criterion for field '{definition.name}' must be of type {kind.soql_name}"
    raise SoqlError("INVALID_FIELD", f"{problem} and {quotes}", literal.offset)


@functools.lru_cache(maxsize=65536)
def _collation_key(text: str) -> tuple[str, str]:
    """Sort text as Salesforce's collation does, near enough: accents and case after the base letter."""
    base = unicodedata.normalize("NFKD", text.translate(_COLLATION_FOLDS).casefold())
    return "".join(char for char in base if not unicodedata.combining(char)), text.casefold()


def _like_regex(raw: str) -> re.Pattern[str]:
    """Turn a LIKE pattern (``%`` any run, ``_`` one character, ``\\%``/``\\_`` literal) into a regex."""
    parts: list[str] = []
    position = 0
    while position < len(raw):
        char = raw[position]
        if char == "\\" and position + 1 < len(raw):
            escaped = raw[position + 1]
            parts.append(re.escape(_ESCAPES.get(escaped, escaped)))
            position += 2
            continue
        parts.append(".*" if char == "%" else "." if char == "_" else re.escape(char))
        position += 1
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)
