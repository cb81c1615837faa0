"""The quick-start demo: sync a sandbox Talent Rover org (and a Bullhorn corporation) into Recruit AI.

``make demo`` runs this. It starts the sandbox services on 127.0.0.1, points the
``salesforce_default``, ``bullhorn_default`` and ``recruit_ai_default`` connections
at them, runs ``talent_rover_to_recruit_ai`` for two consecutive hourly intervals,
with records changed in Talent Rover in between, then ``bullhorn_to_recruit_ai``
for the last hour, printing what each run did.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from include.staging import read_json, run_directory
from include.summary import summary_table
from sandbox.airflow_runs import PROJECT, ensure_metadata_db, load_dag, sync_interval
from sandbox.recruit_ai.client import RecruitAiSandboxClient
from sandbox.services import Services, start_services

DAG_ID = "talent_rover_to_recruit_ai"
BULLHORN_DAG_ID = "bullhorn_to_recruit_ai"
HOUR = timedelta(hours=1)


def _print_run(title: str, run: Any) -> dict[str, Any]:
    """Print the summary the DAG's report task staged for a run; return it."""
    summary = read_json(run_directory(run.dag_id, run.run_id) / "summary.json")
    print(f"\n== {title}")
    print(textwrap.indent(summary_table(summary["objects"]), "   "))
    for row in summary["objects"]:
        if row["window_end"]:
            print(f"   {row['object']}: window [{row['window_start']}, {row['window_end']})")
    return summary


def _print_salesforce_calls(summary: dict[str, Any], services: Services) -> None:
    usage = services.salesforce_state()["api_usage"]
    spent, used, allowed = summary["api_calls"], usage["used"], usage["max"]
    print(f"   Salesforce API calls spent: {spent} (org usage now {used}/{allowed})")


@contextlib.contextmanager
def _task_logs_to(path: Path | None) -> Iterator[None]:
    """Send what Airflow prints while running tasks to a file (None: leave it on the terminal)."""
    if path is None:
        yield
        return
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with path.open("a") as log_file:
        os.dup2(log_file.fileno(), 1)
        os.dup2(log_file.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


def main() -> None:
    """Run the demo."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=2000, help="size of the sandbox org")
    parser.add_argument("--state-dir", type=Path, default=PROJECT / ".sandbox")
    parser.add_argument("--verbose", action="store_true", help="show Airflow's task logs too")
    args = parser.parse_args()

    anchor = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    services = start_services(args.state_dir, candidates=args.candidates, anchor=anchor)
    os.environ.update(services.connection_env())
    print(f"Sandbox Talent Rover (Salesforce) at {services.salesforce_url}")
    print(f"Sandbox Bullhorn at {services.bullhorn_url}")
    print(f"Sandbox Recruit AI at {services.recruit_ai_url}")
    recruit_ai = RecruitAiSandboxClient(
        services.recruit_ai_url, services.recruit_ai_api_key, services.tls.ca_bundle
    )
    recruit_ai.reset()

    print("Preparing the Airflow metadata database ...")
    ensure_metadata_db()
    task_log = None if args.verbose else args.state_dir / "demo-task-logs.txt"
    if task_log:
        print(f"Airflow's task logs go to {task_log} (--verbose shows them here)")
    with _task_logs_to(task_log):
        dag = load_dag(DAG_ID)
        run = sync_interval(dag, anchor - 2 * HOUR)
    # The services log each request; the terminal shows only the summaries.
    logging.getLogger("sandbox").setLevel(logging.INFO if args.verbose else logging.WARNING)
    _print_salesforce_calls(_print_run("Run 1: Talent Rover", run), services)

    changed = services.touch("Contact", count=25, stamp=anchor - HOUR + timedelta(minutes=20))
    services.touch("TR1__Job__c", count=5, stamp=anchor - HOUR + timedelta(minutes=40))
    print(f"\nChanged {len(changed)} contacts and 5 jobs in Talent Rover during the next hour.")
    with _task_logs_to(task_log):
        run = sync_interval(dag, anchor - HOUR)
    _print_salesforce_calls(_print_run("Run 2: Talent Rover", run), services)

    with _task_logs_to(task_log):
        run = sync_interval(load_dag(BULLHORN_DAG_ID), anchor - HOUR)
    summary = _print_run("Run 3: Bullhorn, the same hour", run)
    print(f"   Bullhorn API calls spent: {summary['api_calls']} (logins included)")

    stats = recruit_ai.stats()
    print(f"\nRecruit AI now holds {stats['candidates']} candidates and {stats['positions']} positions.")
    print("To keep both services running and explore them: make sandbox")
    services.stop()


if __name__ == "__main__":
    main()
