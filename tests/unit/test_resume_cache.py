"""The résumé cache: hits by document and version, bounded, and self-healing."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest
from airflow.sdk import ObjectStoragePath

from include.resume_cache import CachedResume, ResumeCache


@pytest.fixture
def directory(tmp_path: Path) -> ObjectStoragePath:
    return ObjectStoragePath(tmp_path.as_uri()) / "resume-cache"


def _entry_files(directory: ObjectStoragePath) -> list[ObjectStoragePath]:
    return list(directory.rglob("*.json.gz"))


def _read(path: ObjectStoragePath) -> dict[str, object]:
    return json.loads(gzip.decompress(path.read_bytes()))


def test_a_version_read_once_is_a_hit_and_another_version_a_miss(directory: ObjectStoragePath) -> None:
    cache = ResumeCache(directory)
    assert cache.get("a0X1", "2|2026-11-02T12:00:00Z|ContentVersion:068A") is None
    cache.put("a0X1", "2|2026-11-02T12:00:00Z|ContentVersion:068A", CachedResume(text="Zoë Ng|Lawyer"))
    cache.put("a0X2", "1|2026-11-01T09:00:00Z|Attachment:00PB", CachedResume(reason="encrypted PDF"))

    reopened = ResumeCache(directory)
    assert reopened.get("a0X1", "2|2026-11-02T12:00:00Z|ContentVersion:068A") == CachedResume(
        text="Zoë Ng|Lawyer"
    )
    assert reopened.get("a0X2", "1|2026-11-01T09:00:00Z|Attachment:00PB") == CachedResume(
        reason="encrypted PDF"
    )
    assert reopened.get("a0X1", "3|2026-11-03T08:00:00Z|ContentVersion:068B") is None
    assert (reopened.hits, reopened.misses) == (2, 1)


def test_a_new_version_replaces_the_old_one(directory: ObjectStoragePath) -> None:
    cache = ResumeCache(directory)
    cache.put("a0X1", "v1", CachedResume(text="old"))
    cache.put("a0X1", "v2", CachedResume(text="new"))
    reopened = ResumeCache(directory)
    assert reopened.get("a0X1", "v1") is None
    assert reopened.get("a0X1", "v2") == CachedResume(text="new")
    (only,) = _entry_files(directory)
    assert _read(only)["version"] == "v2"


def test_a_corrupt_entry_is_a_miss_and_is_removed(directory: ObjectStoragePath) -> None:
    cache = ResumeCache(directory)
    cache.put("a0X1", "v1", CachedResume(text="text"))
    (entry,) = _entry_files(directory)
    entry.write_bytes(entry.read_bytes()[:-7])  # cut short, as a crash mid-write would

    cache = ResumeCache(directory)
    assert cache.get("a0X1", "v1") is None
    assert not entry.exists()
    cache.put("a0X1", "v1", CachedResume(text="text"))
    assert ResumeCache(directory).get("a0X1", "v1") == CachedResume(text="text")


def test_an_entry_whose_text_does_not_match_its_digest_is_never_served(directory: ObjectStoragePath) -> None:
    cache = ResumeCache(directory)
    cache.put("a0X1", "v1", CachedResume(text="the real text"))
    cache.put("a0X2", "v1", CachedResume(text="another"))
    for path in _entry_files(directory):
        stored = _read(path)
        if stored["document_id"] == "a0X1":
            stored["text"] = "someone else's text"
            path.write_bytes(gzip.compress(json.dumps(stored).encode()))

    reopened = ResumeCache(directory)
    assert reopened.get("a0X1", "v1") is None
    assert reopened.get("a0X2", "v1") == CachedResume(text="another")


def test_an_entry_moved_to_another_documents_place_is_never_served(directory: ObjectStoragePath) -> None:
    cache = ResumeCache(directory)
    cache.put("a0X1", "v1", CachedResume(text="one's text"))
    cache.put("a0X2", "v1", CachedResume(text="two's text"))
    first, second = sorted(_entry_files(directory), key=lambda path: str(_read(path)["document_id"]))
    second.write_bytes(first.read_bytes())  # a0X2's file now holds a0X1's entry

    assert ResumeCache(directory).get("a0X2", "v1") is None


def test_a_missing_cache_is_only_misses(directory: ObjectStoragePath) -> None:
    cache = ResumeCache(directory)
    assert cache.get("a0X1", "v1") is None
    assert cache.trim(written_before=0) == 0
    assert not directory.exists()


def test_it_keeps_at_most_max_entries_the_most_recently_written(directory: ObjectStoragePath) -> None:
    cache = ResumeCache(directory, max_entries=3)
    for number in range(5):
        cache.put(f"a0X{number}", "v1", CachedResume(text=f"text {number}"))
        path = cache._path(f"a0X{number}")
        os.utime(path.path, (1_700_000_000 + number, 1_700_000_000 + number))
    # The clean-up's walk: nothing is past its retention here, but two entries are over the bound.
    assert cache.trim(written_before=0) == 2

    reopened = ResumeCache(directory, max_entries=3)
    assert [reopened.get(f"a0X{number}", "v1") is not None for number in range(5)] == [
        False,
        False,
        True,
        True,
        True,
    ]
    assert len(_entry_files(directory)) == 3


def test_an_entry_holds_a_text_or_a_reason_never_both(directory: ObjectStoragePath) -> None:
    cache = ResumeCache(directory)
    with pytest.raises(ValueError, match="either its text or the reason"):
        cache.put("a0X1", "v1", CachedResume(text="t", reason="r"))
    with pytest.raises(ValueError, match="either its text or the reason"):
        cache.put("a0X1", "v1", CachedResume())
