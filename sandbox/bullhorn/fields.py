"""The ``fields`` parameter: which fields a list or entity answer carries, and rendering records with it.

``fields=id,firstName,address(city,state),clientCorporation(name),categories(id,name)``
picks fields and sub-fields; ``*`` picks every field. An address without
sub-fields comes whole; a to-one field without sub-fields comes as the target's
reference fields (``{"id","firstName","lastName"}`` for a candidate); a to-many
field comes as ``{"total", "data": [...]}`` holding at most 5 items, or up to 10 when
asked as ``categories[10](name)`` (``total`` counts them all). Unknown fields raise
``FieldsError``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sandbox.bullhorn.org import Org, Record
from sandbox.bullhorn.schema import ADDRESS_PARTS, ENTITIES, REFERENCE_ONLY_FIELDS, EntityDef, Kind


class FieldsError(ValueError):
    """A field selection naming a field the entity does not have."""


# How many items of a to-many field an answer carries: by default, and at most when asked ("[n]").
TO_MANY_DEFAULT = 5
TO_MANY_MAX = 10
_COUNTED = re.compile(r"(?P<name>[^\[\]]+)\[(?P<count>\d+)\]")


@dataclass(frozen=True)
class Selection:
    """One selected field, with its selected sub-fields (None: the field's default shape)."""

    name: str
    sub: tuple[Selection, ...] | None = None
    count: int | None = None  # a to-many field's "[n]"


def parse_fields(text: str | None, entity: EntityDef) -> tuple[Selection, ...]:
    """Parse and check a ``fields`` parameter; no parameter selects ``id`` only."""
    if not text or not text.strip():
        return (Selection("id"),)
    selections, position = _parse_list(text.replace(" ", ""), 0)
    if position != len(text.replace(" ", "")):
        raise FieldsError(f"Invalid field list: unexpected ')' at position {position}")
    return _check(selections, entity)


def is_heavy(selections: tuple[Selection, ...], entity: EntityDef) -> bool:
    """Whether the selection asks for a long text field (which makes pages shorter)."""
    return any(
        (definition := entity.get(selection.name)) is not None and definition.heavy
        for selection in selections
    )


def render(org: Org, entity: EntityDef, record: Record, selections: tuple[Selection, ...]) -> dict[str, Any]:
    """The record as Bullhorn answers it for these selections."""
    return {selection.name: _value(org, entity, record, selection) for selection in selections}


def _parse_list(text: str, position: int) -> tuple[list[Selection], int]:
    selections: list[Selection] = []
    while position < len(text):
        end = position
        while end < len(text) and text[end] not in ",()":
            end += 1
        name, count = text[position:end], None
        if not name:
            raise FieldsError(f"Invalid field list: an empty field name at position {position}")
        if counted := _COUNTED.fullmatch(name):
            name, count = counted["name"], int(counted["count"])
        sub: tuple[Selection, ...] | None = None
        position = end
        if position < len(text) and text[position] == "(":
            inner, position = _parse_list(text, position + 1)
            if position >= len(text) or text[position] != ")":
                raise FieldsError("Invalid field list: unbalanced parentheses")
            sub = tuple(inner)
            position += 1
        selections.append(Selection(name, sub, count))
        if position < len(text) and text[position] == ",":
            position += 1
            continue
        break
    return selections, position


def _check(selections: list[Selection], entity: EntityDef) -> tuple[Selection, ...]:
    if any(selection.name == "*" for selection in selections):
        return tuple(Selection(name) for name in entity.fields)
    checked = []
    for selection in selections:
        definition = entity.get(selection.name)
        if definition is None:
            raise FieldsError(f"Invalid field '{selection.name}' for entity {entity.name}")
        sub = selection.sub
        if selection.count is not None:
            _check_count(selection, definition.kind, entity)
        if sub is not None:
            if definition.kind is Kind.ADDRESS:
                unknown = [part.name for part in sub if part.name not in ADDRESS_PARTS]
                if unknown:
                    raise FieldsError(f"Invalid field 'address.{unknown[0]}' for entity {entity.name}")
            elif definition.kind in (Kind.TO_ONE, Kind.TO_MANY):
                target = ENTITIES.get(definition.target or "")
                if target is not None:
                    sub = _check(list(sub), target)
                elif unknown := [part.name for part in sub if part.name not in REFERENCE_ONLY_FIELDS]:
                    raise FieldsError(f"Invalid field '{definition.target}.{unknown[0]}'")
            else:
                raise FieldsError(f"Field '{selection.name}' of {entity.name} has no sub-fields")
        checked.append(Selection(selection.name, sub, selection.count))
    return tuple(checked)


def _check_count(selection: Selection, kind: Kind, entity: EntityDef) -> None:
    """A "[n]" is for to-many fields, and n is 1 to ``TO_MANY_MAX``."""
    if kind is not Kind.TO_MANY:
        raise FieldsError(f"Field '{selection.name}' of {entity.name} is not a to-many field")
    if not 1 <= (selection.count or 0) <= TO_MANY_MAX:
        raise FieldsError(f"Invalid count for '{selection.name}': 1 to {TO_MANY_MAX}")


def _value(org: Org, entity: EntityDef, record: Record, selection: Selection) -> Any:
    definition = entity.fields[selection.name]
    value = record.get(selection.name)
    if definition.kind is Kind.ADDRESS:
        address = value or {}
        parts = [part.name for part in selection.sub] if selection.sub else list(ADDRESS_PARTS)
        return {part: address.get(part) for part in parts}
    if definition.kind is Kind.TO_ONE:
        return None if value is None else _reference(org, definition.target or "", value, selection.sub)
    if definition.kind is Kind.TO_MANY:
        if selection.name in entity.to_many_rows:
            rows: list[dict[str, Any]] = org.children(definition.target or "", record["id"])
        else:
            rows = list(value or [])
        shown = rows[: selection.count or TO_MANY_DEFAULT]
        data = [_reference(org, definition.target or "", row, selection.sub) for row in shown]
        return {"total": len(rows), "data": data}
    return value


def _reference(org: Org, target_name: str, value: dict[str, Any], sub: tuple[Selection, ...] | None) -> Any:
    """A to-one or to-many item: the target's own record when it is served here, else the stored snapshot."""
    target = ENTITIES.get(target_name)
    referenced = org.get(target_name, value.get("id", 0)) if target is not None else None
    if target is not None and referenced is not None:
        chosen = sub or tuple(Selection(name) for name in target.reference_fields)
        return render(org, target, referenced, chosen)
    names = [part.name for part in sub] if sub else list(REFERENCE_ONLY_FIELDS)
    return {name: value.get(name) for name in names if name in value}
