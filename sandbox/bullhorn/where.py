"""The JPQL ``where`` subset of ``GET /query/{Entity}``, parsed into a predicate over records.

Supported: comparisons ``= <> != < <= > >=``; ``AND``, ``OR``, ``NOT`` and
parentheses; ``IN (…)`` and ``NOT IN (…)``; ``IS NULL`` / ``IS NOT NULL``;
``LIKE`` / ``NOT LIKE`` with ``%`` and ``_``; dotted paths through to-one fields
and addresses (``candidate.id IN (1,2)``, ``address.city = 'London'``);
literals: integers and decimals (dates are epoch milliseconds), ``'strings'``
(``''`` is a quote), ``true`` / ``false``. Keywords are case-insensitive.

As in Bullhorn's SQL Server, text compares case-insensitively, and a
comparison with a null value is false (so is its ``NOT``-less opposite).
Errors (unknown fields, a string compared with a number, bad syntax) raise
``WhereError``, answered as a 400.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sandbox.bullhorn.schema import EntityDef, FieldPath, Kind, UnknownField, resolve_path

Predicate = Callable[[dict[str, Any]], bool]
ValueOf = Callable[[dict[str, Any], FieldPath], Any]

_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<number>-?\d+(?:\.\d+)?)|(?P<op><>|!=|<=|>=|=|<|>)"
    r"|(?P<punct>[(),])|(?P<word>[A-Za-z_][A-Za-z0-9_.]*))"
)
_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b,
    "<>": lambda a, b: a != b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}
_NUMERIC = (Kind.INT, Kind.FLOAT, Kind.DATE)


class WhereError(ValueError):
    """A where clause the sandbox cannot run; the message says why."""


def tokenize(text: str) -> list[tuple[str, str]]:
    """Split a where clause into (kind, text) tokens; keywords come out as upper-case ``word`` tokens."""
    tokens: list[tuple[str, str]] = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise WhereError(f"unexpected character at position {position} of the where clause")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


def parse_where(text: str, entity: EntityDef, value_of: ValueOf) -> Predicate:
    """Parse ``text`` into a predicate over ``entity`` records; ``value_of`` reads a path's value."""
    parser = _Parser(tokenize(text), entity, value_of)
    predicate = parser.expression()
    if parser.peek() is not None:
        raise WhereError(f"unexpected '{parser.peek()}' in the where clause")
    return predicate


class _Parser:
    """Recursive descent over the tokens: OR binds loosest, then AND, then NOT."""

    def __init__(self, tokens: list[tuple[str, str]], entity: EntityDef, value_of: ValueOf) -> None:
        self.tokens = tokens
        self.position = 0
        self.entity = entity
        self.value_of = value_of

    def peek(self) -> str | None:
        if self.position >= len(self.tokens):
            return None
        return self.tokens[self.position][1]

    def keyword(self, *words: str) -> bool:
        """Consume the next token if it is one of ``words`` (case-insensitive)."""
        token = self.peek()
        if token is not None and token.upper() in words and self.tokens[self.position][0] == "word":
            self.position += 1
            return True
        return False

    def take(self, expected: str | None = None) -> tuple[str, str]:
        if self.position >= len(self.tokens):
            raise WhereError("the where clause ends too early")
        token = self.tokens[self.position]
        if expected is not None and token[1] != expected:
            raise WhereError(f"expected '{expected}' but found '{token[1]}' in the where clause")
        self.position += 1
        return token

    def expression(self) -> Predicate:
        terms = [self.conjunction()]
        while self.keyword("OR"):
            terms.append(self.conjunction())
        return terms[0] if len(terms) == 1 else lambda record: any(term(record) for term in terms)

    def conjunction(self) -> Predicate:
        terms = [self.negation()]
        while self.keyword("AND"):
            terms.append(self.negation())
        return terms[0] if len(terms) == 1 else lambda record: all(term(record) for term in terms)

    def negation(self) -> Predicate:
        if self.keyword("NOT"):
            inner = self.negation()
            return lambda record: not inner(record)
        if self.peek() == "(":
            self.take("(")
            inner = self.expression()
            self.take(")")
            return inner
        return self.comparison()

    def comparison(self) -> Predicate:
        kind, name = self.take()
        if kind != "word":
            raise WhereError(f"expected a field name but found '{name}' in the where clause")
        try:
            path = resolve_path(self.entity, name)
        except UnknownField as error:
            raise WhereError(str(error)) from None
        if path.kind in (Kind.ADDRESS, Kind.TO_ONE, Kind.TO_MANY):
            raise WhereError(f"'{name}' is an association: compare one of its fields ({name}.id)")
        value_of = self.value_of
        if self.keyword("IS"):
            negated = self.keyword("NOT")
            if not self.keyword("NULL"):
                raise WhereError("expected NULL after IS")
            return lambda record: (value_of(record, path) is None) != negated
        negated = self.keyword("NOT")
        if self.keyword("IN"):
            self.take("(")
            values = [self.literal(path)]
            while self.peek() == ",":
                self.take(",")
                values.append(self.literal(path))
            self.take(")")
            return lambda record: (
                _present(value := _folded(value_of(record, path))) and ((value in values) != negated)
            )
        if self.keyword("LIKE"):
            pattern = self.literal(path)
            if path.kind is not Kind.TEXT:
                raise WhereError(f"LIKE needs a text field, not '{name}'")
            regex = re.compile(
                "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern), re.DOTALL
            )
            return lambda record: (
                _present(value := _folded(value_of(record, path)))
                and (bool(regex.fullmatch(value)) != negated)
            )
        if negated:
            raise WhereError("expected IN or LIKE after NOT")
        kind, operator = self.take()
        if kind != "op":
            raise WhereError(f"expected a comparison after '{name}' but found '{operator}'")
        literal = self.literal(path)
        compare = _COMPARISONS[operator]
        return lambda record: _present(value := _folded(value_of(record, path))) and compare(value, literal)

    def literal(self, path: FieldPath) -> Any:
        """The next literal, checked against the kind of field it is compared with."""
        kind, text = self.take()
        if kind == "string":
            if path.kind is not Kind.TEXT:
                raise WhereError(f"'{'.'.join(path.parts)}' is not text: compare it with a number or boolean")
            return text[1:-1].replace("''", "'").casefold()
        if kind == "number":
            if path.kind is Kind.TEXT:
                raise WhereError(f"'{'.'.join(path.parts)}' is text: quote the value")
            if path.kind is Kind.BOOL and text in ("0", "1"):
                return text == "1"
            if path.kind is Kind.BOOL:
                raise WhereError(f"'{'.'.join(path.parts)}' is a boolean: use true or false")
            return float(text) if "." in text else int(text)
        if kind == "word" and text.lower() in ("true", "false"):
            if path.kind is not Kind.BOOL:
                raise WhereError(f"'{'.'.join(path.parts)}' is not a boolean")
            return text.lower() == "true"
        raise WhereError(f"expected a value but found '{text}' in the where clause")


def _present(value: Any) -> bool:
    return value is not None


def _folded(value: Any) -> Any:
    """Text compares case-insensitively, as under SQL Server's default collation."""
    return value.casefold() if isinstance(value, str) else value
