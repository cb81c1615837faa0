"""The Lucene subset of ``GET /search/{Entity}?query=``, parsed into a predicate over records.

Supported, with Lucene's classic query parser semantics:

* ``field:value``, ``field:"a phrase"``, ``field:prefix*``, ``field:(a b)``;
  dotted fields (``address.city``, ``category.id``);
* ranges ``field:[a TO b]`` (inclusive), ``field:{a TO b}`` (exclusive), mixed
  ``[a TO b}``, ``*`` for an open end. Date fields take ``yyyyMMddHHmmss`` (or
  ``yyyyMMdd``) in UTC and are indexed to the second, so ``[… TO 20261102120000]``
  includes 12:00:00.500; other fields take numbers;
* ``AND``, ``OR``, ``NOT``, ``+`` (required), ``-`` (prohibited), parentheses.
  Juxtaposed clauses are optional (the default operator is OR); a query of
  prohibited clauses only matches nothing, as in Lucene;
* booleans as ``0``/``1`` (or ``false``/``true``): ``isDeleted:0``.

Text matches word by word, case-insensitively (an e-mail address or a phrase
must appear as consecutive words). Errors raise ``LuceneError`` (a 400).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sandbox.bullhorn.schema import EntityDef, FieldPath, Kind, UnknownField, resolve_path

Predicate = Callable[[dict[str, Any]], bool]
ValueOf = Callable[[dict[str, Any], FieldPath], Any]

_TOKEN = re.compile(
    r'\s*(?:(?P<phrase>"(?:[^"\\]|\\.)*")|(?P<open>[(\[{])|(?P<close>[)\]}])|(?P<colon>:)'
    r'|(?P<sign>[+\-](?=\S))|(?P<term>(?:[^\s():"\[\]{}\\]|\\.)+))'
)
_WORDS = re.compile(r"\w+")
_MUST, _SHOULD, _MUST_NOT = "must", "should", "must_not"


class LuceneError(ValueError):
    """A search query the sandbox cannot run; the message says why."""


@dataclass
class _Clause:
    occur: str
    predicate: Predicate


def parse_lucene(text: str, entity: EntityDef, value_of: ValueOf) -> Predicate:
    """Parse ``text`` into a predicate over ``entity`` records; ``value_of`` reads a path's value."""
    parser = _Parser(_tokenize(text), entity, value_of)
    predicate = parser.boolean_query()
    if parser.position < len(parser.tokens):
        raise LuceneError(f"Cannot parse '{text}': unexpected '{parser.tokens[parser.position][1]}'")
    return predicate


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise LuceneError(f"Cannot parse query: unexpected character at position {position}")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], entity: EntityDef, value_of: ValueOf) -> None:
        self.tokens = tokens
        self.position = 0
        self.entity = entity
        self.value_of = value_of

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise LuceneError("Cannot parse query: it ends too early")
        self.position += 1
        return token

    def boolean_query(self) -> Predicate:
        """Clauses up to a closing parenthesis, combined as Lucene's classic parser does."""
        clauses: list[_Clause] = []
        conjunction = ""
        while (token := self.peek()) is not None and token[0] != "close":
            if token in (("term", "AND"), ("term", "&&")):
                self.take()
                conjunction = "AND"
                if clauses and clauses[-1].occur == _SHOULD:
                    clauses[-1].occur = _MUST
                continue
            if token in (("term", "OR"), ("term", "||")):
                self.take()
                conjunction = "OR"
                continue
            occur = _MUST if conjunction == "AND" else _SHOULD
            if token in (("term", "NOT"), ("term", "!")):
                self.take()
                occur = _MUST_NOT
            elif token[0] == "sign":
                self.take()
                occur = _MUST if token[1] == "+" else _MUST_NOT
            clauses.append(_Clause(occur, self.clause()))
            conjunction = ""
        if not clauses:
            raise LuceneError("Cannot parse query: an empty query or group")
        return _combine(clauses)

    def clause(self) -> Predicate:
        kind, text = self.take()
        if kind == "open" and text == "(":
            inner = self.boolean_query()
            self.expect_close(")")
            return inner
        if kind != "term" or self.peek() != ("colon", ":"):
            raise LuceneError(f"Cannot parse query: '{text}' needs a field (field:value)")
        self.take()
        try:
            path = resolve_path(self.entity, text.replace("\\", ""))
        except UnknownField as error:
            raise LuceneError(str(error)) from None
        if path.kind in (Kind.ADDRESS, Kind.TO_ONE, Kind.TO_MANY):
            raise LuceneError(f"'{text}' is an association: search one of its fields ({text}.id)")
        return self.field_value(path)

    def field_value(self, path: FieldPath) -> Predicate:
        kind, text = self.take()
        value_of = self.value_of
        if kind == "open" and text in "[{":
            low = self.take()[1]
            if self.take() != ("term", "TO"):
                raise LuceneError("Cannot parse query: a range is [low TO high]")
            high = self.take()[1]
            closing = self.take()
            if closing[0] != "close" or closing[1] not in "]}":
                raise LuceneError("Cannot parse query: a range ends with ] or }")
            return _range(path, value_of, low, high, text == "[", closing[1] == "]")
        if kind == "open" and text == "(":
            alternatives: list[Predicate] = []
            while (token := self.peek()) is not None and token[0] != "close":
                token = self.take()
                if token[1] in ("OR", "||"):
                    continue
                alternatives.append(_match(path, value_of, token))
            self.expect_close(")")
            return lambda record: any(alternative(record) for alternative in alternatives)
        if kind not in ("term", "phrase"):
            raise LuceneError(f"Cannot parse query: unexpected '{text}'")
        return _match(path, value_of, (kind, text))

    def expect_close(self, bracket: str) -> None:
        if self.take() != ("close", bracket):
            raise LuceneError(f"Cannot parse query: expected '{bracket}'")


def _combine(clauses: list[_Clause]) -> Predicate:
    must = [clause.predicate for clause in clauses if clause.occur == _MUST]
    should = [clause.predicate for clause in clauses if clause.occur == _SHOULD]
    must_not = [clause.predicate for clause in clauses if clause.occur == _MUST_NOT]

    def matches(record: dict[str, Any]) -> bool:
        if not must and not should:
            return False  # only prohibited clauses: Lucene matches nothing
        if not all(predicate(record) for predicate in must):
            return False
        if any(predicate(record) for predicate in must_not):
            return False
        return bool(must) or any(predicate(record) for predicate in should)

    return matches


def _match(path: FieldPath, value_of: ValueOf, token: tuple[str, str]) -> Predicate:
    """A predicate for ``field:term`` or ``field:"phrase"``."""
    kind, text = token
    text = text[1:-1] if kind == "phrase" else text
    text = re.sub(r"\\(.)", r"\1", text)
    if path.kind is Kind.TEXT:
        prefix = kind == "term" and text.endswith("*")
        words = [word.casefold() for word in _WORDS.findall(text.rstrip("*"))]
        if not words:
            raise LuceneError(f"Cannot parse query: nothing to search for in '{text}'")
        return lambda record: _has_words(value_of(record, path), words, prefix)
    wanted = _scalar(path, text)
    return lambda record: _indexed(path, value_of(record, path)) == wanted


def _range(  # noqa: PLR0917 - a range's parts, in the order they are written
    path: FieldPath, value_of: ValueOf, low: str, high: str, include_low: bool, include_high: bool
) -> Predicate:
    if path.kind is Kind.TEXT:
        raise LuceneError("Ranges over text fields are not supported by the sandbox")
    lower = None if low == "*" else _scalar(path, low)
    upper = None if high == "*" else _scalar(path, high)

    def within(record: dict[str, Any]) -> bool:
        value = _indexed(path, value_of(record, path))
        if value is None:
            return False
        if lower is not None and (value < lower or (value == lower and not include_low)):
            return False
        return upper is None or value < upper or (value == upper and include_high)

    return within


def _scalar(path: FieldPath, text: str) -> Any:
    """A term as the index holds it for the field's kind."""
    if path.kind is Kind.DATE:
        return lucene_date_ms(text)
    if path.kind is Kind.BOOL:
        if text.lower() in ("0", "false"):
            return 0
        if text.lower() in ("1", "true"):
            return 1
        raise LuceneError(f"'{'.'.join(path.parts)}' is a boolean: search it as 0 or 1")
    try:
        return float(text) if path.kind is Kind.FLOAT or "." in text else int(text)
    except ValueError:
        raise LuceneError(f"'{'.'.join(path.parts)}' is a number, not '{text}'") from None


def _indexed(path: FieldPath, value: Any) -> Any:
    """A record's value as the index holds it: booleans as 0/1, dates to the second."""
    if value is None:
        return None
    if path.kind is Kind.BOOL:
        return int(bool(value))
    if path.kind is Kind.DATE:
        return value // 1000 * 1000
    return value


def lucene_date_ms(text: str) -> int:
    """``yyyyMMddHHmmss`` or ``yyyyMMdd`` (UTC) as epoch milliseconds; ``LuceneError`` otherwise."""
    for layout in ("%Y%m%d%H%M%S", "%Y%m%d"):
        if len(text) == len(datetime(2000, 1, 1).strftime(layout)):
            try:
                moment = datetime.strptime(text, layout).replace(tzinfo=UTC)
            except ValueError:
                break
            return int(moment.timestamp()) * 1000
    raise LuceneError(f"Cannot parse date '{text}': use yyyyMMddHHmmss (UTC)")


def _has_words(value: Any, words: list[str], prefix: bool) -> bool:
    if not isinstance(value, str):
        return False
    indexed = [word.casefold() for word in _WORDS.findall(value)]
    size = len(words)
    for start in range(len(indexed) - size + 1):
        window = indexed[start : start + size]
        if window[:-1] == words[:-1] and (
            window[-1] == words[-1] or (prefix and window[-1].startswith(words[-1]))
        ):
            return True
    return False
