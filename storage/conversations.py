"""What a channel without buttons remembers of its conversations, across restarts.

A Matrix client shows no buttons: a message's choices are numbered, offered
as reactions, and answered by a number or a reaction. Which choices a
message showed is kept here, so that a reaction on it (even an old one) or a
number typed after it means after a restart what it meant before. The
channel's reading position (a sync token) is kept with the events it
covers, and each person's direct room is kept to write to them first.
"""

from __future__ import annotations

import json

from domain.clock import now_iso
from storage.db import Database
from storage.privacy import ERASURE_HOOKS

# How many messages' choices a conversation keeps: older ones answer « plus d'actualité ».
KEPT_PER_CONVERSATION = 50


class Conversations:
    def __init__(self, db: Database):
        self.db = db

    def cursor(self, channel: str) -> str | None:
        row = self.db.execute("SELECT position FROM channel_cursors WHERE channel = ?", [channel]).fetchone()
        return row[0] if row else None

    def save_cursor(self, channel: str, position: str) -> None:
        self.db.change(
            "INSERT INTO channel_cursors (channel, position, saved_at) VALUES (?, ?, ?) "
            "ON CONFLICT(channel) DO UPDATE SET position = excluded.position, saved_at = excluded.saved_at",
            [channel, position, now_iso()],
        )

    def remember_choices(self, channel: str, conversation: str, message_id: str,
                         buttons: list[tuple[str, str]]) -> None:
        """The (label, payload) pairs a message showed, numbered from 1 in this order."""
        with self.db.atomic():
            self.db.execute(
                "INSERT INTO shown_choices (channel, message_id, conversation, buttons, shown_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(channel, message_id) DO UPDATE SET buttons = excluded.buttons",
                [channel, message_id, conversation, json.dumps(buttons, ensure_ascii=False), now_iso()],
            )
            self.db.execute(
                "DELETE FROM shown_choices WHERE channel = ? AND conversation = ? AND message_id NOT IN "
                "(SELECT message_id FROM shown_choices WHERE channel = ? AND conversation = ? "
                "ORDER BY shown_at DESC, rowid DESC LIMIT ?)",
                [channel, conversation, channel, conversation, KEPT_PER_CONVERSATION],
            )

    def choices_of(self, channel: str, message_id: str) -> list[tuple[str, str]] | None:
        row = self.db.execute(
            "SELECT buttons FROM shown_choices WHERE channel = ? AND message_id = ?", [channel, message_id]
        ).fetchone()
        return [tuple(b) for b in json.loads(row[0])] if row else None

    def last_choices(self, channel: str, conversation: str) -> list[tuple[str, str]]:
        """The choices of the conversation's latest message that had some: what a typed number means."""
        row = self.db.execute(
            "SELECT buttons FROM shown_choices WHERE channel = ? AND conversation = ? "
            "ORDER BY shown_at DESC, rowid DESC LIMIT 1",
            [channel, conversation],
        ).fetchone()
        return [tuple(b) for b in json.loads(row[0])] if row else []

    def direct_room(self, channel: str, address: str) -> str | None:
        row = self.db.execute(
            "SELECT room FROM direct_rooms WHERE channel = ? AND address = ?", [channel, address]
        ).fetchone()
        return row[0] if row else None

    def set_direct_room(self, channel: str, address: str, room: str, user_id: int) -> None:
        self.db.change(
            "INSERT INTO direct_rooms (channel, address, room, user_id, created_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(channel, address) DO UPDATE SET room = excluded.room, user_id = excluded.user_id",
            [channel, address, room, user_id, now_iso()],
        )


def _forget(db: Database, user_id: int) -> None:
    """Erasure: the person's rooms and what was shown in them go with them."""
    db.execute(
        "DELETE FROM shown_choices WHERE (channel, conversation) IN "
        "(SELECT channel, room FROM direct_rooms WHERE user_id = ?)",
        [user_id],
    )
    db.execute("DELETE FROM direct_rooms WHERE user_id = ?", [user_id])


ERASURE_HOOKS.append(_forget)
