"""What every sync DAG's tasks do with their run, whichever ATS they read.

Called from inside tasks (they read the running task's context): which objects
the run selected, its staging directory, each object's window and watermark,
the run's ledger of API calls, syncing each staged page into Recruit AI (one
dynamically mapped task per page), the load that sums the pages up, and the report. Both
``talent_rover_to_recruit_ai`` and ``bullhorn_to_recruit_ai`` go through these,
so that there is one load path and one window/watermark mechanism.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from airflow.sdk import ObjectStoragePath, Variable, get_current_context
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

from include import pages
from include.load import Loaded, RecordKind, load_payloads
from include.pages import PAGE_COUNTS, Extracted, PageWork, Record, ResumeRows, ToPayload, candidate_payload
from include.posted_ledger import PostedLedger
from include.rejects import Reject
from include.resume_files import ResumeReader
from include.staging import cache_directory, read_json, read_jsonl, run_directory, write_json, write_jsonl
from include.summary import run_summary, summary_note, summary_text, too_many_rejects
from include.window import (
    Progress,
    Window,
    explicit_window,
    next_watermark,
    read_watermark,
    stopped_earlier,
    watermark_key,
    window_for_run,
    write_watermark,
)

log = logging.getLogger(__name__)

OBJECTS = ["candidates", "positions"]
# Where, in a run's staging directory, each try of a task that calls the ATS records what it spent.
SPENT = "ats-calls"
# The tasks whose results the report sums up, by object.
REPORTED_TASKS = [f"{step}_{name}" for name in OBJECTS for step in ("extract", "load")]


def skip_unless_selected(name: str) -> None:
    """Skip the calling task when the run's ``objects`` param leaves this object out."""
    if name not in get_current_context()["params"]["objects"]:
        raise AirflowSkipException(f"{name} not in this run's objects")


def staging_directory() -> ObjectStoragePath:
    """Return this run's staging directory."""
    context = get_current_context()
    return run_directory(context["dag"].dag_id, context["run_id"])


def _interval() -> tuple[datetime, datetime]:
    """The running DAG run's data interval.

    A run triggered without a logical date (Airflow 3's default for manual runs)
    has none: it then syncs up to the moment it was triggered, from the watermark
    (an empty interval at that moment, which ``window_for_run`` widens back).
    """
    context = get_current_context()
    start, end = context["data_interval_start"], context["data_interval_end"]
    if start is None or end is None:
        run_after = getattr(context.get("dag_run"), "run_after", None) or datetime.now(UTC)
        return run_after, run_after
    return start, end


def _watermark_key(name: str) -> str:
    return watermark_key(get_current_context()["dag"].dag_id, name)


def watermark(name: str) -> datetime:
    """Return an object's watermark; the first run of all sets it to its own interval's start.

    So even a first run that is skipped or fails leaves its window to the next one.
    """
    context = get_current_context()
    key = _watermark_key(name)
    current = read_watermark(Variable, key)
    if current is None:
        current = _interval()[0]
        write_watermark(Variable, key, current, run_id=context["run_id"])
    return current


def window(name: str) -> Window:
    """Return the window this run extracts for one object: its interval, widened back to the watermark."""
    params = get_current_context()["params"]
    try:
        asked = explicit_window(params.get("window_start"), params.get("window_end"), datetime.now(UTC))
    except ValueError as error:
        raise AirflowFailException(f"this run's window: {error}") from None
    if asked is not None:
        return asked
    start, end = _interval()
    return window_for_run(
        start,
        end,
        watermark=watermark(name),
        lookback=timedelta(minutes=params["lookback_minutes"]),
        full_resync=params["full_resync"],
    )


def spent_earlier(tasks: Sequence[str]) -> list[dict[str, Any]]:
    """Return what the run's ATS tasks recorded they spent (``record_spent``), in task order.

    Every try counts, this task's earlier ones too: a retried task must not get
    the run's budget afresh.
    """
    directory = staging_directory() / SPENT
    if not directory.exists():
        return []
    entries = [read_json(path) for path in directory.iterdir() if path.name.endswith(".json")]
    order = {task_id: position for position, task_id in enumerate(tasks)}
    return sorted(
        (entry for entry in entries if entry["task_id"] in order),
        key=lambda entry: (order[entry["task_id"]], entry.get("map_index", -1), entry["try_number"]),
    )


def calls_left(spent: Sequence[Mapping[str, Any]], max_calls_per_run: int) -> int:
    """Return how many ATS calls this task may still make, given what was ``spent`` (``spent_earlier``)."""
    return max(0, max_calls_per_run - sum(entry["calls"] for entry in spent))


def latest_usage(spent: Sequence[Mapping[str, Any]]) -> list[int] | None:
    """Return the ATS's latest word on the daily allowance among ``spent``, as ``[used, max]``, if any.

    The latest in time: page tasks that ran at once recorded theirs in any order.
    """
    said = [entry for entry in spent if entry.get("usage")]
    return list(max(said, key=lambda entry: entry.get("at", 0))["usage"]) if said else None


def record_spent(calls: int, usage: Sequence[int] | None = None) -> None:
    """Record this try's calls and the last API usage it saw, for later tasks, retries and the report.

    A file per try in the run's staging directory, not an XCom: Airflow clears a
    task's XComs when it is retried, and the calls its failed try made still count.
    """
    ti = get_current_context()["ti"]
    directory = staging_directory() / SPENT
    directory.mkdir(parents=True, exist_ok=True)
    map_index = ti.map_index if ti.map_index is not None else -1
    entry = {
        "task_id": ti.task_id,
        "at": datetime.now(UTC).timestamp(),
        "map_index": map_index,
        "try_number": ti.try_number,
        "calls": calls,
        "usage": list(usage) if usage else None,
    }
    page = f".{map_index}" if map_index >= 0 else ""
    write_json(directory / f"{ti.task_id}{page}.{ti.try_number}.json", entry)


def page_calls_left(spent: Sequence[Mapping[str, Any]], share: int) -> int:
    """Return how many ATS calls this try of a page's task may make: its ``share`` less earlier tries'."""
    ti = get_current_context()["ti"]
    earlier = sum(
        entry["calls"]
        for entry in spent
        if entry["task_id"] == ti.task_id and entry.get("map_index", -1) == ti.map_index
    )
    return max(0, share - earlier)


def sync_page(
    work: PageWork,
    to_payload: ToPayload,
    is_tombstone: Callable[[Record], bool],
    resumes: tuple[ResumeRows, ResumeReader] | None = None,
) -> dict[str, Any]:
    """Map and post one staged page: the work of one mapped task (``sync_<object>.expand``).

    A large window spreads over as many tasks as it has pages, and Celery or
    Kubernetes workers share them. A record that could not be posted after the
    hook's retries fails this task only: its retry does this one page again
    (résumés read already come from the cache, records already posted are not
    sent again). A retry has what is left of the page's share of API calls: what
    it cannot read then is deferred to the next run, never lost.
    With ``dry_run`` the payloads are staged and nothing is posted.
    """
    from recruit_ai_hook import RecruitAiHook

    params = get_current_context()["params"]
    kind = work["kind"]
    # A full resync re-posts everything: the way to repair a Recruit AI that lost records.
    ledger = None if params["full_resync"] else PostedLedger(posted_ledger_directory(kind))
    post = None
    if not params["dry_run"]:
        post_records = RecruitAiHook(max_in_flight=params["recruit_ai_requests_in_flight"]).post_records

        def post(payloads: Iterable[Mapping[str, Any]], refused: list[Reject]) -> Loaded:
            return load_payloads(post_records, kind, payloads, refused, ledger)

    try:
        synced = pages.sync_page(
            work, staging_directory(), to_payload, is_tombstone, post=post, resumes=resumes
        )
    finally:
        if ledger is not None:
            ledger.flush()
    if synced["failed"]:
        raise RuntimeError(
            f"{synced['failed']} {kind}s could not be posted after retries (see {synced['rejects_file']})"
        )
    return dict(synced)


def sync_candidate_page(
    work: PageWork,
    resume_rows: Callable[[list[Record], Callable[[Record], bool], ResumeReader], Generator[Record]],
    to_payload: Callable[[Record, str | None], Mapping[str, Any]],
    is_tombstone: Callable[[Record], bool],
    resume_cache: str,
) -> dict[str, Any]:
    """Sync one page of candidates (``sync_page``), each joined with its résumé text.

    ``resume_rows(records, needs_resume, reader)`` is the ATS's way to read a page's
    résumés; they go through the résumé cache ``resume_cache`` and the
    ``max_resume_bytes`` limit, and ``require_resume`` says whether a candidate
    without one is skipped.
    """
    from include.resume_cache import ResumeCache

    params = get_current_context()["params"]
    reader = ResumeReader(ResumeCache(cache_directory(resume_cache)), params["max_resume_bytes"])

    def needs_resume(record: Record) -> bool:
        return not is_tombstone(record)

    return sync_page(
        work,
        candidate_payload(to_payload, is_tombstone, require_resume=params["require_resume"]),
        is_tombstone,
        (lambda records: resume_rows(records, needs_resume, reader), reader),
    )


def posted_ledger_directory(kind: RecordKind) -> ObjectStoragePath:
    """Where this DAG's ledger of what Recruit AI holds, for one kind of record, lives."""
    return cache_directory(f"{get_current_context()['dag'].dag_id}-posted-{kind}s")


def finish_load(name: str, kind: RecordKind, extracted: Extracted, synced: Iterable[Any]) -> dict[str, Any]:
    """Sum up what the mapped ``sync_<object>`` tasks did, then move the object's watermark.

    Runs only once every page is posted, so the watermark never passes a record
    that is not in Recruit AI; it stops at the earliest record a page deferred.
    The pages' rejects are gathered into one file.
    """
    pages_done = [page for page in synced if page]
    loaded: dict[str, Any] = {
        "object": kind,
        "pages": len(pages_done),
        **{key: sum(page.get(key, 0) for page in pages_done) for key in PAGE_COUNTS},
    }
    rejects = staging_directory() / f"{kind}-rejects.jsonl"
    write_jsonl(rejects, (row for page in pages_done for row in read_jsonl(page["rejects_file"])))
    covered: Progress = extracted["progress"]
    for page in pages_done:
        covered = stopped_earlier(covered, page["progress"])
    loaded.update(rejects_file=str(rejects), progress=covered)
    log.info(
        "Recruit AI %ss, %d page(s): %d posted (%d new, %d replaced), %d unchanged, %d stale; "
        "%d rejected, %d skipped, %d deferred (reasons in %s)",
        kind,
        loaded["pages"],
        loaded["posted"],
        loaded["created"],
        loaded["updated"],
        loaded["unchanged"],
        loaded["stale"],
        loaded["rejected"],
        loaded["skipped"],
        loaded["deferred"],
        rejects,
    )
    if get_current_context()["params"]["dry_run"]:
        log.info("Dry run: %d %s payloads staged, nothing posted", loaded["payloads"], kind)
        return {**loaded, "dry_run": True, "watermark": None}
    if _explicit_window_asked():
        # A window asked for by hand repairs the past; moving the watermark past its
        # end would skip what lies between the watermark and its start.
        log.info("Watermark of %s unchanged: this run synced an explicit window", name)
        return {**loaded, "watermark": None}
    return {**loaded, "watermark": _move_watermark(name, covered)}


def _explicit_window_asked() -> bool:
    params = get_current_context()["params"]
    return bool(params.get("window_start") or params.get("window_end"))


def _move_watermark(name: str, covered: Progress) -> str | None:
    """Record how far ``name`` is loaded, once everything this run staged is in Recruit AI."""
    key = _watermark_key(name)
    current = read_watermark(Variable, key)
    moved = next_watermark(current, covered)
    if moved is not None and moved != current:
        write_watermark(Variable, key, moved, run_id=get_current_context()["run_id"])
    log.info("Watermark of %s: %s → %s", name, current, moved)
    return None if moved is None else moved.isoformat()


def report(ats_tasks: Sequence[str], ats_name: str) -> dict[str, Any]:
    """Log what the run did, per object, and the ATS calls it spent; stage it as ``summary.json``.

    Fails the run (no retry) when rejects exceed the ``max_reject_pct`` param.
    """
    context = get_current_context()
    ti = context["ti"]
    spent = spent_earlier(ats_tasks)
    summary = run_summary(
        {task_id: ti.xcom_pull(task_ids=task_id) or {} for task_id in REPORTED_TASKS},
        api_calls=sum(entry.get("calls", 0) for entry in spent),
        max_api_calls=context["params"]["max_api_calls_per_run"],
        allowance=latest_usage(spent),
    )
    write_json(staging_directory() / "summary.json", summary)
    log.info("Sync summary\n%s", summary_text(summary, ats_name))
    _note_run(summary_note(summary, ats_name))
    if problem := too_many_rejects(summary, context["params"]["max_reject_pct"]):
        raise AirflowFailException(problem)
    return summary


def _note_run(note: str) -> None:
    """Show the summary as the run's note in the UI, through the ``airflow_api_default`` connection.

    The Task SDK gives a task no way to set its run's note, so this goes through
    Airflow's REST API; without that connection the summary stays in the log and
    ``summary.json``, and a failure to set the note never fails the run.
    """
    from airflow.sdk.exceptions import AirflowNotFoundException
    from airflow_api_hook import AirflowApiHook

    context = get_current_context()
    try:
        AirflowApiHook().set_dag_run_note(context["dag"].dag_id, context["run_id"], note)
    except AirflowNotFoundException:
        log.info("No %s connection: the summary is not the run's note", AirflowApiHook.default_conn_name)
    except Exception as error:
        log.warning("Could not set the run's note: %s", error)
    else:
        log.info("The summary is the run's note")


def clean_staging(resume_cache: str) -> dict[str, Any]:
    """Remove this DAG's staged runs, and résumé texts, older than the ``staging_retention_days`` Param.

    Staged files hold personal data (records, payloads, résumé text); they stay
    only as long as a cleared or retried run may need them.
    """
    from include.resume_cache import ResumeCache
    from include.retention import forget_unused_resumes, remove_expired_runs
    from include.staging import staging_root

    context = get_current_context()
    keep = timedelta(days=context["params"]["staging_retention_days"])
    removed = remove_expired_runs(staging_root(), context["dag"].dag_id, keep)
    forgotten = forget_unused_resumes(ResumeCache(cache_directory(resume_cache)), keep)
    log.info(
        "Staging: %d runs older than %s removed, %d résumé texts forgotten", len(removed), keep, forgotten
    )
    return {"runs_removed": len(removed), "resumes_forgotten": forgotten}
