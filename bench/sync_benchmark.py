"""End-to-end benchmark of ``talent_rover_to_recruit_ai`` against the sandbox, beside a naive baseline.

Run from the repository root: ``.venv/bin/python -m bench.sync_benchmark [--candidates N] [--quick]``.

For each size (default 10k and 100k candidates; ``--quick``: 2k and 10k) it
generates a sandbox org (positions follow the generator's ratio, candidates // 10 + 3,
which cannot be set), starts the sandbox services in this process, and then, each in a
fresh subprocess so that its memory is its own:

1. **the naive baseline**: the provider's ``SalesforceHook.make_query`` loads every
   candidate and position at once (no résumés), the same mapping functions map them,
   and one POST per record goes through a fresh ``HttpHook.run``. On a large org only a
   sample is posted and the load time is extrapolated from it: the table says so.
2. **the real DAG**, through ``dag.test`` with ``full_resync`` (the whole org is one
   window) and no API budget in the way. A thread samples the process's RSS every
   few milliseconds; tasks run one after another in that process, so each task's peak
   is the highest sample between its start and end (its start and end come from the
   metadata DB). A task's peak includes Airflow itself and memory the allocator kept
   from earlier tasks, so the growth over the RSS at the task's start is shown too.

Salesforce API calls come from the sandbox's ``GET /sandbox/state`` (``calls_by_route``),
Recruit AI requests from its ``GET /sandbox/stats``. The floor is, per object, the
cheaper of ``ceil(N/2000)`` REST query pages and a Bulk API 2.0 query job at its
cheapest (create, one poll, a result page per 25,000 records, the describes, delete), one ``/limits``
call, one résumé-document lookup per 500 candidates (``IN (…)``) and one download per
candidate whose current résumé names a file.
``--latency-ms`` adds that latency to every sandbox Recruit AI answer (both runs).
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import logging
import math
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parent.parent
DAG_ID = "talent_rover_to_recruit_ai"
RESULTS = PROJECT / "bench" / "results"
IDS_PER_LOOKUP = 500  # candidates per résumé-document lookup (include.talent_rover.soql.MAX_IDS_PER_QUERY)
STAGES = {
    "extract": ("extract_positions", "extract_candidates"),
    # One mapped task per staged page: résumés read, records mapped and posted, streamed.
    "pages": ("sync_candidates", "sync_positions"),
    "load": ("candidate_pages", "position_pages", "load_candidates", "load_positions"),
}
TASKS = ("check_api_limits", *(task for tasks in STAGES.values() for task in tasks), "report")
# A run without an API budget in the way: the benchmark measures speed, not the stop.
RUN_CONF = {"full_resync": True, "max_api_calls_per_run": 1_000_000_000}
MB = 1024 * 1024


# --- measuring inside a child process ---------------------------------------------------------


class RssSampler:
    """Sample this process's resident set size in a background thread: (epoch seconds, bytes).

    Beside it, every ``workers_every`` samples, the private memory (USS) of the
    process's children: a page task's text-extraction workers, which are processes
    of their own. A worker's shared pages (libraries) are not counted.
    """

    def __init__(self, every_seconds: float = 0.01, workers_every: int = 10) -> None:
        """Prepare to sample every ``every_seconds``, the children every ``workers_every`` samples."""
        self.every_seconds = every_seconds
        self.workers_every = workers_every
        self.samples: list[tuple[float, int]] = []
        self.with_workers: list[tuple[float, int]] = []  # RSS plus the children's private memory
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def _run(self) -> None:
        page = os.sysconf("SC_PAGE_SIZE")
        with open("/proc/self/statm") as statm:
            for count in itertools.count():
                if self._stop.is_set():
                    break
                statm.seek(0)
                now = time.time()
                rss = int(statm.read().split()[1]) * page
                self.samples.append((now, rss))
                if count % self.workers_every == 0:
                    self.with_workers.append((now, rss + children_private_memory()))
                self._stop.wait(self.every_seconds)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def between(self, start: float, end: float) -> tuple[int, int]:
        """Return (RSS at ``start``, peak RSS within ``[start, end]``), in bytes."""
        inside = [rss for at, rss in self.samples if start <= at <= end]
        before = [rss for at, rss in self.samples if at <= start]
        at_start = before[-1] if before else (inside[0] if inside else 0)
        return at_start, max(inside, default=at_start)

    def with_workers_between(self, start: float, end: float) -> int:
        """Peak of RSS plus the children's private memory within ``[start, end]``, in bytes."""
        return max((total for at, total in self.with_workers if start <= at <= end), default=0)


def children_private_memory() -> int:
    """The private memory (USS) of this process's children and their children, in bytes; 0 without any."""
    return int(_over_children(lambda child: child.memory_full_info().uss))


def _over_children(measure: Callable[[Any], float]) -> float:
    """The sum of ``measure(child)`` over this process's live descendants (``psutil.Process``es)."""
    import psutil

    total = 0.0
    for child in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.Error):  # it ended meanwhile
            total += measure(child)
    return total


def peak_rss_of_process() -> int:
    """Return this process's peak RSS (VmHWM) in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def run_dag_child(logical_date: datetime) -> dict[str, Any]:
    """Run the DAG once through ``dag.test``; return its timings, manifests and memory, per task."""
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    from sandbox.airflow_runs import load_dag

    dag = load_dag(DAG_ID)
    with RssSampler() as sampler:
        started = time.perf_counter()
        run = dag.test(logical_date=logical_date, run_conf=RUN_CONF)
        wall = time.perf_counter() - started
    tasks: dict[str, dict[str, Any]] = {}
    for ti in run.get_task_instances():
        if ti.start_date is None or ti.end_date is None:
            continue  # skipped
        start, end = ti.start_date.timestamp(), ti.end_date.timestamp()
        at_start, peak = sampler.between(start, end)
        # A mapped task (one instance per staged page) counts as one: its time summed, its peak the highest.
        task = tasks.setdefault(
            ti.task_id,
            {"state": str(ti.state), "seconds": 0.0, "rss_at_start": at_start, "peak_rss": 0, "workers": 0},
        )
        task["seconds"] += end - start
        task["peak_rss"] = max(task["peak_rss"], peak)
        task["workers"] = max(task["workers"], peak, sampler.with_workers_between(start, end))
        task["rss_at_start"] = min(task["rss_at_start"], at_start)
        task["instances"] = task.get("instances", 0) + 1
    with create_session() as session:
        query = XComModel.get_many(run_id=run.run_id, dag_ids=DAG_ID, key="return_value")
        xcoms: list[Any] = list(session.scalars(query))
        for xcom in xcoms:
            if xcom.task_id in tasks:
                tasks[xcom.task_id]["manifest"] = XComModel.deserialize_value(xcom)
    return {"wall": wall, "state": str(run.state), "tasks": tasks, "peak_rss": peak_rss_of_process()}


def run_baseline_child(end: datetime, sample: int) -> dict[str, Any]:
    """The naive way: load everything with ``make_query``, map it, POST each record with a fresh hook."""
    from airflow.providers.http.hooks.http import HttpHook
    from airflow.sdk import BaseHook

    from include.mappings.talent_rover import candidate, position
    from include.talent_rover.soql import window_query
    from include.window import Window
    from talent_rover_hook import TalentRoverHook

    # The provider's make_query, on the connection TalentRoverHook logs in with (the
    # provider's own username/password login goes to login.salesforce.com, not to the sandbox).
    salesforce = TalentRoverHook()
    everything = Window(None, end)
    started = time.perf_counter()
    loaded = {
        kind: salesforce.make_query(
            window_query(mapping.SOBJECT, mapping.soql_fields(), everything, mapping.FILTER),
            include_deleted=True,
        )["records"]
        for kind, mapping in (("candidate", candidate), ("position", position))
    }
    extracted = time.perf_counter()
    mappers: dict[str, Callable[[Mapping[str, Any]], Mapping[str, str]]] = {
        "candidate": lambda record: candidate.to_payload(record, None),
        "position": position.to_payload,
    }
    payloads: list[tuple[str, Mapping[str, str]]] = []
    unmapped = 0
    for kind, records in loaded.items():
        for record in records:
            try:
                payloads.append((kind, mappers[kind](record)))
            except ValueError:
                unmapped += 1
    mapped = time.perf_counter()
    token = BaseHook.get_connection("recruit_ai_default").password or ""
    chosen = payloads[:: max(1, math.ceil(len(payloads) / sample))] if payloads else []
    refused = 0
    for kind, payload in chosen:
        # Recruit AI takes one form-encoded record per request; a refusal (4xx) is counted, not fatal.
        response = HttpHook(method="POST", http_conn_id="recruit_ai_default").run(
            f"/public/{kind}",
            data=dict(payload),
            headers={"token": token},
            extra_options={"check_response": False},
        )
        refused += response.status_code >= 400
    posted = time.perf_counter()
    per_post = (posted - mapped) / max(1, len(chosen))
    return {
        "records": sum(len(records) for records in loaded.values()),
        "payloads": len(payloads),
        "unmapped": unmapped,
        "extract_seconds": extracted - started,
        "map_seconds": mapped - extracted,
        "posted": len(chosen),
        "refused": refused,
        "post_seconds_each": per_post,
        "load_seconds": per_post * len(payloads),  # extrapolated when only a sample was posted
        "wall": (mapped - started) + per_post * len(payloads),
        "peak_rss": peak_rss_of_process(),
    }


# --- one size: services here, the runs in subprocesses ------------------------------------------


@dataclass
class SizeResult:
    """What one size's runs measured."""

    candidates: int
    dag: dict[str, Any]
    baseline: dict[str, Any]
    salesforce_calls: dict[str, int]
    baseline_salesforce_calls: dict[str, int]
    recruit_ai_requests: int
    baseline_recruit_ai_requests: int


def _child(mode: str, argument: str, env: dict[str, str], log_path: Path) -> dict[str, Any]:
    """Run this module in a subprocess in ``mode``; its output goes to ``log_path``, its result back."""
    out = log_path.with_suffix(".json")
    with log_path.open("w") as log_file:
        subprocess.run(  # noqa: S603 -- this very module, with arguments built here
            [
                sys.executable,
                "-m",
                "bench.sync_benchmark",
                "--child",
                mode,
                argument,
                "--child-out",
                str(out),
            ],
            check=True,
            cwd=PROJECT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    return dict(json.loads(out.read_text()))


def children_cpu_seconds() -> float:
    """CPU seconds (user + system) of the finished subprocesses, with their own finished children.

    The DAG's run: its ``dag.test`` process and the text-extraction workers it reaped.
    """
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def sandbox_cpu_seconds() -> float:
    """CPU seconds of this process (the sandbox services' threads) and its live children (their workers)."""
    import psutil

    return sum(psutil.Process().cpu_times()[:2]) + _over_children(lambda child: sum(child.cpu_times()[:2]))


def _calls_since(before: Mapping[str, int], after: Mapping[str, int]) -> dict[str, int]:
    return {
        route: count - before.get(route, 0) for route, count in after.items() if count - before.get(route, 0)
    }


def measure_size(
    candidates: int, *, workdir: Path, logical_date: datetime, sample: int, latency_ms: float
) -> SizeResult:
    """Generate an org of ``candidates``, start the services, run the baseline and the DAG against it."""
    from sandbox.faults import FaultPlan
    from sandbox.recruit_ai.client import RecruitAiSandboxClient
    from sandbox.services import start_services

    anchor = logical_date.replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
    services = start_services(workdir / "sandbox", candidates=candidates, anchor=anchor)
    try:
        # The daily allowance is not what is measured: let every call through.
        services.set_api_usage(0, max_requests=1_000_000_000)
        if latency_ms:
            services.set_faults(FaultPlan(), recruit_ai_plan=FaultPlan(latency_ms={"*": latency_ms}))
        recruit_ai = RecruitAiSandboxClient(
            services.recruit_ai_url, services.recruit_ai_api_key, services.tls.ca_bundle
        )
        recruit_ai.reset()
        env = {
            **os.environ,
            **services.connection_env(),
            # A staging location (and so an empty résumé cache) of its own per size.
            "RECRUIT_AI_STAGING_URL": (workdir / f"staging-{candidates}").as_uri(),
        }
        calls = services.salesforce_state()["calls_by_route"]
        baseline = _child(
            "baseline", f"{anchor.isoformat()},{sample}", env, RESULTS / f"baseline-{candidates}.log"
        )
        after_baseline = services.salesforce_state()["calls_by_route"]
        baseline_requests = sum(recruit_ai.stats()["requests"].values())
        recruit_ai.reset()
        ours_before, sandbox_before = children_cpu_seconds(), sandbox_cpu_seconds()
        dag = _child("dag", logical_date.isoformat(), env, RESULTS / f"dag-{candidates}.log")
        dag["cpu_seconds"] = children_cpu_seconds() - ours_before
        dag["sandbox_cpu_seconds"] = sandbox_cpu_seconds() - sandbox_before
        after_dag = services.salesforce_state()["calls_by_route"]
        return SizeResult(
            candidates=candidates,
            dag=dag,
            baseline=baseline,
            salesforce_calls=_calls_since(after_baseline, after_dag),
            baseline_salesforce_calls=_calls_since(calls, after_baseline),
            recruit_ai_requests=sum(recruit_ai.stats()["requests"].values()),
            baseline_recruit_ai_requests=baseline_requests,
        )
    finally:
        services.stop()


# --- the figures and the table ---------------------------------------------------------------------


def _manifest(result: SizeResult, task_id: str) -> dict[str, Any]:
    return dict(result.dag["tasks"].get(task_id, {}).get("manifest") or {})


def _rate(records: float, seconds: float) -> float:
    return records / seconds if seconds > 0 else 0.0


def salesforce_floor(result: SizeResult) -> int:
    """The fewest Salesforce API calls this run's window could cost (see the module doc)."""
    candidates = _manifest(result, "extract_candidates").get("records", 0)
    positions = _manifest(result, "extract_positions").get("records", 0)
    loaded = _manifest(result, "load_candidates")
    # Tombstones need no résumé lookup.
    alive = candidates - loaded.get("deleted", 0)
    downloads = loaded.get("downloaded", 0) + loaded.get("from_cache", 0)
    from include.mappings.talent_rover import candidate, position

    lookups = math.ceil(alive / IDS_PER_LOOKUP)
    return query_floor(candidates, candidate) + query_floor(positions, position) + 1 + lookups + downloads


def query_floor(records: int, mapping: Any) -> int:
    """The fewer calls of the two ways to read ``records`` of one object: REST pages, or a Bulk query job.

    The job at its cheapest: create, one poll, its result pages, the describes its
    columns need, delete.
    """
    from include.talent_rover.bulk import bulk_calls, describes_needed, rest_calls

    job = bulk_calls(records, describes=describes_needed(mapping.soql_fields()), polls=1)
    return min(rest_calls(records), job)


def figures(result: SizeResult) -> dict[str, float]:
    """Our run's figures, by row name."""
    tasks = result.dag["tasks"]

    def seconds(*task_ids: str) -> float:
        return sum(tasks.get(task_id, {}).get("seconds", 0.0) for task_id in task_ids)

    def records(task_id: str, key: str = "records") -> float:
        return float(_manifest(result, task_id).get(key, 0))

    extracted = records("extract_candidates") + records("extract_positions")
    posted = records("load_candidates", "posted") + records("load_positions", "posted")
    spent = sum(result.salesforce_calls.values())
    row = {
        "records extracted": extracted,
        "wall time s": result.dag["wall"],
        "task time s (sum)": seconds(*TASKS),
        "end to end rec/s": _rate(extracted, result.dag["wall"]),
        "extract rec/s": _rate(extracted, seconds(*STAGES["extract"])),
        "pages rec/s (résumés+map+post)": _rate(extracted, seconds(*STAGES["pages"])),
        "sync_candidates rec/s": _rate(records("extract_candidates"), seconds("sync_candidates")),
        "sync_positions rec/s": _rate(records("extract_positions"), seconds("sync_positions")),
        "load rec/s (sums, watermark)": _rate(posted, seconds(*STAGES["load"])),
        "résumés downloaded": records("load_candidates", "downloaded"),
        "SF calls spent": spent,
        "SF calls floor": salesforce_floor(result),
        "SF calls over floor": spent - salesforce_floor(result),
        "RAI requests": result.recruit_ai_requests,
        "records posted": posted,
        "peak RSS MB (dag.test)": result.dag["peak_rss"] / MB,
        "CPU s: ours (dag.test + workers)": result.dag.get("cpu_seconds", 0.0),
        "CPU s: sandbox services": result.dag.get("sandbox_cpu_seconds", 0.0),
        "CPU % of the machine (both)": 100
        * (result.dag.get("cpu_seconds", 0.0) + result.dag.get("sandbox_cpu_seconds", 0.0))
        / (result.dag["wall"] * (os.cpu_count() or 1)),
    }
    for task_id in TASKS:
        task = tasks.get(task_id, {})
        row[f"  {task_id} peak MB"] = task.get("peak_rss", 0) / MB
        row[f"  {task_id} growth MB"] = (task.get("peak_rss", 0) - task.get("rss_at_start", 0)) / MB
        row[f"  {task_id} +workers MB"] = task.get("workers", 0) / MB
    return row


def baseline_figures(result: SizeResult) -> dict[str, float]:
    """The naive baseline's figures, by the same row names where they apply."""
    base = result.baseline
    return {
        "records extracted": base["records"],
        "wall time s": base["wall"],
        "end to end rec/s": _rate(base["records"], base["wall"]),
        "extract rec/s": _rate(base["records"], base["extract_seconds"]),
        # The baseline maps, then posts: its map and post rates against our pages' combined one.
        "pages rec/s (résumés+map+post)": _rate(
            base["payloads"], base["map_seconds"] + base["post_seconds_each"] * base["payloads"]
        ),
        "SF calls spent": sum(result.baseline_salesforce_calls.values()),
        "RAI requests": base["payloads"],  # one per record (measured on the sample)
        "records posted": base["payloads"],
        "peak RSS MB (dag.test)": base["peak_rss"] / MB,
    }


def growth_per_10x(small: float, large: float, small_n: int, large_n: int) -> str:
    """How a figure grows per 10× records: ``(large/small) ** (1 / log10(large_n/small_n))``."""
    if small <= 0 or large <= 0 or large_n <= small_n:
        return "-"
    return f"×{(large / small) ** (1 / math.log10(large_n / small_n)):.2f}"


def _cell(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}"


def table(results: Sequence[SizeResult]) -> str:
    """The one table: our figures per size, their growth per 10×, the baseline, and our ÷ baseline."""
    ours = [figures(result) for result in results]
    naive = [baseline_figures(result) for result in results]
    first, last = results[0].candidates, results[-1].candidates
    header = [
        "figure",
        *(f"ours@{r.candidates:,}" for r in results),
        "growth/10×",
        *(f"naive@{r.candidates:,}" for r in results),
        f"ours÷naive@{last:,}",
    ]
    rows = [header]
    for name in ours[0]:
        small, large = ours[0][name], ours[-1][name]
        naive_last = naive[-1].get(name)
        ratio = f"{large / naive_last:.2f}" if naive_last else "-"
        rows.append(
            [
                name,
                *(_cell(figure[name]) for figure in ours),
                growth_per_10x(small, large, first, last) if len(results) > 1 else "-",
                *(_cell(figure.get(name)) for figure in naive),
                ratio,
            ]
        )
    widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
    lines = [
        "  ".join(cell.ljust(widths[0]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row))
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def notes(results: Sequence[SizeResult], latency_ms: float) -> str:
    """What the table's figures mean and where they are estimates."""
    lines = [
        "ours: talent_rover_to_recruit_ai through dag.test, full_resync, one subprocess per size;",
        "  stage rec/s from the task instances' start/end in the metadata DB;",
        "  records = candidates + positions;",
        "  'peak MB' is the dag.test process's sampled peak RSS during the task (Airflow included),",
        "  'growth MB' that peak less the RSS at the task's start;",
        "  '+workers MB' the peak of that RSS plus its text-extraction workers' private memory.",
        "naive: SalesforceHook.make_query of everything, the same mapping (no résumés),",
        "  a fresh HttpHook.run per record;",
    ]
    for result in results:
        base = result.baseline
        if base["posted"] < base["payloads"]:
            lines.append(
                f"  @{result.candidates:,}: posted {base['posted']} of {base['payloads']} payloads;"
                " its load time and wall time are EXTRAPOLATED"
                f" ({base['post_seconds_each'] * 1000:.1f} ms/POST)"
            )
    for result in results:
        spent = ", ".join(f"{route} {count}" for route, count in sorted(result.salesforce_calls.items()))
        lines.append(f"SF calls @{result.candidates:,} by route: {spent}")
        failed = [t for t, task in result.dag["tasks"].items() if "success" not in task["state"]]
        if failed or "success" not in result.dag["state"]:
            lines.append(f"  run state {result.dag['state']}; tasks not successful: {', '.join(failed)}")
    lines.append(
        f"Recruit AI latency fault: {latency_ms:g} ms per request" if latency_ms else "no latency fault"
    )
    return "\n".join(lines)


# --- the command ------------------------------------------------------------------------------------


def _sizes(args: argparse.Namespace) -> list[int]:
    if args.sizes:
        return [int(size) for size in args.sizes.split(",")]
    if args.quick:
        return [2_000, 10_000]
    return sorted({max(1, args.candidates // 10), args.candidates})


def _child_main(mode: str, argument: str, out: Path) -> None:
    if mode == "dag":
        result = run_dag_child(datetime.fromisoformat(argument))
    else:
        end, sample = argument.split(",")
        result = run_baseline_child(datetime.fromisoformat(end), int(sample))
    out.write_text(json.dumps(result))


def main(argv: Sequence[str] | None = None) -> None:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=100_000, help="largest size (also run: a tenth)")
    parser.add_argument("--quick", action="store_true", help="2,000 and 10,000 candidates")
    parser.add_argument("--sizes", help="comma-separated candidate counts, instead of the above")
    parser.add_argument("--baseline-sample", type=int, default=300, help="records the naive baseline posts")
    parser.add_argument("--latency-ms", type=float, default=0, help="latency the sandbox Recruit AI adds")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--child-out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        mode, argument = args.child
        _child_main(mode, argument, args.child_out)
        return

    from sandbox.airflow_runs import ensure_metadata_db

    os.environ.setdefault("AIRFLOW_HOME", str(PROJECT / ".airflow"))
    os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(PROJECT / "dags"))
    os.environ.setdefault("AIRFLOW__CORE__PLUGINS_FOLDER", str(PROJECT / "plugins"))
    os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    os.environ["PYTHONPATH"] = os.pathsep.join([str(PROJECT), str(PROJECT / "plugins")])
    logging.getLogger("sandbox").setLevel(logging.WARNING)
    RESULTS.mkdir(parents=True, exist_ok=True)
    ensure_metadata_db()
    results = []
    with tempfile.TemporaryDirectory(prefix="sync-benchmark-", dir=RESULTS) as workdir:
        # Each size gets its own DAG run: logical dates a second apart, after the org's stamps.
        now = datetime.now(UTC).replace(microsecond=0)
        for index, size in enumerate(_sizes(args)):
            started = time.perf_counter()
            results.append(
                measure_size(
                    size,
                    workdir=Path(workdir),
                    logical_date=now + timedelta(seconds=index),
                    sample=args.baseline_sample,
                    latency_ms=args.latency_ms,
                )
            )
            print(f"measured {size:,} candidates in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    print(table(results))
    print(notes(results, args.latency_ms))


if __name__ == "__main__":
    main()
