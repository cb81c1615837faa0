"""A tiny run of the end-to-end benchmark: its one table comes out, with figures that add up.

The benchmark runs the real DAG against the sandbox services, so even a small org
takes a while: résumé downloads dominate (see the README's "Benchmark" section).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from bench import sync_benchmark

SIZE = 60


def _rows(output: str) -> dict[str, list[str]]:
    """The table's rows by figure name: the cells after the name."""
    rows = {}
    for line in output.splitlines():
        cells = re.split(r"\s{2,}", line.strip())
        if len(cells) == 5:  # figure, ours, growth, naive, ratio
            rows[cells[0]] = cells[1:]
    return rows


def _number(cell: str) -> float:
    return float(cell.replace(",", ""))


@pytest.mark.usefixtures("airflow_db")
def test_a_small_run_prints_the_table(capsys: Any) -> None:
    sync_benchmark.main(["--sizes", str(SIZE), "--baseline-sample", "10"])
    output = capsys.readouterr().out

    rows = _rows(output)
    assert rows["figure"] == [f"ours@{SIZE}", "growth/10×", f"naive@{SIZE}", f"ours÷naive@{SIZE}"]
    ours_extracted, _, naive_extracted, _ = rows["records extracted"]
    # Both read the same org: every candidate (status set) and every position.
    assert _number(ours_extracted) == _number(naive_extracted) > SIZE
    assert _number(rows["end to end rec/s"][0]) > 0
    assert _number(rows["SF calls spent"][0]) >= _number(rows["SF calls floor"][0]) > 0
    # One Recruit AI request per posted record, no retries against a healthy sandbox.
    assert _number(rows["RAI requests"][0]) == _number(rows["records posted"][0]) > 0
    assert _number(rows["load_candidates peak MB"][0]) > 50
    # Both sides did work: our run (parsing, mapping, posting) and the services answering it.
    assert _number(rows["CPU s: ours (dag.test + workers)"][0]) > 1
    assert _number(rows["CPU s: sandbox services"][0]) > 0
    # The page task's extraction workers are processes of their own: their memory comes on top.
    assert _number(rows["sync_candidates +workers MB"][0]) > _number(rows["sync_candidates peak MB"][0])
    assert re.search(r"posted \d+ of \d+ payloads; its load time and wall time are EXTRAPOLATED", output)
