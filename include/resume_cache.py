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
* **Where.** ``<staging>/cache/<name>/v<FORMAT>/<xx>/<hash>.json.gz``: one small
  gzip'd JSON file per document, in 256 directories. It lives in the staging
  location, so every worker on every executor sees the same cache, and a task
  holds only the entry in hand: memory stays flat however many candidates a run
  reads. Raising ``FORMAT`` (when extraction improves) starts an empty cache.
* **Bounded.** At most ``max_entries`` entries (default 200,000, some 1 GiB of
  text before gzip at the longest). ``trim`` removes the entries written longest
  ago once there are more, in the same walk of the cache that drops those past
  their retention: once per run, in ``clean_staging``.
* **Self-healing.** An entry is trusted only if it is well formed, names its own
  document, and its text matches the digest stored with it; anything else is a
  miss and is removed. A corrupt, missing or deleted cache therefore costs
  downloads, never a wrong text. Each entry is written whole, so tasks writing at
  once cannot mix two entries.
* **What is kept.** Extracted text, and *lasting* verdicts about a file
  (encrypted, no text layer, corrupt, unsupported): reading the same bytes again
  would give the same answer. Outcomes that depend on this run (a time limit, a
  size limit, a missing tool, a file not found) are never kept.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any

from airflow.sdk import ObjectStoragePath

log = logging.getLogger(__name__)

FORMAT = 2
DEFAULT_MAX_ENTRIES = 200_000


@dataclass(frozen=True)
class CachedResume:
    """What one résumé version gave: its text, or the lasting reason it has none."""

    text: str | None = None
    reason: str | None = None


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _valid(entry: Any, document_id: str) -> bool:
    """Whether a stored entry can be trusted: well formed, its own, and its text matches its digest."""
    if not isinstance(entry, dict) or entry.get("document_id") != document_id:
        return False
    if not isinstance(entry.get("version"), str):
        return False
    text, reason = entry.get("text"), entry.get("reason")
    if isinstance(text, str):
        return reason is None and entry.get("digest") == _digest(text)
    return text is None and isinstance(reason, str) and bool(reason)


class ResumeCache:
    """Résumé text by document id and version, one small file per document in the staging location.

    ``trim`` keeps it within its bound and retention (``clean_staging`` calls it once per run).

    :param directory: the cache's root, ``<staging>/cache/<name>`` by convention.
    :param max_entries: how many résumé documents it keeps at most.
    """

    def __init__(self, directory: ObjectStoragePath, *, max_entries: int = DEFAULT_MAX_ENTRIES) -> None:
        if max_entries < 1:
            raise ValueError(f"max_entries must be at least 1, not {max_entries}")
        self.directory = directory / f"v{FORMAT}"
        self.max_entries = max_entries
        self.hits = 0
        self.misses = 0

    def _path(self, document_id: str) -> ObjectStoragePath:
        name = hashlib.sha256(document_id.encode("utf-8")).hexdigest()
        return self.directory / name[:2] / f"{name}.json.gz"

    def get(self, document_id: str, version: str) -> CachedResume | None:
        """Return what this version of the document gave, or None (a miss: download it)."""
        path = self._path(document_id)
        try:
            with path.open("rb") as compressed:
                entry = json.loads(gzip.decompress(compressed.read()))
        except FileNotFoundError:
            entry = None
        except (OSError, EOFError, ValueError) as error:
            log.warning("Résumé cache entry %s is unreadable (%s); removing it", path.name, error)
            entry = self._remove(path)
        if entry is not None and not _valid(entry, document_id):
            log.warning("Résumé cache entry %s does not check out; removing it", path.name)
            entry = self._remove(path)
        if entry is None or entry["version"] != version:
            self.misses += 1
            return None
        self.hits += 1
        return CachedResume(text=entry.get("text"), reason=entry.get("reason"))

    def put(self, document_id: str, version: str, outcome: CachedResume) -> None:
        """Remember what this version of the document gave (text, or a lasting reason)."""
        if (outcome.text is None) == (outcome.reason is None):
            raise ValueError("a cached résumé holds either its text or the reason it has none")
        entry: dict[str, Any] = {"document_id": document_id, "version": version}
        if outcome.text is not None:
            entry.update(text=outcome.text, digest=_digest(outcome.text))
        else:
            entry["reason"] = outcome.reason
        path = self._path(document_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        body = gzip.compress(json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode())
        # One write of the whole body: object stores replace a key atomically, and a
        # local file cut short by a crash fails the next read's checks.
        with path.open("wb") as out:
            out.write(body)

    def trim(self, written_before: float) -> int:
        """Remove the entries written before ``written_before`` (a POSIX time), then the oldest
        beyond ``max_entries``; count them. One walk of the cache does both.

        The retention of résumé text (``include/retention.py``): a résumé that has
        not been read again for that long costs one download if it is needed again.
        """
        if not self.directory.exists():
            return 0
        entries = sorted(
            ((path.stat().st_mtime, path) for path in self.directory.rglob("*.json.gz")),
            key=lambda entry: entry[0],
        )
        expired = sum(1 for written, _ in entries if written < written_before)
        removed = max(expired, len(entries) - self.max_entries)
        for _, path in entries[:removed]:
            self._remove(path)
        if removed > expired:
            log.info(
                "Résumé cache: %d oldest entries removed (bound %d)", removed - expired, self.max_entries
            )
        return removed

    @staticmethod
    def _remove(path: ObjectStoragePath) -> None:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
