"""Retention of staged personal data, on real files: run directories by age, the résumé cache by use."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from airflow.sdk import ObjectStoragePath

from include.rejects import reject
from include.resume_cache import CachedResume, ResumeCache
from include.retention import forget_unused_resumes, remove_expired_runs
from include.staging import write_jsonl

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
KEEP = timedelta(days=7)
DAG_ID = "talent_rover_to_recruit_ai"


def _stage_run(root: Path, dag_id: str, run: str, written: datetime, *, files: int = 2) -> Path:
    """A run directory whose files were all last written at ``written``."""
    directory = root / dag_id / run
    directory.mkdir(parents=True)
    for number in range(files):
        path = directory / f"candidate-payloads-{number}.jsonl"
        path.write_text('{"CandidateID":"c1","Email":"someone@example.com"}\n')
        os.utime(path, (written.timestamp(), written.timestamp()))
    os.utime(directory, (written.timestamp(), written.timestamp()))
    return directory


def test_only_runs_last_written_before_the_retention_are_removed(tmp_path: Path) -> None:
    old = _stage_run(tmp_path, DAG_ID, "scheduled__2026-11-01", NOW - KEEP - timedelta(hours=1))
    recent = _stage_run(tmp_path, DAG_ID, "scheduled__2026-11-19", NOW - timedelta(days=1))
    # An old run that a cleared task wrote to yesterday is still in use.
    rerun = _stage_run(tmp_path, DAG_ID, "scheduled__2026-11-02", NOW - KEEP - timedelta(days=3))
    (rerun / "summary.json").write_text("{}")
    os.utime(rerun / "summary.json", ((NOW - timedelta(days=1)).timestamp(),) * 2)
    other_dag = _stage_run(tmp_path, "bullhorn_to_recruit_ai", "scheduled__2026-11-01", NOW - 2 * KEEP)

    removed = remove_expired_runs(ObjectStoragePath(tmp_path.as_uri()), DAG_ID, KEEP, NOW)

    assert removed == ["scheduled__2026-11-01"]
    assert not old.exists()
    assert recent.exists()
    assert rerun.exists()
    assert other_dag.exists()


def test_an_empty_run_directory_is_aged_by_its_own_time(tmp_path: Path) -> None:
    empty = _stage_run(tmp_path, DAG_ID, "manual__old", NOW - 2 * KEEP, files=0)

    assert remove_expired_runs(ObjectStoragePath(tmp_path.as_uri()), DAG_ID, KEEP, NOW) == ["manual__old"]
    assert not empty.exists()


def test_the_resume_cache_and_other_folders_are_never_run_directories(tmp_path: Path) -> None:
    root = ObjectStoragePath(tmp_path.as_uri())
    cache = ResumeCache(root / "cache" / "talent_rover-resumes")
    cache.put("a0X000000000001AAA", "v1", CachedResume(text="Résumé of a candidate"))
    long_ago = (NOW - 10 * KEEP).timestamp()
    for path in (tmp_path / "cache").rglob("*"):
        os.utime(path, (long_ago, long_ago))

    for reserved in ("cache", "", "../cache", ".hidden"):
        with pytest.raises(ValueError, match="not a DAG id"):
            remove_expired_runs(root, reserved, KEEP, NOW)
    assert remove_expired_runs(root, DAG_ID, KEEP, NOW) == []  # no runs staged yet
    assert list((tmp_path / "cache").rglob("*.json.gz"))


def test_retention_needs_an_aware_now_and_a_positive_keep(tmp_path: Path) -> None:
    root = ObjectStoragePath(tmp_path.as_uri())
    with pytest.raises(ValueError, match="timezone-aware"):
        remove_expired_runs(root, DAG_ID, KEEP, datetime(2026, 11, 20))
    with pytest.raises(ValueError, match="negative"):
        remove_expired_runs(root, DAG_ID, -KEEP, NOW)


def _cache_at(root: ObjectStoragePath, written: datetime, texts: dict[str, str]) -> ResumeCache:
    """Put résumé texts into the cache as a task running at ``written`` would."""
    cache = ResumeCache(root)
    for document_id, text in texts.items():
        cache.put(document_id, "v1", CachedResume(text=text))
        os.utime(cache._path(document_id).path, (written.timestamp(), written.timestamp()))
    return cache


def test_resume_texts_not_written_within_the_retention_are_forgotten(tmp_path: Path) -> None:
    root = ObjectStoragePath(tmp_path.as_uri()) / "cache" / "bullhorn-resumes"
    stale = {f"stale-{number}": f"old résumé {number}" for number in range(40)}
    fresh = {f"fresh-{number}": f"new résumé {number}" for number in range(40)}
    _cache_at(root, NOW - KEEP - timedelta(minutes=1), stale)
    _cache_at(root, NOW - timedelta(days=1), fresh)

    dropped = forget_unused_resumes(ResumeCache(root), KEEP, NOW)

    assert dropped == len(stale)
    reader = ResumeCache(root)
    assert all(reader.get(document_id, "v1") is None for document_id in stale)
    assert all(
        reader.get(document_id, "v1") == CachedResume(text=text) for document_id, text in fresh.items()
    )
    assert len(list(Path(tmp_path).rglob("*.json.gz"))) == len(fresh)
    with pytest.raises(ValueError, match="negative"):
        forget_unused_resumes(ResumeCache(root), -KEEP, NOW)


def test_rejects_files_hold_ids_and_reasons_only(tmp_path: Path) -> None:
    path = ObjectStoragePath(tmp_path.as_uri()) / "candidate-rejects-map.jsonl"
    long_reason = "Email is required; " * 40
    write_jsonl(
        path, [reject("c1", "candidate", "map", long_reason), reject("c2", "candidate", "resume", "x")]
    )

    rows = [
        json.loads(line) for line in Path(tmp_path, "candidate-rejects-map.jsonl").read_text().splitlines()
    ]
    assert [set(row) for row in rows] == [{"id", "object", "stage", "reason"}] * 2
    assert all(len(row["reason"]) <= 300 for row in rows)
