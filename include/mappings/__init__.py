"""Field tables: how an ATS record becomes a Recruit AI record.

A mapping module (see ``talent_rover/``) is data first: tables of
``Field(target, source, convert)`` rows, each naming a Recruit AI field (or a key
of its ``Attributes`` JSON), the ATS field path the value comes from, and a small
named converter from ``converters``. This module holds the mechanism:
``source_fields`` lists what to select, ``apply_table`` maps one record.

Mapping runs once per record, for hundreds of thousands of records, so it does
no logging, copying or pattern compiling of its own.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from include.mappings.converters import BadValue, as_text


class MappingError(ValueError):
    """A record that cannot be mapped. The message names the target field and why, never a value."""


@dataclass(frozen=True)
class Field:
    """One row of a field table.

    ``source`` is a Salesforce field path such as ``"Title"`` or
    ``"TR1__Account__r.Name"``, or a tuple of paths whose values reach ``convert``
    together as a tuple. A None value is left out of the result, or refused when
    ``required``.
    """

    target: str
    source: str | tuple[str, ...]
    convert: Callable[[Any], Any] = as_text
    required: bool = False


@dataclass(frozen=True)
class RelatedChange:
    """Records of another object whose change means "sync the record they point at".

    For instance a candidate's résumé document: when it changes, the candidate
    is synced even though the Contact itself did not change. ``link_field``
    holds the id of the mapped record; ``where`` is a fixed filter (code, not input).
    """

    sobject: str
    link_field: str
    where: str | None = None


def source_fields(*tables: Sequence[Field]) -> list[str]:
    """Return every source path the tables read, once each, in table order."""
    paths: dict[str, None] = {}  # a dict keeps the order and drops repeats
    for table in tables:
        for field in table:
            for path in (field.source,) if isinstance(field.source, str) else field.source:
                paths[path] = None
    return list(paths)


def read_path(record: Mapping[str, Any], path: str) -> Any:
    """Return the value at ``path``, following relationships ("Rel__r.Field") through nested records.

    A missing field, or a relationship that is null, gives None.
    """
    value: Any = record
    for step in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(step)
    return value


def apply_table(record: Mapping[str, Any], table: Sequence[Field]) -> dict[str, Any]:
    """Map one record through a table: target → converted value, with None values left out.

    Raises ``MappingError`` when a required value is missing or a converter refuses one.
    """
    mapped: dict[str, Any] = {}
    for field in table:
        if isinstance(field.source, str):
            raw = read_path(record, field.source)
            value = None if raw is None else _convert(field, raw)
        else:
            value = _convert(field, tuple(read_path(record, path) for path in field.source))
        if value is not None:
            mapped[field.target] = value
        elif field.required:
            raise MappingError(f"{field.target}: required value is missing")
    return mapped


def _convert(field: Field, raw: Any) -> Any:
    try:
        return field.convert(raw)
    except BadValue as error:
        raise MappingError(f"{field.target}: {error}") from None
    except ValueError as error:
        # Not a converter of ours: its message may quote the value (int() does), so leave it out.
        name = getattr(field.convert, "__name__", "converter")
        raise MappingError(f"{field.target}: {name} refused the value ({type(error).__name__})") from None


def recruit_ai_ids(record: Mapping[str, Any], id_field: str, prefix: str) -> dict[str, str]:
    """Return Recruit AI's id fields for a record: ``{id_field: prefix + Id, "InternalID": the same}``."""
    record_id = as_text(record.get("Id") or "")
    if record_id is None:
        raise MappingError(f"{id_field}: record has no Id")
    return {id_field: f"{prefix}{record_id}", "InternalID": f"{prefix}{record_id}"}


def form_payload(
    ids: Mapping[str, str], record: Mapping[str, Any], fields: Sequence[Field], attributes: Mapping[str, Any]
) -> dict[str, str]:
    """Build Recruit AI's form: the ids, the fields of a table (as text), and the Attributes JSON.

    A tombstone is such a form with a mapping's ``TOMBSTONE_FIELDS`` and fixed
    ``TOMBSTONE_ATTRIBUTES``: Recruit AI has no delete route, and stops
    recommending a record posted with them.
    """
    payload = dict(ids)
    payload.update((target, str(value)) for target, value in apply_table(record, fields).items())
    payload["Attributes"] = attributes_json(attributes)
    return payload


def attributes_json(attributes: Mapping[str, Any]) -> str:
    """Encode Recruit AI's ``Attributes`` form field: compact JSON, non-ASCII letters kept as they are."""
    return json.dumps(attributes, ensure_ascii=False, separators=(",", ":"))
