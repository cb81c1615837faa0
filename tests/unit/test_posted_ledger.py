"""The posted ledger: unchanged and stale payloads are not sent again."""

from __future__ import annotations

from pathlib import Path

from airflow.sdk import ObjectStoragePath

from include.posted_ledger import PostedLedger, payload_digest

PAYLOAD = {"CandidateID": "c1", "LastModifiedDate": "2026-11-02T12:00:00Z", "Resume": "Zoë|Lawyer"}


def test_a_payload_is_posted_once_then_unchanged_until_it_changes(tmp_path: Path) -> None:
    directory = ObjectStoragePath(tmp_path.as_uri()) / "ledger"
    with PostedLedger(directory) as ledger:
        assert ledger.verdict("c1", PAYLOAD) == "post"
        ledger.record("c1", PAYLOAD)
    reopened = PostedLedger(directory)
    assert reopened.verdict("c1", dict(reversed(list(PAYLOAD.items())))) == "unchanged"
    newer = {**PAYLOAD, "LastModifiedDate": "2026-11-02T13:00:00Z", "Resume": "Zoë|Partner"}
    older = {**PAYLOAD, "LastModifiedDate": "2026-11-01T08:00:00Z", "Resume": "Zoë|Trainee"}
    assert reopened.verdict("c1", newer) == "post"
    assert reopened.verdict("c1", older) == "stale"
    assert reopened.verdict("c2", PAYLOAD) == "post"


def test_an_unreadable_shard_only_costs_re_posts(tmp_path: Path) -> None:
    directory = ObjectStoragePath(tmp_path.as_uri()) / "ledger"
    with PostedLedger(directory) as ledger:
        ledger.record("c1", PAYLOAD)
    for shard in directory.iterdir():
        shard.write_bytes(b"not gzip")
    assert PostedLedger(directory).verdict("c1", PAYLOAD) == "post"


def test_two_tasks_writing_keep_each_others_entries(tmp_path: Path) -> None:
    directory = ObjectStoragePath(tmp_path.as_uri()) / "ledger"
    first, second = PostedLedger(directory), PostedLedger(directory)
    ids = [f"c{n}" for n in range(300)]  # enough ids for both tasks to share shards
    for record_id in ids[:150]:
        first.verdict(record_id, PAYLOAD)
    for record_id in ids[150:]:
        second.verdict(record_id, PAYLOAD)
    for record_id in ids[:150]:
        first.record(record_id, PAYLOAD)
    for record_id in ids[150:]:
        second.record(record_id, PAYLOAD)
    first.flush()
    second.flush()
    reopened = PostedLedger(directory)
    assert all(reopened.verdict(record_id, PAYLOAD) == "unchanged" for record_id in ids)


def test_the_digest_ignores_field_order_but_not_values() -> None:
    assert payload_digest({"a": "1", "b": "2"}) == payload_digest({"b": "2", "a": "1"})
    assert payload_digest({"a": "1"}) != payload_digest({"a": "2"})


def test_a_record_restored_after_its_tombstone_is_posted_whatever_its_date(tmp_path: Path) -> None:
    # Talent Rover dates a tombstone by SystemModstamp, a live record by LastModifiedDate: a
    # restored candidate may carry a LastModifiedDate older than its tombstone's date.
    directory = ObjectStoragePath(tmp_path.as_uri()) / "ledger"
    tombstone = {
        "CandidateID": "c1",
        "LastModifiedDate": "2026-11-02T14:00:00Z",
        "Attributes": '{"Status":"Deleted"}',
    }
    with PostedLedger(directory) as ledger:
        ledger.record("c1", PAYLOAD)
        assert ledger.verdict("c1", tombstone) == "post"
        ledger.record("c1", tombstone)
    reopened = PostedLedger(directory)
    assert reopened.verdict("c1", tombstone) == "unchanged"
    assert reopened.verdict("c1", PAYLOAD) == "post"
