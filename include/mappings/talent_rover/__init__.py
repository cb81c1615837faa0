"""Talent Rover mappings: one module per Salesforce object synced (``candidate``, ``position``)."""

from __future__ import annotations

from collections.abc import Sequence

from include.mappings import Field, source_fields

# Selected for every object whatever the tables say: the id, the window's stamp, and
# IsDeleted (the window is read with queryAll, so deleted records come back as tombstones).
BOOKKEEPING_FIELDS = ("Id", "SystemModstamp", "IsDeleted")


def soql_fields(*tables: Sequence[Field]) -> list[str]:
    """Return the fields an extract selects: the bookkeeping fields, then every source the tables read."""
    return list(dict.fromkeys([*BOOKKEEPING_FIELDS, *source_fields(*tables)]))
