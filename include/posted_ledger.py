"""What this sync last posted to Recruit AI, per record: so a record that did not change is not re-sent.

An ATS touches records far more often than their content changes (automations,
a lookback window overlapping the last run, a résumé-only change to another
field), and Recruit AI takes one record per request. Before a payload is posted
it is compared with the ledger:

* **unchanged**: the same payload (by digest) was posted before: not posted again;
* **stale**: the payload is older (``LastModifiedDate``) than one already posted
  for that id, as a backfill of an old interval may read: not posted, so it cannot
  overwrite newer data;
* otherwise it is posted, and the ledger records it once Recruit AI has stored it.

The ledger lives in the staging location (``<staging>/cache/<dag_id>-posted/``),
in 256 small gzip'd JSON shards by a hash of the id, so every worker sees it and a
task holds at most the shards it touches (some 60 bytes per record). It is a
cache, and self-healing: an unreadable shard counts as empty and two tasks
writing one shard may lose each other's entries, which costs only re-posts. A
``full_resync`` ignores it and re-posts everything: the way to repair a Recruit AI
instance that lost data.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
from collections.abc import Mapping
from typing import Literal

from airflow.sdk import ObjectStoragePath

log = logging.getLogger(__name__)

Verdict = Literal["post", "unchanged", "stale"]
_SHARD_CHARS = 2


def payload_digest(payload: Mapping[str, str]) -> str:
    """A digest of a payload's fields, independent of their order."""
    canonical = json.dumps(sorted(payload.items()), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32]


def is_tombstone(payload: Mapping[str, str]) -> bool:
    """Whether a payload is a tombstone: the Recruit AI contract's ``Attributes.Status`` "Deleted"."""
    try:
        attributes = json.loads(payload.get("Attributes") or "{}")
    except ValueError:
        return False
    return isinstance(attributes, dict) and attributes.get("Status") == "Deleted"


class PostedLedger:
    """Per record id, the digest and ``LastModifiedDate`` of the payload last stored in Recruit AI.

    :param directory: the ledger's root (one per DAG and kind of record).
    """

    def __init__(self, directory: ObjectStoragePath) -> None:
        self.directory = directory
        self._shards: dict[str, dict[str, list[str]]] = {}
        self._changed: dict[str, dict[str, list[str]]] = {}

    def __enter__(self) -> PostedLedger:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.flush()

    def verdict(self, record_id: str, payload: Mapping[str, str]) -> Verdict:
        """Say whether a payload must be posted, or is unchanged or stale against the ledger."""
        entry = self._shard(record_id).get(record_id)
        if entry is None:
            return "post"
        digest, last_modified = entry
        if digest == payload_digest(payload):
            return "unchanged"
        # ISO 8601 in UTC with "Z" (the contract's form) orders as text.
        if payload.get("LastModifiedDate", "") < last_modified:
            return "stale"
        return "post"

    def record(self, record_id: str, payload: Mapping[str, str]) -> None:
        """Note that Recruit AI now holds this payload for the id.

        A tombstone is recorded without a date, so it makes nothing stale: its date
        says when the deletion was seen (Talent Rover's ``SystemModstamp``), not
        a version comparable with a live record's, and the ATS answers with a
        record's current state, so a live record after its tombstone was restored.
        """
        date = "" if is_tombstone(payload) else payload.get("LastModifiedDate", "")
        entry = [payload_digest(payload), date]
        self._shard(record_id)[record_id] = entry
        self._changed.setdefault(_shard_of(record_id), {})[record_id] = entry

    def flush(self) -> None:
        """Write the shards this task changed, merged with what other tasks wrote meanwhile."""
        for shard, changes in self._changed.items():
            entries = {**self._read(shard), **changes}
            self.directory.mkdir(parents=True, exist_ok=True)
            body = gzip.compress(json.dumps(entries, separators=(",", ":")).encode())
            with (self.directory / f"{shard}.json.gz").open("wb") as out:
                out.write(body)
        self._changed.clear()

    def _shard(self, record_id: str) -> dict[str, list[str]]:
        shard = _shard_of(record_id)
        if shard not in self._shards:
            self._shards[shard] = self._read(shard)
        return self._shards[shard]

    def _read(self, shard: str) -> dict[str, list[str]]:
        path = self.directory / f"{shard}.json.gz"
        try:
            with path.open("rb") as compressed:
                stored = json.loads(gzip.decompress(compressed.read()))
        except FileNotFoundError:
            return {}
        except (OSError, EOFError, ValueError) as error:
            log.warning("Posted ledger shard %s is unreadable (%s); it starts again empty", path, error)
            return {}
        if not isinstance(stored, dict):
            return {}
        return {
            key: entry
            for key, entry in stored.items()
            if isinstance(entry, list) and len(entry) == 2 and all(isinstance(part, str) for part in entry)
        }


def _shard_of(record_id: str) -> str:
    return hashlib.sha256(record_id.encode("utf-8")).hexdigest()[:_SHARD_CHARS]
