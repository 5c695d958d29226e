"""Which events have been applied, and what was answered to them.

Telegram offers an update again when its confirmation did not reach it before
a crash. The core records each applied event in the same transaction as its
effect, so an event offered again is answered with what was answered the first
time and never applied twice. Event ids are opaque text (a Matrix event id is
not a number and arrives in no particular order), so there is no high-water
mark: each id is remembered for a couple of days, longer than Telegram keeps
an unconfirmed update (24 hours).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import sqlite_utils

from domain.clock import now_iso

KEEP = timedelta(days=2)


class AppliedEvents:
    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    def replies(self, channel: str, event_id: str) -> str | None:
        """What was answered to this event if it was applied (the replies as stored text), else None."""
        row = self.db.execute(
            "SELECT replies FROM applied_events WHERE channel = ? AND event_id = ?", [channel, event_id]
        ).fetchone()
        return None if row is None else row[0]

    def record(self, channel: str, event_id: str, user_id: int | None, replies: str) -> None:
        """Called inside the event's own transaction: the record commits with the effect or not at all."""
        self.db.execute(
            # An erasure's own event keeps no trace of whom it erased.
            "INSERT INTO applied_events (channel, event_id, user_id, applied_at, replies) "
            "VALUES (?, ?, (SELECT id FROM users WHERE id = ?), ?, ?) ON CONFLICT(channel, event_id) DO NOTHING",
            [channel, event_id, user_id, now_iso(), replies],
        )

    def purge(self, now: datetime) -> int:
        cutoff = (now - KEEP).astimezone(timezone.utc).isoformat(timespec="seconds")
        with self.db.atomic():
            return self.db.execute("DELETE FROM applied_events WHERE applied_at < ?", [cutoff]).rowcount


def forget_user(db: sqlite_utils.Database, user_id: int) -> None:
    """The replies kept for a redelivery may quote the person: they go with the rest of their data.

    Not only theirs: an animator's /nonrepondues or /stats quoted their
    questions. Every kept reply is dropped; the record that each event was
    applied stays, so that none is applied twice — offered again, it gets no reply.
    """
    db.execute("DELETE FROM applied_events WHERE user_id = ?", [user_id])
    db.execute("UPDATE applied_events SET replies = '[]'")
