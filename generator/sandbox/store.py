"""SQLite storage of the sandbox's resources: one table of JSON bodies keyed by collection and id.

``resources(collection, id, seq, body)``: ``collection`` is a concrete collection path
(``/api/v1/recording/``; nested ones carry their parent ids, ``/api/v1/bot/<uuid>/screenshots/``;
singletons use their own path with id ``""``), ``seq`` keeps insertion order for lists, ``body`` is
the JSON text. ``seeded(collection)`` records which collections were seeded from the spec's
examples, so a restart with the same ``--db`` file never brings back a deleted seed.

In memory (``:memory:``) by default; a file path makes the state survive restarts. One
connection is shared by all threads behind a lock (the server runs handlers in a thread pool).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS resources (
    collection TEXT NOT NULL,
    id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (collection, id)
);
CREATE TABLE IF NOT EXISTS seeded (collection TEXT PRIMARY KEY);
"""


class StoreError(RuntimeError):
    """The database file cannot be opened or is not a sandbox database."""


class ResourceStore:
    """Resources as JSON values; ``path`` None means in memory.

    Raises :class:`StoreError` when the file cannot be opened or initialized.
    """

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = str(path) if path is not None else ":memory:"
        self._lock = threading.Lock()
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._db.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot use as sandbox database: {exc}") from exc

    def get(self, collection: str, rid: str) -> Any | None:
        """The stored value, or None when absent."""
        with self._lock:
            row = self._db.execute(
                "SELECT body FROM resources WHERE collection = ? AND id = ?", (collection, rid)
            ).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, collection: str, rid: str, value: Any) -> None:
        """Insert or replace; a replaced resource keeps its place in lists."""
        body = json.dumps(value, separators=(",", ":"))
        with self._lock:
            self._db.execute(
                "INSERT INTO resources (collection, id, seq, body) VALUES "
                "(?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM resources), ?) "
                "ON CONFLICT (collection, id) DO UPDATE SET body = excluded.body",
                (collection, rid, body),
            )

    def delete(self, collection: str, rid: str) -> bool:
        """Remove a resource; False when it was not there."""
        with self._lock:
            cursor = self._db.execute("DELETE FROM resources WHERE collection = ? AND id = ?", (collection, rid))
        return cursor.rowcount > 0

    def list(self, collection: str) -> list[Any]:
        """All values of a collection in insertion order."""
        with self._lock:
            rows = self._db.execute(
                "SELECT body FROM resources WHERE collection = ? ORDER BY seq", (collection,)
            ).fetchall()
        return [json.loads(row[0]) for row in rows]

    def seed(self, collection: str, items: Iterable[tuple[str, Any]]) -> bool:
        """Store ``(id, value)`` pairs once per collection (first id wins); False if already seeded."""
        with self._lock:
            self._db.execute("BEGIN")
            try:
                done = self._db.execute("SELECT 1 FROM seeded WHERE collection = ?", (collection,)).fetchone()
                if not done:
                    self._db.execute("INSERT INTO seeded (collection) VALUES (?)", (collection,))
                    for rid, value in items:
                        self._db.execute(
                            "INSERT OR IGNORE INTO resources (collection, id, seq, body) VALUES "
                            "(?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM resources), ?)",
                            (collection, rid, json.dumps(value, separators=(",", ":"))),
                        )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return not done

    def close(self) -> None:
        """Close the connection (idempotent)."""
        with self._lock:
            self._db.close()
