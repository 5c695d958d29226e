"""Figures for the animators, computed from what is logged.

The one counter is for what leaves no other trace: messages dropped from a
flood (they were never processed, so nothing else records them).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlite_utils

from storage.questions import ASKED, QuestionLog
from storage.rows import DialogFunnel, Statistics
from domain import clock


class Counters:
    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    def count(self, name: str, by: int = 1) -> None:
        with self.db.atomic():
            self.db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + ?",
                [f"counter:{name}", str(by), by],
            )

    def get(self, name: str) -> int:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", [f"counter:{name}"]).fetchone()
        return int(row[0]) if row else 0


def compute(db: sqlite_utils.Database, now: datetime | None = None) -> Statistics:
    now = now or clock.now()

    def one(sql: str, params=()) -> int:
        return db.execute(sql, list(params)).fetchone()[0] or 0

    def since(days: int) -> str:
        return clock.iso(now - timedelta(days=days))

    questions = QuestionLog(db).counts()["asked"]
    outcomes = dict(db.execute(f"SELECT outcome, COUNT(*) FROM questions WHERE {ASKED} GROUP BY outcome").fetchall())
    funnel = [
        DialogFunnel(dialog, started, completed, cancelled)
        for dialog, started, completed, cancelled in db.execute(
            "SELECT dialog, COUNT(*), SUM(status = 'completed'), SUM(status IN ('cancelled', 'abandoned')) "
            "FROM dialog_sessions GROUP BY dialog ORDER BY COUNT(*) DESC"
        ).fetchall()
    ]
    broadcasts = one("SELECT COUNT(*) FROM broadcasts") if "broadcasts" in db.table_names() else 0
    return Statistics(
        users=one("SELECT COUNT(*) FROM users"),
        active_7=one("SELECT COUNT(*) FROM users WHERE last_seen >= ?", [since(7)]),
        active_30=one("SELECT COUNT(*) FROM users WHERE last_seen >= ?", [since(30)]),
        questions=questions,
        answered=outcomes.get("answered", 0),
        suggested=outcomes.get("suggested", 0),
        not_covered=outcomes.get("not_covered", 0),
        helpful=one("SELECT COUNT(*) FROM feedback WHERE helpful = 1"),
        unhelpful=one("SELECT COUNT(*) FROM feedback WHERE helpful = 0"),
        top_entries=[tuple(row) for row in db.execute(
            "SELECT entry_id, COUNT(*) FROM questions WHERE entry_id IS NOT NULL AND outcome IN ('answered', 'chosen') "
            "GROUP BY entry_id ORDER BY COUNT(*) DESC, entry_id LIMIT 10"
        ).fetchall()],
        funnel=funnel,
        outlines=one("SELECT COUNT(*) FROM outlines"),
        workspaces=one("SELECT COUNT(*) FROM workspaces"),
        broadcasts=broadcasts,
        flood_dropped=Counters(db).get("flood_dropped"),
    )
