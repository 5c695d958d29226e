"""Keeping data no longer than `privacy.retention_days`.

Question logs older than the retention period are deleted. Accounts silent
for that long are told first; thirty days after the notice, if the person
has not come back, their data is erased.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlite_utils

from domain.clock import iso

from storage.events import AppliedEvents
from storage.received import ReceivedBatches
from storage.privacy import Privacy
from storage.records import PendingImports

GRACE_DAYS = 30
PURGE_HOOKS: list = []  # other features' logs (announcement deliveries) register their purge


class Retention:
    def __init__(self, db: sqlite_utils.Database, retention_days: int):
        self.db = db
        self.days = retention_days

    def purge_logs(self, now: datetime) -> int:
        """Delete questions (and their feedback) older than the retention period; return how many."""
        cutoff = iso(now - timedelta(days=self.days))
        with self.db.atomic():
            self.db.execute(
                "DELETE FROM feedback WHERE question_id IN (SELECT id FROM questions WHERE asked_at < ?)", [cutoff]
            )
            count = self.db.execute("DELETE FROM questions WHERE asked_at < ?", [cutoff]).rowcount
            for hook in PURGE_HOOKS:
                count += hook(self.db, cutoff)
            count += AppliedEvents(self.db).purge(now)
            count += ReceivedBatches(self.db).purge(now)
        return count + PendingImports(self.db).purge_expired()

    def to_notify(self, now: datetime) -> list[int]:
        """Accounts silent for the whole period and not told yet."""
        cutoff = iso(now - timedelta(days=self.days))
        return [
            r[0]
            for r in self.db.execute(
                "SELECT id FROM users WHERE last_seen < ? AND erasure_notice_at IS NULL AND id > 0", [cutoff]
            ).fetchall()
        ]

    def mark_notified(self, user_id: int, now: datetime) -> None:
        with self.db.atomic():
            self.db.execute("UPDATE users SET erasure_notice_at = ? WHERE id = ?", [iso(now), user_id])

    def erase_overdue(self, now: datetime) -> list[int]:
        """Erase accounts told more than GRACE_DAYS ago that did not come back."""
        cutoff = iso(now - timedelta(days=GRACE_DAYS))
        overdue = [
            r[0]
            for r in self.db.execute(
                "SELECT id FROM users WHERE erasure_notice_at IS NOT NULL AND erasure_notice_at < ? "
                "AND last_seen < erasure_notice_at",
                [cutoff],
            ).fetchall()
        ]
        privacy = Privacy(self.db)
        for user_id in overdue:
            privacy.erase(user_id)
        return overdue

    def due(self, now: datetime) -> bool:
        """Once a day: has today's run been done?"""
        row = self.db.execute("SELECT value FROM meta WHERE key = 'retention_last_run'").fetchone()
        return row is None or row[0] != now.date().isoformat()

    def done(self, now: datetime) -> None:
        with self.db.atomic():
            self.db.execute(
                "INSERT INTO meta (key, value) VALUES ('retention_last_run', ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [now.date().isoformat()],
            )
