"""Query injection: SOQL, JPQL and Lucene are built from datetimes, checked ids and code only.

Property tests over seeded random inputs (deterministic, so a failure reproduces):
hostile ids are refused before they reach a query, any aware datetime becomes a
plain literal, and the only filters are constants written in the mapping modules.
"""

from __future__ import annotations

import ast
import random
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from include.bullhorn.queries import candidate_query, candidate_rows_where, id_list, job_order_where
from include.mappings import RelatedChange
from include.talent_rover.soql import (
    is_salesforce_id,
    quoted_ids,
    records_by_id_query,
    resume_documents_query,
    window_query,
)
from include.window import Window

PROJECT = Path(__file__).resolve().parents[2]
CASES = 400
# What an attacker would put in a record's id or a Param to break out of a literal.
HOSTILE_PIECES = (
    "'",
    '"',
    "\\",
    "\\'",
    " OR ",
    " or 1=1",
    "--",
    "/*",
    "*/",
    ";",
    "%",
    "_",
    ")",
    "(",
    ",",
    "\n",
    "\r",
    "\t",
    "\x00",
    " ",
    "’",
    "ʼ",
    "＇",
    "\u202e",
    "é",
    "Ａ",
    "𝟘",
    "ı",
    "*",
    ":",
    "[",
    "]",
    "TO",
    "AND",
    "NOT",
    "\\u0027",
    "%27",
    "&&",
    "||",
    "!",
    "~",
    "^",
    "{",
    "}",
)
SALESFORCE_ID_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def _hostile_ids(seed: int) -> list[str]:
    """Strings shaped like ids (15 or 18 characters, or a valid id with something added) but hostile."""
    rng = random.Random(seed)
    ids = []
    for _ in range(CASES):
        valid = "".join(rng.choices(SALESFORCE_ID_CHARS, k=rng.choice((15, 18))))
        piece = rng.choice(HOSTILE_PIECES)
        at = rng.randrange(len(valid) + 1)
        spliced = valid[:at] + piece + valid[at:]
        # Same length as an id, with a hostile character in place of one of its own.
        replaced = (valid[:at] + piece + valid[at + len(piece) :])[: len(valid)]
        ids.extend((spliced, replaced))
    return [candidate for candidate in ids if not re.fullmatch(r"[A-Za-z0-9]{15}|[A-Za-z0-9]{18}", candidate)]


def _aware_datetimes(seed: int) -> list[datetime]:
    """Random aware datetimes from year 1000 to 9998, in random UTC offsets, with microseconds.

    Years before 1000 are left out: ``soql_datetime`` writes them unpadded (``strftime``),
    a malformed literal though not an injectable one.
    """
    rng = random.Random(seed)
    moments = []
    for _ in range(CASES):
        offset = timezone(timedelta(minutes=rng.randrange(-14 * 60, 14 * 60 + 1)))
        seconds = rng.uniform(0, (datetime(9998, 1, 1) - datetime(1000, 1, 2)).total_seconds())
        moments.append((datetime(1000, 1, 2, tzinfo=UTC) + timedelta(seconds=seconds)).astimezone(offset))
    return moments


def test_every_hostile_salesforce_id_is_refused_by_every_query_builder() -> None:
    hostile = _hostile_ids(seed=1)
    assert len(hostile) > CASES  # the generator made real cases, not only valid ids
    valid = "003000000000001AAA"
    for record_id in hostile:
        assert not is_salesforce_id(record_id)
        for build in (
            quoted_ids,
            lambda ids: records_by_id_query("Contact", ["Id"], ids, "TR1__Candidate_Status__c != null"),
            resume_documents_query,
        ):
            with pytest.raises(ValueError, match="not a Salesforce id"):
                build([valid, record_id])


def test_valid_salesforce_ids_are_quoted_verbatim_and_nothing_else() -> None:
    rng = random.Random(2)
    ids = ["".join(rng.choices(SALESFORCE_ID_CHARS, k=rng.choice((15, 18)))) for _ in range(50)]
    soql = records_by_id_query("Contact", ["Id", "Email"], ids)
    assert soql == f"SELECT Id, Email FROM Contact WHERE Id IN ({', '.join(repr(i) for i in ids)})"
    assert soql.count("'") == 2 * len(ids)


def test_soql_windows_are_plain_utc_literals_for_any_aware_datetime() -> None:
    literal = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z"
    shape = re.compile(
        rf"SELECT Id FROM Contact WHERE \(TR1__Candidate_Status__c != null\) "
        rf"AND SystemModstamp >= {literal} AND SystemModstamp < {literal} ORDER BY SystemModstamp ASC, Id ASC"
    )
    moments = _aware_datetimes(seed=3)
    for start, width in zip(moments, moments[1:] + moments[:1], strict=True):
        window = Window(start, start + timedelta(seconds=1 + width.microsecond))
        assert shape.fullmatch(window_query("Contact", ["Id"], window, "TR1__Candidate_Status__c != null"))


def test_bullhorn_windows_are_plain_numbers_and_stamps_for_any_aware_datetime() -> None:
    jpql = re.compile(r"dateLastModified >= -?\d+ AND dateLastModified < -?\d+")
    lucene = re.compile(r"dateLastModified:\[\d{14} TO \d{14}\]")
    for start in _aware_datetimes(seed=4):
        window = Window(start, start + timedelta(minutes=61, microseconds=start.microsecond))
        assert jpql.fullmatch(job_order_where(window))
        assert lucene.fullmatch(candidate_query(window))


def test_windows_take_datetimes_only_never_text() -> None:
    for text in ("2026-11-02T09:00:00Z' OR Id != null OR '", "20261102000000 TO *] OR id:[* TO *"):
        with pytest.raises((TypeError, AttributeError, ValueError)):
            window_query("Contact", ["Id"], Window(text, datetime.now(UTC)))  # type: ignore[arg-type]
        with pytest.raises((TypeError, AttributeError, ValueError)):
            candidate_query(Window(text, datetime.now(UTC)))  # type: ignore[arg-type]


def _hostile_bullhorn_ids(seed: int) -> list[Any]:
    rng = random.Random(seed)
    values: list[Any] = [True, False, 0, -1, 1.5, float("nan"), None, b"1", [1], "1", "1) OR (1=1"]
    for _ in range(CASES):
        number = str(rng.randrange(1, 10**9))
        piece = rng.choice(HOSTILE_PIECES)
        at = rng.randrange(len(number) + 1)
        values.append(number[:at] + piece + number[at:])
        values.append(number)  # a string, even of digits, is not an id: only ints are
    return values


def test_every_non_integer_bullhorn_id_is_refused() -> None:
    for value in _hostile_bullhorn_ids(seed=5):
        with pytest.raises(ValueError, match="not a Bullhorn id"):
            id_list([1, value])
        with pytest.raises(ValueError, match="not a Bullhorn id"):
            candidate_rows_where([1, value])


def test_integer_bullhorn_ids_become_a_plain_in_list() -> None:
    ids = random.Random(6).sample(range(1, 10**12), 300)
    where = candidate_rows_where(ids)
    assert re.fullmatch(r"candidate\.id IN \(\d+(, \d+)*\) AND isDeleted = false", where)
    assert [int(number) for number in re.findall(r"\d+", where)] == ids


def _module_constants(path: Path) -> dict[str, ast.expr]:
    """The values assigned to module-level names in a mapping module, as written."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assigned: dict[str, ast.expr] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            assigned[node.targets[0].id] = node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
            assigned[node.target.id] = node.value
    return assigned


MAPPING_MODULES = sorted((PROJECT / "include" / "mappings").glob("*/*.py"))


@pytest.mark.parametrize("path", MAPPING_MODULES, ids=lambda path: f"{path.parent.name}/{path.stem}")
def test_mapping_filters_are_constants_written_in_the_code(path: Path) -> None:
    constants = _module_constants(path)
    if "FILTER" in constants:
        value = constants["FILTER"]
        assert isinstance(value, ast.Constant)
        assert value.value is None or isinstance(value.value, str)
    for related in ast.walk(constants.get("RELATED_CHANGES", ast.Tuple(elts=[]))):
        if isinstance(related, ast.Call) and getattr(related.func, "id", "") == RelatedChange.__name__:
            assert all(isinstance(argument, ast.Constant) for argument in related.args)
            assert all(isinstance(keyword.value, ast.Constant) for keyword in related.keywords)
