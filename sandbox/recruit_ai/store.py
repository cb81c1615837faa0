"""The sandbox Recruit AI's stored candidates and positions, in one SQLite file.

Records are replaced by id, as the real service does when a record is posted
again. One connection, guarded by a lock, serves every request thread: the
sandbox's load is small, and a single writer keeps upserts atomic.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any, Literal

Kind = Literal["candidate", "position"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    record TEXT NOT NULL,
    post_count INTEGER NOT NULL,
    PRIMARY KEY (kind, id)
)
"""
# One statement, so that two threads posting the same new id cannot both see it as created.
_UPSERT = """
INSERT INTO records (kind, id, record, post_count) VALUES (?, ?, ?, 1)
ON CONFLICT (kind, id) DO UPDATE SET record = excluded.record, post_count = post_count + 1
RETURNING post_count
"""


class RecordStore:
    """Candidates and positions by id, safe to share between request threads."""

    def __init__(self, path: Path) -> None:
        """Open (creating if needed) the SQLite file at ``path``."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        # isolation_level=None: autocommit, each statement is its own transaction.
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(_SCHEMA)

    def upsert(self, kind: Kind, record_id: str, record: dict[str, Any]) -> bool:
        """Store or replace a record; return whether it is new."""
        document = json.dumps(record, ensure_ascii=False)
        with self._lock:
            (post_count,) = self._db.execute(_UPSERT, (kind, record_id, document)).fetchone()
        return bool(post_count == 1)

    def get(self, kind: Kind, record_id: str) -> dict[str, Any] | None:
        """Return one stored record with its ``post_count``, or None."""
        with self._lock:
            row = self._db.execute(
                "SELECT record, post_count FROM records WHERE kind = ? AND id = ?", (kind, record_id)
            ).fetchone()
        return None if row is None else _with_count(*row)

    def all(self, kind: Kind) -> list[dict[str, Any]]:
        """Return every stored record of a kind, ordered by id, each with its ``post_count``."""
        with self._lock:
            rows = self._db.execute(
                "SELECT record, post_count FROM records WHERE kind = ? ORDER BY id", (kind,)
            ).fetchall()
        return [_with_count(*row) for row in rows]

    def counts(self) -> dict[str, int]:
        """Return how many candidates and positions are stored."""
        with self._lock:
            rows = dict(self._db.execute("SELECT kind, COUNT(*) FROM records GROUP BY kind").fetchall())
        return {"candidates": rows.get("candidate", 0), "positions": rows.get("position", 0)}

    def reset(self) -> None:
        """Delete every record."""
        with self._lock:
            self._db.execute("DELETE FROM records")

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()


def _with_count(document: str, post_count: int) -> dict[str, Any]:
    return {**json.loads(document), "post_count": post_count}
