"""Pages: sharing the run's API calls among page tasks, and one page's résumés, mapping and posting."""

from __future__ import annotations

import threading
import time
from collections.abc import Generator, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from airflow.sdk import ObjectStoragePath

from include.api_limit import ApiLimitReached
from include.load import Loaded
from include.mappings import MappingError
from include.pages import (
    STAMP,
    Extracted,
    PageWork,
    candidate_payload,
    page_work,
    resume_calls_needed,
    share_calls,
    sync_page,
)
from include.rejects import Reject, reject
from include.resume_cache import ResumeCache
from include.resume_files import ResumeReader, in_order
from include.staging import read_jsonl, write_jsonl
from include.window import stopped_earlier

COVERED = {
    "window_start": "2026-11-23T08:55:00+00:00",
    "window_end": "2026-11-23T10:00:00+00:00",
    "complete": True,
    "resume_from": None,
    "stopped": None,
}


def test_pages_get_what_they_may_need_then_the_spare_evenly() -> None:
    assert share_calls([10, 20, 5], 100) == [10 + 21, 20 + 21, 5 + 21]
    assert sum(share_calls([10, 20, 5], 100)) <= 100


def test_when_calls_are_short_the_earliest_pages_come_first() -> None:
    assert share_calls([10, 20, 5], 25) == [10, 15, 0]
    assert share_calls([10, 20], 0) == [0, 0]
    assert share_calls([], 50) == []


def test_a_page_of_candidates_may_cost_a_download_each_and_its_lookups() -> None:
    salesforce = resume_calls_needed(1, 500)
    assert salesforce(2000) == 2000 + 2 * 4
    assert salesforce(1) == 1 + 2
    assert resume_calls_needed(0, 0)(2000) == 0


def _stage(directory: ObjectStoragePath, name: str, count: int, start: int = 0) -> str:
    path = directory / name
    write_jsonl(
        path,
        ({"Id": f"c{i}", STAMP: f"2026-11-23T09:{i % 60:02d}:00+00:00"} for i in range(start, start + count)),
    )
    return str(path)


def test_page_work_is_one_item_per_staged_page_with_its_share(tmp_path: Path) -> None:
    directory = ObjectStoragePath(tmp_path.as_uri())
    files = [_stage(directory, "p1.jsonl", 30), _stage(directory, "p2.jsonl", 20, 30)]
    extracted = Extracted(object="candidates", files=files, records=50, progress=COVERED)  # type: ignore[typeddict-item]
    work = page_work(extracted, "candidate", resume_calls_needed(1, 0), 40)
    assert [(item["pages"], item["number"], item["max_calls"]) for item in work] == [
        ([files[0]], 1, 30),
        ([files[1]], 2, 10),
    ]
    assert all(item["kind"] == "candidate" and item["progress"] == COVERED for item in work)


def test_an_empty_window_is_still_one_page_so_that_the_load_follows() -> None:
    extracted = Extracted(object="positions", files=[], records=0, progress=COVERED)  # type: ignore[typeddict-item]
    [only] = page_work(extracted, "position", resume_calls_needed(0, 0), 10)
    assert (only["pages"], only["number"], only["max_calls"]) == ([], 1, 0)


def test_more_pages_than_airflow_maps_share_items(tmp_path: Path) -> None:
    directory = ObjectStoragePath(tmp_path.as_uri())
    files = [_stage(directory, f"p{n}.jsonl", 10, 10 * n) for n in range(7)]
    extracted = Extracted(object="candidates", files=files, records=70, progress=COVERED)  # type: ignore[typeddict-item]
    work = page_work(extracted, "candidate", resume_calls_needed(2, 0, per_task=5), 10_000, max_items=3)
    assert [item["pages"] for item in work] == [files[0:3], files[3:6], files[6:7]]
    # Each item may need 2 calls a record and one login; the spare is shared evenly.
    needs = [2 * 30 + 5, 2 * 30 + 5, 2 * 10 + 5]
    spare = (10_000 - sum(needs)) // 3
    assert [item["max_calls"] for item in work] == [need + spare for need in needs]


def test_in_order_keeps_order_and_reads_at_most_in_flight_ahead() -> None:
    started: list[int] = []
    running = 0
    most = 0
    lock = threading.Lock()

    def read(item: int) -> int:
        nonlocal running, most
        with lock:
            started.append(item)
            running += 1
            most = max(most, running)
        time.sleep(0.01 * (item % 3))
        with lock:
            running -= 1
        return item * 10

    rows = in_order(read, range(20), in_flight=3)
    assert next(rows) == 0
    time.sleep(0.05)
    # The consumer holds row 0: only the next few have been started, not all twenty.
    assert len(started) <= 4
    assert [0, *rows] == [i * 10 for i in range(20)]
    assert most <= 3


def test_in_order_raises_a_reads_error_at_its_turn() -> None:
    def read(item: int) -> int:
        if item == 2:
            raise ApiLimitReached("max calls")
        return item

    rows = in_order(read, range(10), in_flight=2)
    assert [next(rows), next(rows)] == [0, 1]
    with pytest.raises(ApiLimitReached):
        next(rows)


class Poster:
    """Stands in for Recruit AI's side of ``post``: takes payloads one by one, as a poster pulls them."""

    def __init__(self, events: list[str], refuse: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        self.events = events
        self.refuse = refuse

    def __call__(self, payloads: Iterable[Mapping[str, Any]], refused: list[Reject]) -> Loaded:
        loaded = Loaded(posted=0, created=0, updated=0, unchanged=0, stale=0, rejected=0, failed=0)
        for payload in payloads:
            self.events.append(f"post {payload['CandidateID']}")
            if payload["CandidateID"] in self.refuse:
                loaded["rejected"] += 1
                refused.append(reject(payload["CandidateID"], "candidate", "load", "refused"))
            else:
                loaded["posted"] += 1
                loaded["created"] += 1
        return loaded


def _work(path: str, number: int = 1) -> PageWork:
    return PageWork(
        object="candidates", kind="candidate", pages=[path], number=number, max_calls=100, progress=COVERED
    )  # type: ignore[typeddict-item]


def _to_payload(record: Mapping[str, Any], text: str | None) -> Mapping[str, Any]:
    if record["Id"] == "c4":
        raise MappingError("no name")
    return {"CandidateID": record["Id"], "Resume": text or ""}


def test_a_page_posts_its_first_candidates_while_later_resumes_are_still_to_read(tmp_path: Path) -> None:
    directory = ObjectStoragePath(tmp_path.as_uri())
    page = _stage(directory, "candidates-page-00001.jsonl", 8)
    events: list[str] = []
    reader = ResumeReader(ResumeCache(directory / "cache"), 1000)

    def rows(records: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for record in records:
            events.append(f"read {record['Id']}")
            if record["Id"] == "c6":
                yield {"Id": "c6", "reason": "no résumé document"}
            else:
                yield {"Id": record["Id"], "text": f"résumé of {record['Id']}"}

    mapper = candidate_payload(_to_payload, lambda record: False, require_resume=True)
    synced = sync_page(
        _work(page), directory, mapper, lambda record: False, post=Poster(events), resumes=(rows, reader)
    )

    # Streamed: the first candidate is posted before the second résumé is read.
    assert events.index("post c0") < events.index("read c1")
    assert (synced["records"], synced["payloads"], synced["posted"]) == (8, 6, 6)
    assert (synced["rejected"], synced["skipped"], synced["deferred"]) == (1, 1, 0)
    rejects = {row["id"]: row for row in read_jsonl(synced["rejects_file"])}
    assert rejects["c4"]["stage"] == "map"
    assert rejects["c6"]["stage"] == "resume"
    staged = list(read_jsonl(directory / "candidate-payloads-00001.jsonl"))
    assert [p["CandidateID"] for p in staged] == ["c0", "c1", "c2", "c3", "c5", "c7"]
    assert len(list(read_jsonl(directory / "candidate-resumes-00001.jsonl"))) == 8
    assert synced["progress"] == COVERED


def test_when_the_api_limit_stops_the_resumes_the_rest_of_the_page_is_deferred(tmp_path: Path) -> None:
    directory = ObjectStoragePath(tmp_path.as_uri())
    page = _stage(directory, "candidates-page-00002.jsonl", 6, start=10)
    reader = ResumeReader(ResumeCache(directory / "cache"), 1000)

    def rows(records: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for record in records[:3]:
            yield {"Id": record["Id"], "text": "résumé"}
        raise ApiLimitReached("this run's max_api_calls_per_run (3) reached")

    events: list[str] = []
    mapper = candidate_payload(_to_payload, lambda record: False, require_resume=True)
    synced = sync_page(
        _work(page, 2), directory, mapper, lambda record: False, post=Poster(events), resumes=(rows, reader)
    )

    assert (synced["posted"], synced["deferred"]) == (3, 3)
    assert events == ["post c10", "post c11", "post c12"]
    assert synced["progress"]["complete"] is False
    assert synced["progress"]["resume_from"] == "2026-11-23T09:13:00+00:00"
    # The load folds the pages' progress: the earliest deferral wins.
    assert stopped_earlier(COVERED, synced["progress"]) == synced["progress"]  # type: ignore[arg-type]


def test_a_dry_run_stages_the_payloads_and_posts_nothing(tmp_path: Path) -> None:
    directory = ObjectStoragePath(tmp_path.as_uri())
    page = _stage(directory, "candidates-page-00003.jsonl", 3)
    synced = sync_page(
        _work(page, 3),
        directory,
        lambda record, _row: {"CandidateID": record["Id"]},
        lambda record: False,
        post=None,
    )
    assert (synced["payloads"], synced["posted"]) == (3, 0)
    assert len(list(read_jsonl(directory / "candidate-payloads-00003.jsonl"))) == 3


def test_an_error_while_posting_lets_the_resume_reads_finish_before_the_task_ends(tmp_path: Path) -> None:
    directory = ObjectStoragePath(tmp_path.as_uri())
    page = _stage(directory, "candidates-page-00004.jsonl", 20)
    reader = ResumeReader(ResumeCache(directory / "cache"), 1000)
    started: list[str] = []
    ended: list[str] = []

    def read(record: dict[str, Any]) -> dict[str, Any]:
        started.append(record["Id"])
        time.sleep(0 if record["Id"] == "c0" else 0.3)  # the first row is in hand before the others
        ended.append(record["Id"])
        return {"Id": record["Id"], "text": "résumé"}

    def rows(records: list[dict[str, Any]]) -> Generator[dict[str, Any]]:
        yield from in_order(read, records, in_flight=4)

    def post(payloads: Iterable[Mapping[str, Any]], refused: list[Reject]) -> Loaded:
        next(iter(payloads))
        raise RuntimeError("Recruit AI refused the key")

    mapper = candidate_payload(_to_payload, lambda record: False, require_resume=True)
    try:
        sync_page(_work(page, 4), directory, mapper, lambda record: False, post=post, resumes=(rows, reader))
    except RuntimeError:
        # While the error is on its way out (the hook's context records the calls spent
        # then), every read that started has ended, so its API call is counted.
        assert sorted(started) == sorted(ended)
    else:
        pytest.fail("the posting error did not come through")
    assert len(started) < 20
