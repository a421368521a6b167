"""SQLite storage of the sandbox's resources: JSON texts keyed by collection, owner and id.

``resources(collection, owner, id, seq, version, schema, deleted, body)``:

- ``collection`` is a concrete collection path (``/api/v1/recording/``; nested ones carry their
  parent ids, ``/api/v1/bot/<uuid>/screenshots/``; singletons use their own path with id ``""``);
- ``owner`` is who the row belongs to (:data:`SHARED` for the seeds, visible to every caller;
  otherwise an opaque owner id, :func:`generator.sandbox.auth.owner_of`: a workspace or a calendar
  user, never a secret in clear);
- ``seq`` keeps list order (an owner's copy of a seed keeps the seed's place), ``version`` grows on
  every write (compare-and-set: :meth:`ResourceStore.write` refuses a stale write);
- ``schema`` is the JSON pointer of the schema the body is known to be valid against (``""``:
  unknown), so a read sends the stored text as it is when it asks for that schema;
- ``deleted`` marks an owner's tombstone over a seed (the seed stays for everyone else).

What a caller sees (copy on write): its own rows, and the seeds it has neither copied nor deleted.
``seeded(collection)`` records which collections were seeded, so a restart with the same ``--db``
file never brings back a deleted seed. A file written by the previous layout (no ``owner``) is
migrated: its rows become shared.

In memory (``:memory:``) by default; a file path makes the state survive restarts. One connection
is shared by all threads behind a lock held only for one statement or one short transaction.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

#: The owner of seed rows: visible to every caller until the caller copies or deletes them.
SHARED = ""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS resources (
    collection TEXT NOT NULL,
    owner TEXT NOT NULL,
    id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    schema TEXT NOT NULL DEFAULT '',
    deleted INTEGER NOT NULL DEFAULT 0,
    body TEXT NOT NULL,
    PRIMARY KEY (collection, id, owner)
);
CREATE TABLE IF NOT EXISTS seeded (collection TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS counter (next INTEGER NOT NULL);
"""

_MIGRATE = """
ALTER TABLE resources RENAME TO resources_v1;
{schema}
INSERT INTO resources (collection, owner, id, seq, body) SELECT collection, '', id, seq, body FROM resources_v1;
DROP TABLE resources_v1;
"""

_VISIBLE = """
SELECT owner, id, seq, version, schema, deleted, body FROM resources r
WHERE collection = ? AND (owner = ? OR (owner = '' AND NOT EXISTS (
    SELECT 1 FROM resources o WHERE o.collection = r.collection AND o.id = r.id AND o.owner = ?)))
"""


class StoreError(RuntimeError):
    """The database file cannot be opened or is not a sandbox database."""


@dataclass(frozen=True)
class Row:
    """One visible resource: its JSON ``text``, ``schema`` pointer it is valid against (``""``:
    unknown), ``version``, ``seq``, and ``mine`` (False: the shared seed)."""

    id: str
    text: str
    schema: str
    version: int
    seq: int
    mine: bool


class ResourceStore:
    """Resources as JSON texts per owner; ``path`` None means in memory.

    Raises :class:`StoreError` when the file cannot be opened or initialized.
    """

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = str(path) if path is not None else ":memory:"
        self._lock = threading.Lock()
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            columns = [row[1] for row in self._db.execute("PRAGMA table_info(resources)")]
            if columns and "owner" not in columns:
                self._db.executescript("BEGIN;" + _MIGRATE.format(schema=_SCHEMA) + "COMMIT;")
            self._db.executescript(_SCHEMA)
            if self._db.execute("SELECT COUNT(*) FROM counter").fetchone()[0] == 0:
                start = self._db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM resources").fetchone()[0]
                self._db.execute("INSERT INTO counter (next) VALUES (?)", (start,))
            self._seq = int(self._db.execute("SELECT next FROM counter").fetchone()[0])
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot use as sandbox database: {exc}") from exc

    def _next_seq(self) -> int:
        seq = self._seq
        self._seq += 1
        self._db.execute("UPDATE counter SET next = ?", (self._seq,))
        return seq

    def get(self, collection: str, rid: str, owner: str) -> Row | None:
        """The resource ``owner`` sees (its own row, else the seed), None when absent or deleted."""
        with self._lock:
            found = self._db.execute(
                "SELECT owner, id, seq, version, schema, deleted, body FROM resources "
                "WHERE collection = ? AND id = ? AND owner IN (?, '') ORDER BY owner = '' LIMIT 1",
                (collection, rid, owner),
            ).fetchone()
        return _row(found, owner)

    def list(self, collection: str, owner: str) -> list[Row]:
        """Every resource of a collection ``owner`` sees, in list order."""
        with self._lock:
            rows = self._db.execute(_VISIBLE + " ORDER BY seq", (collection, owner, owner)).fetchall()
        return [r for r in (_row(found, owner) for found in rows) if r is not None]

    def write(self, collection: str, rid: str, owner: str, text: str, schema: str, expect: Row | None) -> bool:
        """Store ``text`` (valid against ``schema``) as ``owner``'s resource; compare-and-set.

        ``expect`` is what the writer read: None for a new resource (refused when ``owner`` already
        has a live one with this id; its tombstone is replaced), the owner's row (refused unless its
        version is unchanged), or a seed (copied: refused when the owner made its own copy meanwhile).
        Returns False when refused.
        """
        with self._lock:
            if expect is not None and expect.mine:
                cursor = self._db.execute(
                    "UPDATE resources SET body = ?, schema = ?, version = version + 1, deleted = 0 "
                    "WHERE collection = ? AND id = ? AND owner = ? AND version = ?",
                    (text, schema, collection, rid, owner, expect.version),
                )
                return cursor.rowcount == 1
            seq = expect.seq if expect is not None else self._next_seq()
            cursor = self._db.execute(
                "INSERT INTO resources (collection, owner, id, seq, schema, body) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (collection, id, owner) DO UPDATE SET body = excluded.body, schema = excluded.schema, "
                "version = version + 1, deleted = 0 WHERE deleted = 1",
                (collection, owner, rid, seq, schema, text),
            )
            return cursor.rowcount == 1

    def delete(self, collection: str, rid: str, owner: str, expect: Row) -> bool:
        """Remove what ``owner`` sees (``expect``, as read): its own row, or a tombstone over the
        seed. False when it changed meanwhile."""
        with self._lock:
            seed = self._db.execute(
                "SELECT 1 FROM resources WHERE collection = ? AND id = ? AND owner = ''", (collection, rid)
            ).fetchone()
            if expect.mine and seed is None:
                cursor = self._db.execute(
                    "DELETE FROM resources WHERE collection = ? AND id = ? AND owner = ? AND version = ?",
                    (collection, rid, owner, expect.version),
                )
            elif expect.mine:
                cursor = self._db.execute(
                    "UPDATE resources SET deleted = 1, version = version + 1 "
                    "WHERE collection = ? AND id = ? AND owner = ? AND version = ?",
                    (collection, rid, owner, expect.version),
                )
            else:
                cursor = self._db.execute(
                    "INSERT OR IGNORE INTO resources (collection, owner, id, seq, deleted, body) "
                    "VALUES (?, ?, ?, ?, 1, '')",
                    (collection, owner, rid, expect.seq),
                )
            return cursor.rowcount == 1

    def seed(self, collection: str, items: Iterable[tuple[str, str, str]]) -> bool:
        """Store shared ``(id, text, schema)`` rows once per collection (first id wins); False if
        the collection was seeded before (by this process or an earlier one on the same file)."""
        with self._lock:
            self._db.execute("BEGIN")
            try:
                done = self._db.execute("SELECT 1 FROM seeded WHERE collection = ?", (collection,)).fetchone()
                if not done:
                    self._db.execute("INSERT INTO seeded (collection) VALUES (?)", (collection,))
                    for rid, text, schema in items:
                        self._db.execute(
                            "INSERT OR IGNORE INTO resources (collection, owner, id, seq, schema, body) "
                            "VALUES (?, '', ?, ?, ?, ?)",
                            (collection, rid, self._next_seq(), schema, text),
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


def _row(found: tuple[str, str, int, int, str, int, str] | None, owner: str) -> Row | None:
    if found is None or found[5]:
        return None
    who, rid, seq, version, schema, _, body = found
    return Row(rid, body, schema, version, seq, who == owner)
