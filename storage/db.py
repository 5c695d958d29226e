"""One SQLite file, opened in WAL mode, brought up to date before anything runs.

Migrations are ordered, named and transactional (sqlite-utils `Migrations`):
a new schema change is a new function appended at the end, never an edit of
an applied one.
"""

from __future__ import annotations

from pathlib import Path

import sqlite_utils
from sqlite_utils import Migrations

migrations = Migrations("spaser")


@migrations()
def m001_users(db: sqlite_utils.Database) -> None:
    db["users"].create(
        {
            "id": int,
            "display_name": str,
            "language": str,
            "first_seen": str,
            "last_seen": str,
            "blocked": int,
        },
        pk="id",
        not_null={"first_seen", "last_seen"},
        defaults={"blocked": 0},
    )


@migrations()
def m002_questions_and_feedback(db: sqlite_utils.Database) -> None:
    db["questions"].create(
        {
            "id": int,
            "asked_at": str,
            "user_id": int,
            "chat_id": int,
            "text": str,
            "entry_id": str,
            "score": float,
            "outcome": str,
        },
        pk="id",
        not_null={"asked_at", "text", "outcome"},
    )
    db["questions"].create_index(["user_id"])
    db["questions"].create_index(["asked_at"])
    db["feedback"].create(
        {
            "id": int,
            "given_at": str,
            "user_id": int,
            "question_id": int,
            "entry_id": str,
            "helpful": int,
        },
        pk="id",
        not_null={"given_at", "helpful"},
    )
    # One vote per person and question: a second tap changes the vote.
    db["feedback"].create_index(["user_id", "question_id"], unique=True)


def open_database(path: str | Path) -> sqlite_utils.Database:
    """Open (creating if needed) and migrate the database file at `path`."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    db = sqlite_utils.Database(path)
    db.execute("PRAGMA busy_timeout = 5000")
    if str(path) != ":memory:":
        db.enable_wal()
        # WAL makes NORMAL durable against process crashes; only a power cut
        # could lose the very last transactions.
        db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA foreign_keys = ON")
    migrations.apply(db)
    return db


def open_read_only(path: str | Path) -> sqlite_utils.Database | None:
    """Open an existing database without writing to it; None if there is none."""
    path = Path(path)
    if not path.is_file():
        return None
    import sqlite3

    conn = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True)
    return sqlite_utils.Database(conn)
