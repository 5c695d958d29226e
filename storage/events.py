"""Which events have been applied, and what was answered to them.

Telegram offers an update again when its confirmation did not reach it before
a crash. The core records each applied event in the same transaction as its
effect, so an event offered again is answered with what was answered the first
time and never applied twice. Event ids are opaque text (a Matrix event id is
not a number and arrives in no particular order), so there is no high-water
mark: each id is remembered for a couple of days, longer than Telegram keeps
an unconfirmed update (24 hours).

The replies wait with the record until their channel says they are out: an
event applied just before a crash is answered when the bot starts again, and
one offered again after its replies went out is not answered twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlite_utils

from domain.clock import iso, now_iso

KEEP = timedelta(days=2)


class AppliedEvents:
    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    def replies(self, channel: str, event_id: str) -> str | None:
        """What is still to answer to this event if it was applied (the replies as stored text, « [] » once
        they are out), else None."""
        row = self.db.execute(
            "SELECT CASE WHEN undelivered THEN replies ELSE '[]' END FROM applied_events "
            "WHERE channel = ? AND event_id = ?", [channel, event_id]
        ).fetchone()
        return None if row is None else row[0]

    def record(self, channel: str, event_id: str, user_id: int | None, replies: str, chat: str | None = None) -> None:
        """Called inside the event's own transaction: the record commits with the effect or not at all.
        The replies count as still to send until `delivered` says otherwise."""
        self.db.execute(
            # An erasure's own event keeps no trace of whom it erased, not even the chat to answer in
            # (its replies are not sent again after a crash, only when it is offered again).
            "INSERT INTO applied_events (channel, event_id, user_id, applied_at, replies, chat, undelivered) "
            "VALUES (?, ?, (SELECT id FROM users WHERE id = ?), ?, ?, (SELECT ? FROM users WHERE id = ?), ?) "
            "ON CONFLICT(channel, event_id) DO NOTHING",
            [channel, event_id, user_id, now_iso(), replies, chat, user_id, int(replies != "[]")],
        )

    def delivered(self, channel: str, event_ids: list[str]) -> None:
        """These events' replies are out (or were given up): never sent again."""
        with self.db.atomic():
            self.db.conn.executemany(
                "UPDATE applied_events SET undelivered = 0 WHERE channel = ? AND event_id = ? AND undelivered = 1",
                [(channel, event_id) for event_id in event_ids],
            )

    def undelivered(self, channel: str) -> list[tuple[str, str, str]]:
        """(event id, chat, replies) of the events applied on this channel whose replies are not out yet,
        in the order they were applied."""
        return [tuple(row) for row in self.db.execute(
            "SELECT event_id, chat, replies FROM applied_events WHERE channel = ? AND undelivered = 1 "
            "AND chat IS NOT NULL ORDER BY rowid", [channel]
        ).fetchall()]

    def purge(self, now: datetime) -> int:
        cutoff = iso(now - KEEP)
        with self.db.atomic():
            return self.db.execute("DELETE FROM applied_events WHERE applied_at < ?", [cutoff]).rowcount


def forget_user(db: sqlite_utils.Database, user_id: int) -> None:
    """The replies kept for a redelivery may quote the person: they go with the rest of their data.

    Not only theirs: an animator's /nonrepondues or /stats quoted their
    questions. Every kept reply is dropped; the record that each event was
    applied stays, so that none is applied twice — offered again, it gets no reply.
    """
    db.execute("DELETE FROM applied_events WHERE user_id = ?", [user_id])
    db.execute("UPDATE applied_events SET replies = '[]', undelivered = 0")
