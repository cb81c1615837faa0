"""How fast résumés are read: files per second for each format, and the slowest (largest) file.

Run from the repository root: ``.venv/bin/python -m bench.resume_extraction [--files N]``.

The files are the sandbox org's own (``sandbox.salesforce.documents``): a mix of
short and long résumés, ASCII and non-ASCII names, in every format it renders,
plus the DOC fixtures in ``tests/fixtures/doc`` (read through antiword). Each is
read with ``extract_resume_text`` as the sync calls it, with the default time
limit, so the worker process round trip is part of the measure; the worker is
started before timing begins, since a task pays for that once.
"""

from __future__ import annotations

import argparse
import random
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

from include.resume_text import extract_resume_text
from sandbox.salesforce.documents import FORMATS, FileSpec, render
from sandbox.salesforce.vocabulary import FIRST_NAMES, LAST_NAMES

_DOC_FIXTURES = Path(__file__).parents[1] / "tests" / "fixtures" / "doc"


def _files(per_format: int, seed: int = 5) -> dict[str, list[tuple[str, bytes]]]:
    """Sandbox files by format: (name, content)."""
    rng = random.Random(seed)  # noqa: S311 -- varied names, not secrets
    files: dict[str, list[tuple[str, bytes]]] = {file_format: [] for file_format in FORMATS}
    for number in range(per_format):
        contact = {
            "Id": f"003{number:012d}",
            "FirstName": rng.choice(FIRST_NAMES),
            "LastName": rng.choice(LAST_NAMES),
            "MailingCity": "Kraków",
            "Email": f"candidate{number}@example.com",
        }
        for file_format in FORMATS:
            spec = FileSpec(
                document_id=f"a0X{number:012d}",
                kind="Resume",
                version=1,
                file_format=file_format,
                legacy_encoding=number % 2 == 0,
                long=number % 4 == 0,  # a quarter run over several pages
                contact=contact,
                created=datetime(2026, 1, 1, tzinfo=UTC),
                seed=seed,
            )
            files[file_format].append((spec.file_name, render(spec)))
    if shutil.which("antiword"):
        fixtures = [(path.name, path.read_bytes()) for path in sorted(_DOC_FIXTURES.glob("*.doc"))]
        files["doc"] = (fixtures * (per_format // max(1, len(fixtures)) + 1))[:per_format]
    return files


def main() -> None:
    """Print a table: format, files, files/s, mean KiB, and the slowest file's time and size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=200, help="files per format (default 200)")
    args = parser.parse_args()
    files = _files(args.files)
    extract_resume_text(files["pdf"][0][1])  # start the worker process outside the timings
    print(f"{'format':8} {'files':>6} {'files/s':>9} {'mean KiB':>9} {'slowest ms':>11} {'its KiB':>8}")
    largest: tuple[int, float, str] = (0, 0.0, "")
    for file_format, batch in files.items():
        slowest = (0.0, 0)
        started = time.perf_counter()
        for name, content in batch:
            one = time.perf_counter()
            extract_resume_text(content, name)
            elapsed = time.perf_counter() - one
            slowest = max(slowest, (elapsed, len(content)))
            largest = max(largest, (len(content), elapsed, f"{file_format} {name}"))
        total = time.perf_counter() - started
        mean_kib = sum(len(content) for _, content in batch) / len(batch) / 1024
        print(
            f"{file_format:8} {len(batch):>6} {len(batch) / total:>9.1f} {mean_kib:>9.1f}"
            f" {slowest[0] * 1000:>11.1f} {slowest[1] / 1024:>8.1f}"
        )
    size, elapsed, name = largest
    print(f"largest file: {name} ({size / 1024:.1f} KiB) read in {elapsed * 1000:.1f} ms")


if __name__ == "__main__":
    main()
