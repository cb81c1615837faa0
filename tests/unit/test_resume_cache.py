"""The résumé cache: hits by document and version, bounded, and self-healing."""

from __future__ import annotations

import gzip
import hashlib
import itertools
import json
from pathlib import Path

import pytest
from airflow.sdk import ObjectStoragePath

from include.resume_cache import SHARDS, CachedResume, ResumeCache


@pytest.fixture
def directory(tmp_path: Path) -> ObjectStoragePath:
    return ObjectStoragePath(tmp_path.as_uri()) / "resume-cache"


def _shard_files(directory: ObjectStoragePath) -> list[ObjectStoragePath]:
    return list(directory.rglob("*.json.gz"))


def _same_shard_ids(count: int) -> list[str]:
    """Document ids that land in one shard (the shard is a hash prefix of the id)."""
    by_shard: dict[str, list[str]] = {}
    for number in itertools.count():
        document_id = f"a0X{number:012d}"
        shard = hashlib.sha256(document_id.encode()).hexdigest()[:3]
        ids = by_shard.setdefault(shard, [])
        ids.append(document_id)
        if len(ids) == count:
            return ids
    raise AssertionError("unreachable")


def test_a_version_read_once_is_a_hit_and_another_version_a_miss(directory: ObjectStoragePath) -> None:
    with ResumeCache(directory) as cache:
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
    with ResumeCache(directory) as cache:
        cache.put("a0X1", "v1", CachedResume(text="old"))
    with ResumeCache(directory) as cache:
        cache.put("a0X1", "v2", CachedResume(text="new"))
    reopened = ResumeCache(directory)
    assert reopened.get("a0X1", "v1") is None
    assert reopened.get("a0X1", "v2") == CachedResume(text="new")
    stored = json.loads(gzip.decompress(_shard_files(directory)[0].read_bytes()))
    assert list(stored) == ["a0X1"]


def test_a_corrupt_shard_is_a_miss_and_is_rewritten(directory: ObjectStoragePath) -> None:
    with ResumeCache(directory) as cache:
        cache.put("a0X1", "v1", CachedResume(text="text"))
    (shard,) = _shard_files(directory)
    shard.write_bytes(shard.read_bytes()[:-7])  # cut short, as a crash mid-write would

    with ResumeCache(directory) as cache:
        assert cache.get("a0X1", "v1") is None
        cache.put("a0X1", "v1", CachedResume(text="text"))
    assert ResumeCache(directory).get("a0X1", "v1") == CachedResume(text="text")


def test_an_entry_whose_text_does_not_match_its_digest_is_never_served(directory: ObjectStoragePath) -> None:
    with ResumeCache(directory) as cache:
        cache.put("a0X1", "v1", CachedResume(text="the real text"))
        cache.put("a0X2", "v1", CachedResume(text="another"))
    for shard in _shard_files(directory):
        stored = json.loads(gzip.decompress(shard.read_bytes()))
        if "a0X1" in stored:
            stored["a0X1"]["text"] = "someone else's text"
            shard.write_bytes(gzip.compress(json.dumps(stored).encode()))

    reopened = ResumeCache(directory)
    assert reopened.get("a0X1", "v1") is None
    assert reopened.get("a0X2", "v1") == CachedResume(text="another")


def test_a_missing_cache_is_only_misses(directory: ObjectStoragePath) -> None:
    cache = ResumeCache(directory)
    assert cache.get("a0X1", "v1") is None
    cache.flush()
    assert not directory.exists()


def test_it_keeps_at_most_its_share_per_shard_the_most_recently_used(directory: ObjectStoragePath) -> None:
    oldest, middle, newest = _same_shard_ids(3)
    bound = 2 * SHARDS  # two entries per shard
    for document_id in (oldest, middle):
        with ResumeCache(directory, max_entries=bound) as cache:
            cache.put(document_id, "v1", CachedResume(text=document_id))
    with ResumeCache(directory, max_entries=bound) as cache:
        assert cache.get(oldest, "v1") is not None  # used again: now the most recent
        cache.put(newest, "v1", CachedResume(text=newest))

    reopened = ResumeCache(directory, max_entries=bound)
    assert reopened.get(middle, "v1") is None
    assert reopened.get(oldest, "v1") == CachedResume(text=oldest)
    assert reopened.get(newest, "v1") == CachedResume(text=newest)


def test_two_tasks_writing_one_shard_keep_each_others_entries(directory: ObjectStoragePath) -> None:
    first_id, second_id = _same_shard_ids(2)
    first, second = ResumeCache(directory), ResumeCache(directory)
    assert first.get(first_id, "v1") is None
    assert second.get(second_id, "v1") is None
    first.put(first_id, "v1", CachedResume(text="one"))
    second.put(second_id, "v1", CachedResume(text="two"))
    first.flush()
    second.flush()

    reopened = ResumeCache(directory)
    assert reopened.get(first_id, "v1") == CachedResume(text="one")
    assert reopened.get(second_id, "v1") == CachedResume(text="two")


def test_an_entry_holds_a_text_or_a_reason_never_both(directory: ObjectStoragePath) -> None:
    cache = ResumeCache(directory)
    with pytest.raises(ValueError, match="either its text or the reason"):
        cache.put("a0X1", "v1", CachedResume(text="t", reason="r"))
    with pytest.raises(ValueError, match="either its text or the reason"):
        cache.put("a0X1", "v1", CachedResume())
