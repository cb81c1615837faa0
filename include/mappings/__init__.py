"""Field tables: how an ATS record becomes a Recruit AI record.

A mapping module lists ``Field(target, source, convert)`` rows: the Recruit AI
field (or ``Attributes`` key), the ATS field path it comes from, and a small
named converter from ``converters``. ``apply_table`` reads a record through a
table; the mapping modules under ``talent_rover/`` are data first.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from include.mappings.converters import as_text


class MappingError(ValueError):
    """A record that cannot be mapped; the message names the field and why, never its content."""


@dataclass(frozen=True)
class Field:
    """One row of a field table."""

    target: str
    source: str | tuple[str, ...]
    convert: Callable[[Any], Any] = as_text
    required: bool = False


def read_path(record: Mapping[str, Any], path: str) -> Any:
    """Read ``Field`` or ``Relationship__r.Field``; None when any step is missing."""
    value: Any = record
    for step in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(step)
    return value


def source_fields(*tables: Sequence[Field]) -> list[str]:
    """Every source path the tables read, once each, in order."""
    paths: dict[str, None] = {}
    for table in tables:
        for field in table:
            for path in (field.source,) if isinstance(field.source, str) else field.source:
                paths[path] = None
    return list(paths)


def apply_table(record: Mapping[str, Any], table: Sequence[Field]) -> dict[str, Any]:
    """Map a record through a table: target → converted value, None values left out."""
    mapped: dict[str, Any] = {}
    for field in table:
        if isinstance(field.source, str):
            raw = read_path(record, field.source)
        else:
            raw = tuple(read_path(record, path) for path in field.source)
        try:
            value = None if raw is None else field.convert(raw)
        except (ValueError, TypeError) as error:
            raise MappingError(f"{field.target}: {error}") from None
        if value is None:
            if field.required:
                raise MappingError(f"{field.target}: required value is missing")
            continue
        mapped[field.target] = value
    return mapped
