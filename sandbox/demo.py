"""The quick-start demo: sync a sandbox Talent Rover org into a sandbox Recruit AI.

``make demo`` runs this. It starts both sandbox services on 127.0.0.1, points
the ``salesforce_default`` and ``recruit_ai_default`` connections at them, and
runs ``talent_rover_to_recruit_ai`` for two consecutive hourly intervals, with
records changed in Talent Rover in between, printing what each run did.
"""

from __future__ import annotations

import argparse
import logging
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from include.staging import read_json, run_directory
from sandbox.airflow_runs import PROJECT, ensure_metadata_db, load_dag, sync_interval
from sandbox.recruit_ai.client import RecruitAiSandboxClient
from sandbox.services import Services, start_services

DAG_ID = "talent_rover_to_recruit_ai"
HOUR = timedelta(hours=1)


def _run_summary(run_id: str) -> dict[str, Any]:
    """Read the summary the DAG's report task staged for a run."""
    return read_json(run_directory(DAG_ID, run_id) / "summary.json")


def _print_run(title: str, summary: dict[str, Any], services: Services) -> None:
    print(f"\n== {title}: window {summary['window']}")
    print(f"   {'object':<11} {'extracted':>9} {'posted':>7} {'skipped':>8} {'rejected':>9} {'failed':>7}")
    for row in summary["objects"]:
        print(
            f"   {row['object']:<11} {row['extracted']:>9} {row['posted']:>7} "
            f"{row['skipped']:>8} {row['rejected']:>9} {row['failed']:>7}"
        )
    usage = services.salesforce_state()["api_usage"]
    spent, used, allowed = summary["api_calls"], usage["used"], usage["max"]
    print(f"   Salesforce API calls spent: {spent} (org usage now {used}/{allowed})")


def main() -> None:
    """Run the demo."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=2000, help="size of the sandbox org")
    parser.add_argument("--state-dir", type=Path, default=PROJECT / ".sandbox")
    args = parser.parse_args()

    logging.getLogger("airflow").setLevel(logging.WARNING)
    anchor = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    services = start_services(args.state_dir, candidates=args.candidates, anchor=anchor)
    os.environ.update(services.connection_env())
    print(f"Sandbox Talent Rover (Salesforce) at {services.salesforce_url}")
    print(f"Sandbox Recruit AI at {services.recruit_ai_url}")
    recruit_ai = RecruitAiSandboxClient(
        services.recruit_ai_url, services.recruit_ai_api_key, services.tls.ca_bundle
    )
    recruit_ai.reset()

    print("Preparing the Airflow metadata database ...")
    ensure_metadata_db()
    dag = load_dag(DAG_ID)

    first = anchor - 2 * HOUR
    run = sync_interval(dag, first)
    _print_run("Run 1", _run_summary(run.run_id), services)

    changed = services.touch("Contact", count=25, stamp=anchor - HOUR + timedelta(minutes=20))
    services.touch("TR1__Job__c", count=5, stamp=anchor - HOUR + timedelta(minutes=40))
    print(f"\nChanged {len(changed)} contacts and 5 jobs in Talent Rover during the next hour.")
    run = sync_interval(dag, anchor - HOUR)
    _print_run("Run 2", _run_summary(run.run_id), services)

    stats = recruit_ai.stats()
    print(f"\nRecruit AI now holds {stats['candidates']} candidates and {stats['positions']} positions.")
    print(f"Inspect them (sandbox-only routes): {services.recruit_ai_url}/sandbox/candidates")
    services.stop()


if __name__ == "__main__":
    main()
