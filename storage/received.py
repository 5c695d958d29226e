"""Updates received from the messenger and not yet all applied, kept as they came.

Telegram forgets updates once the next getUpdates call asks from a later
offset. Asking from the oldest update not yet applied would keep them there,
but every call would fetch those again while they are applied, and the next
call would wait for them: each batch is written here instead, in one
statement, before the call that confirms it. When the bot starts again, the
batches left are read again and their updates applied (those already applied
are recognised, storage.events). A batch goes once every update in it is applied.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlite_utils

from domain.clock import iso, now_iso

# Telegram keeps an unconfirmed update for 24 hours; an applied event is remembered for two days
# (storage.events.KEEP): a batch older than a day is not read again, so nothing is applied twice.
REPLAY_FOR = timedelta(days=1)


class ReceivedBatches:
    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    def keep(self, channel: str, last_id: int, body: str, applied_below: int) -> None:
        """Write a batch as received; drop those whose updates are all applied (ids below `applied_below`)."""
        with self.db.atomic():
            self.drop_applied(channel, applied_below)
            self.db.execute("INSERT INTO received_batches (channel, last_id, body, received_at) VALUES (?, ?, ?, ?)",
                            [channel, last_id, body, now_iso()])

    def drop_applied(self, channel: str, applied_below: int) -> None:
        """Drop the batches whose updates are all applied (ids below `applied_below`)."""
        with self.db.atomic():
            self.db.execute("DELETE FROM received_batches WHERE channel = ? AND last_id < ?", [channel, applied_below])

    def left(self, channel: str, now: datetime) -> list[str]:
        """The batches a stop left, oldest first, as received."""
        return [row[0] for row in self.db.execute(
            "SELECT body FROM received_batches WHERE channel = ? AND received_at >= ? ORDER BY last_id",
            [channel, iso(now - REPLAY_FOR)]).fetchall()]

    def purge(self, now: datetime) -> int:
        with self.db.atomic():
            return self.db.execute("DELETE FROM received_batches WHERE received_at < ?",
                                   [iso(now - REPLAY_FOR)]).rowcount


def forget_all(db: sqlite_utils.Database) -> None:
    """A person's erasure drops every batch kept: their messages are in them, as received.
    The others' updates there are applied already or about to be; only a crash in the
    next instants would lose one."""
    db.execute("DELETE FROM received_batches")
