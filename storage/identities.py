"""Who a person is on each channel, mapped to one internal user.

The core knows people by an internal id; a channel knows them by an address
(a Telegram id, a Matrix id, a console name). The first event from an
address creates its user. An adapter may propose its own numeric id: it is
kept when no one else has it, so the people already here keep their data and
their id in the animators' commands (/muet 123).
"""

from __future__ import annotations

import sqlite_utils

from domain.clock import now_iso
from storage.privacy import ERASURE_HOOKS


class Identities:
    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    def user_for(self, channel: str, address: str, preferred: int | None = None) -> int:
        """The internal user behind this address, created at its first event."""
        row = self.db.execute(
            "SELECT user_id FROM identities WHERE channel = ? AND address = ?", [channel, address]
        ).fetchone()
        if row is not None:
            return row[0]
        with self.db.atomic():
            if preferred is None or self._taken(preferred):
                preferred = self.db.execute(
                    "SELECT MAX(COALESCE((SELECT MAX(id) FROM users), 0), COALESCE((SELECT MAX(user_id) FROM identities), 0)) + 1"
                ).fetchone()[0]
            self.db.execute(
                "INSERT INTO identities (channel, address, user_id, created_at) VALUES (?, ?, ?, ?)",
                [channel, address, preferred, now_iso()],
            )
        return preferred

    def addresses(self, user_id: int) -> list[tuple[str, str]]:
        """Where to reach a person: (channel, address), oldest first."""
        return [tuple(r) for r in self.db.execute(
            "SELECT channel, address FROM identities WHERE user_id = ? ORDER BY created_at, channel", [user_id]
        ).fetchall()]

    def _taken(self, user_id: int) -> bool:
        """Another address has this user. (A user row with no address at all is the proposer's: a person
        recorded before addresses were, whose id was their channel's own.)"""
        return self.db.execute("SELECT EXISTS(SELECT 1 FROM identities WHERE user_id = ?)", [user_id]).fetchone()[0] == 1


def _forget(db: sqlite_utils.Database, user_id: int) -> None:
    """Erasure: the addresses go with the person; coming back later is a new start."""
    db.execute("DELETE FROM identities WHERE user_id = ?", [user_id])


ERASURE_HOOKS.append(_forget)
