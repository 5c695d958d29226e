"""People who talk to the assistant: when they came, and whether they blocked us."""

from __future__ import annotations

from domain.clock import now_iso
from storage.db import Database
from storage.rows import User, from_row


class Users:
    def __init__(self, db: Database):
        self.db = db

    def touch(self, user_id: int, display_name: str | None, language: str | None) -> bool:
        """Record that the user is here now; return True if they are new."""
        now = now_iso()
        # Most events come from people already here: their update is the only statement.
        updated = self.db.change(
            "UPDATE users SET last_seen = ?, blocked = 0, erasure_notice_at = NULL, "
            "display_name = COALESCE(?, display_name), language = COALESCE(?, language) "
            "WHERE id = ?",
            [now, display_name, language, user_id],
        )
        if updated.rowcount == 1:
            return False
        cur = self.db.change(
            "INSERT INTO users (id, display_name, language, first_seen, last_seen, blocked) "
            "VALUES (?, ?, ?, ?, ?, 0) ON CONFLICT(id) DO NOTHING",
            [user_id, display_name, language, now, now],
        )
        return cur.rowcount == 1

    def first_private_contact(self, user_id: int) -> bool:
        """Record that the person writes in private; True the first time only."""
        cur = self.db.change("UPDATE users SET spoke_privately_at = ? WHERE id = ? AND spoke_privately_at IS NULL",
                             [now_iso(), user_id])
        return cur.rowcount == 1

    def mark_blocked(self, user_id: int) -> None:
        """Stop writing to someone who blocked the bot (until they come back)."""
        with self.db.atomic():
            self.db.execute("UPDATE users SET blocked = 1 WHERE id = ?", [user_id])

    def set_muted(self, user_id: int, muted: bool) -> bool:
        """False if there is no such user."""
        with self.db.atomic():
            cursor = self.db.execute("UPDATE users SET muted = ? WHERE id = ?", [int(muted), user_id])
        return cursor.rowcount == 1

    def is_muted(self, user_id: int) -> bool:
        row = self.db.execute("SELECT muted FROM users WHERE id = ?", [user_id]).fetchone()
        return bool(row and row[0])

    def get(self, user_id: int) -> User | None:
        rows = list(self.db.query("SELECT * FROM users WHERE id = ?", [user_id]))
        if not rows:
            return None
        return from_row(User, rows[0], blocked=bool(rows[0]["blocked"]), muted=bool(rows[0].get("muted")))

    def count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM users").fetchone()[0]
