"""Recruit AI's stored candidates and positions, in SQLite (replace by id)."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any


class RecordStore:
    """Candidates and positions by id, safe to share between request threads."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        for kind in ("candidate", "position"):
            self._db.execute(
                f"CREATE TABLE IF NOT EXISTS {kind} (id TEXT PRIMARY KEY, record TEXT NOT NULL, "
                "post_count INTEGER NOT NULL DEFAULT 1)"
            )

    def upsert(self, kind: str, record_id: str, record: dict[str, Any]) -> bool:
        """Store or replace a record; return whether it is new."""
        document = json.dumps(record, ensure_ascii=False)
        with self._lock:
            cursor = self._db.execute(
                f"UPDATE {kind} SET record = ?, post_count = post_count + 1 WHERE id = ?",  # noqa: S608
                (document, record_id),
            )
            if cursor.rowcount:
                return False
            self._db.execute(f"INSERT INTO {kind} (id, record) VALUES (?, ?)", (record_id, document))  # noqa: S608
            return True

    def get(self, kind: str, record_id: str) -> dict[str, Any] | None:
        """One stored record with its post count, or None."""
        with self._lock:
            row = self._db.execute(
                f"SELECT record, post_count FROM {kind} WHERE id = ?",  # noqa: S608
                (record_id,),
            ).fetchone()
        return {**json.loads(row[0]), "post_count": row[1]} if row else None

    def all(self, kind: str) -> list[dict[str, Any]]:
        """Every stored record of a kind, by id."""
        with self._lock:
            rows = self._db.execute(f"SELECT record, post_count FROM {kind} ORDER BY id").fetchall()  # noqa: S608
        return [{**json.loads(record), "post_count": count} for record, count in rows]

    def counts(self) -> dict[str, int]:
        """How many candidates and positions are stored."""
        with self._lock:
            return {
                f"{kind}s": self._db.execute(f"SELECT COUNT(*) FROM {kind}").fetchone()[0]  # noqa: S608
                for kind in ("candidate", "position")
            }

    def reset(self) -> None:
        """Delete everything."""
        with self._lock:
            for kind in ("candidate", "position"):
                self._db.execute(f"DELETE FROM {kind}")  # noqa: S608
