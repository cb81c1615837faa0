"""The résumé text cache: a résumé whose file did not change costs no download.

Every download of a file body is one API call, and an ATS has no way to fetch
many bodies in one call. Candidates are touched far more often than their
résumés change, so the text extracted from each résumé version is kept here,
under the staging location, and looked up before any download.

* **Key.** One entry per résumé *document* (e.g. a ``TR1__ContactDocument__c``
  id), holding the *version* it was read from: a string made of everything that
  changes when the file does (the document's version number and
  ``SystemModstamp``, the file's own id). A lookup with another version is a
  miss, and the download's outcome replaces the entry, so an old version never
  lingers.
* **Where.** ``<staging>/resume-cache/v<FORMAT>/<shard>.json.gz``: 4,096 shards,
  chosen by a hash of the document id, each a gzip'd JSON object. It lives in the
  staging location, so every worker on every executor sees the same cache.
  Raising ``FORMAT`` (when extraction improves) starts an empty cache.
* **Bounded.** At most ``max_entries`` entries (default 200,000, some 1 GiB of
  text before gzip at the longest): when a shard goes over its share, the entries
  used longest ago leave first.
* **Self-healing.** An entry is trusted only if it is well formed and its text
  matches the digest stored with it; a shard that cannot be read counts as empty.
  A corrupt, missing or deleted cache therefore costs downloads, never a wrong
  text. Two tasks writing one shard at once may lose each other's new entries:
  again only downloads.
* **What is kept.** Extracted text, and *lasting* verdicts about a file
  (encrypted, no text layer, corrupt, unsupported): reading the same bytes again
  would give the same answer. Outcomes that depend on this run (a time limit, a
  size limit, a missing tool, a file not found) are never kept.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from airflow.sdk import ObjectStoragePath

log = logging.getLogger(__name__)

FORMAT = 1
SHARDS = 4096
DEFAULT_MAX_ENTRIES = 200_000


@dataclass(frozen=True)
class CachedResume:
    """What one résumé version gave: its text, or the lasting reason it has none."""

    text: str | None = None
    reason: str | None = None


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _shard_of(document_id: str) -> str:
    return hashlib.sha256(document_id.encode("utf-8")).hexdigest()[:3]


def _valid(entry: Any) -> bool:
    """Whether a stored entry can be trusted: well formed, and its text matches its digest."""
    if not isinstance(entry, dict) or not isinstance(entry.get("version"), str):
        return False
    if not isinstance(entry.get("used"), str):
        return False
    text, reason = entry.get("text"), entry.get("reason")
    if isinstance(text, str):
        return reason is None and entry.get("digest") == _digest(text)
    return text is None and isinstance(reason, str) and bool(reason)


class ResumeCache:
    """Résumé text by document id and version, in the staging location.

    Use it as a context manager, or call ``flush`` once done: entries are
    written shard by shard when the task has finished with them.

    :param directory: the cache's root, ``<staging>/resume-cache`` by convention.
    :param max_entries: how many résumé versions it keeps at most.
    """

    def __init__(self, directory: ObjectStoragePath, *, max_entries: int = DEFAULT_MAX_ENTRIES) -> None:
        if max_entries < 1:
            raise ValueError(f"max_entries must be at least 1, not {max_entries}")
        self.directory = directory / f"v{FORMAT}"
        self.max_per_shard = max(1, max_entries // SHARDS)
        self.hits = 0
        self.misses = 0
        self._shards: dict[str, dict[str, dict[str, Any]]] = {}
        self._changed: dict[str, dict[str, dict[str, Any]]] = {}
        self._now = datetime.now(UTC).isoformat()

    def __enter__(self) -> ResumeCache:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.flush()

    def get(self, document_id: str, version: str) -> CachedResume | None:
        """Return what this version of the document gave, or None (a miss: download it)."""
        shard = _shard_of(document_id)
        entry = self._shard(shard).get(document_id)
        if entry is None or entry["version"] != version:
            self.misses += 1
            return None
        self.hits += 1
        entry["used"] = self._now
        self._changed.setdefault(shard, {})[document_id] = entry
        return CachedResume(text=entry.get("text"), reason=entry.get("reason"))

    def put(self, document_id: str, version: str, outcome: CachedResume) -> None:
        """Remember what this version of the document gave (text, or a lasting reason)."""
        if (outcome.text is None) == (outcome.reason is None):
            raise ValueError("a cached résumé holds either its text or the reason it has none")
        entry: dict[str, Any] = {"version": version, "used": self._now}
        if outcome.text is not None:
            entry.update(text=outcome.text, digest=_digest(outcome.text))
        else:
            entry["reason"] = outcome.reason
        shard = _shard_of(document_id)
        self._shard(shard)[document_id] = entry
        self._changed.setdefault(shard, {})[document_id] = entry

    def flush(self) -> None:
        """Write the shards this task changed, merged with what others wrote meanwhile."""
        for shard, changes in self._changed.items():
            # Re-read just before writing, so that another task's entries since our read survive.
            entries = {**self._read(shard), **changes}
            if len(entries) > self.max_per_shard:
                newest = sorted(entries.items(), key=lambda item: item[1]["used"], reverse=True)
                entries = dict(newest[: self.max_per_shard])
            self._write(shard, entries)
            self._shards[shard] = entries
        self._changed.clear()

    def _shard(self, shard: str) -> dict[str, dict[str, Any]]:
        if shard not in self._shards:
            self._shards[shard] = self._read(shard)
        return self._shards[shard]

    def _path(self, shard: str) -> ObjectStoragePath:
        return self.directory / f"{shard}.json.gz"

    def _read(self, shard: str) -> dict[str, dict[str, Any]]:
        path = self._path(shard)
        try:
            with path.open("rb") as compressed:
                stored = json.loads(gzip.decompress(compressed.read()))
        except FileNotFoundError:
            return {}
        except (OSError, EOFError, ValueError) as error:
            log.warning("Résumé cache shard %s is unreadable (%s); it starts again empty", path, error)
            return {}
        if not isinstance(stored, dict):
            log.warning("Résumé cache shard %s is not an object; it starts again empty", path)
            return {}
        valid = {key: entry for key, entry in stored.items() if _valid(entry)}
        if len(valid) < len(stored):
            log.warning("Résumé cache shard %s: %d bad entries dropped", path, len(stored) - len(valid))
        return valid

    def _write(self, shard: str, entries: dict[str, dict[str, Any]]) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        body = gzip.compress(json.dumps(entries, ensure_ascii=False, separators=(",", ":")).encode())
        # One write of the whole body: object stores replace a key atomically, and a
        # local file cut short by a crash is caught by the next read's checks.
        with self._path(shard).open("wb") as out:
            out.write(body)
