"""Bullhorn mappings: one module per Bullhorn entity synced (``candidate``, ``position``).

Bullhorn records differ from Salesforce ones in three ways this module deals with,
so that the field tables read the same as Talent Rover's:

* the id is ``id`` (an integer), not ``Id``;
* what to read is one ``fields`` parameter in Bullhorn's own syntax, with nested
  fields in brackets: ``address(city,countryID)``; ``fields_parameter`` writes it
  from the table paths (``address.city``);
* an address holds a country id; its name comes from ``options/Country``, so
  ``with_country_name`` adds it to the address (as ``countryName``) before the
  tables are applied, and the tables read it like any other field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from include.mappings import recruit_ai_ids
from include.mappings.converters import as_text, text_list

# Read for every entity whatever the tables say: the id, the window's stamp, and the
# soft-delete flag (window queries return deleted records too: they become tombstones).
BOOKKEEPING_FIELDS = ("id", "dateLastModified", "isDeleted")

# Not a Bullhorn field: the country's name, looked up from ``address.countryID``.
COUNTRY_NAME = "address.countryName"
# Looked-up paths, and the Bullhorn field each is looked up from (which is what is read).
LOOKED_UP = {COUNTRY_NAME: "address.countryID"}


def fields_parameter(paths: Iterable[str], to_many: Mapping[str, str] | None = None) -> str:
    """Return Bullhorn's ``fields`` parameter for table paths, each field once, in order.

    ``["id", "address.city", "address.zip", "category.name"]`` becomes
    ``id,address(city,zip),category(name)``. ``to_many`` spells a to-many field
    whole (Bullhorn returns 5 of its entities unless told, 10 at most), for instance
    ``{"categories": "categories[10](name)"}``.
    """
    tree: dict[str, dict[str, Any]] = {}
    for path in paths:
        node = tree
        for step in LOOKED_UP.get(path, path).split("."):
            node = node.setdefault(step, {})
    spelled = dict(to_many or {})
    return ",".join(spelled.get(name) or _spell(name, children) for name, children in tree.items())


def _spell(name: str, children: dict[str, Any]) -> str:
    if not children:
        return name
    return f"{name}({','.join(_spell(child, grandchildren) for child, grandchildren in children.items())})"


def country_names(options: Iterable[Mapping[str, Any]]) -> dict[int, str]:
    """Return country id → name from the rows of ``options/Country`` (``{"value": 1, "label": "…"}``)."""
    names = {row.get("value"): as_text(row.get("label") or "") for row in options}
    return {value: name for value, name in names.items() if isinstance(value, int) and name}


def with_country_name(record: Mapping[str, Any], countries: Mapping[int, str]) -> Mapping[str, Any]:
    """Return the record with its address's country name (``address.countryName``) added.

    An unknown or missing country id gives no name. The record itself is not changed.
    """
    address = record.get("address")
    if not isinstance(address, Mapping):
        return record
    country_id = address.get("countryID")
    name = countries.get(country_id) if isinstance(country_id, int) else None
    return {**record, "address": {**address, "countryName": name}}


def bullhorn_ids(record: Mapping[str, Any], id_field: str, prefix: str) -> dict[str, str]:
    """Return Recruit AI's id fields for a Bullhorn record (whose id is ``id``, not ``Id``)."""
    return recruit_ai_ids({"Id": record.get("id")}, id_field, prefix)


def association_names(value: Any) -> str | None:
    """Return the names of a to-many association (``{"total": 2, "data": [{"name": …}, …]}``), "A; B".

    Blank names are dropped; None when none is left.
    """
    rows = value.get("data") if isinstance(value, Mapping) else None
    return text_list(as_text(row.get("name") or "") for row in rows or () if isinstance(row, Mapping))
