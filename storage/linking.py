"""One person on two channels: a one-time code given on one, typed on the other, makes them one user.

Linking merges the user who typed the code into the one who asked for it:
their identities, history, subscriptions (the union of both) and
workspace move over, so that /mesdonnees and /oublier cover both
addresses. Two workspaces with content are not merged behind the person's
back: linking is refused and they are told how to share one instead.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from domain.clock import iso, now
from domain.statuses import DialogStatus
from storage.db import Database
from storage.announcements import TOPICS
from storage.privacy import ERASURE_HOOKS
from storage.rows import stored_list

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I/L to misread
CODE_LIFETIME = timedelta(minutes=15)

# Tables whose rows simply change hands (column holding the person).
MOVED = (
    ("questions", "user_id"), ("feedback", "user_id"), ("dialog_sessions", "user_id"),
    ("pending_imports", "user_id"), ("outlines", "user_id"), ("diagnostics", "user_id"),
    ("variants", "source_user_id"), ("applied_events", "user_id"),
    ("workspaces", "created_by"), ("invites", "created_by"), ("broadcasts", "author_id"),
    ("baselines", "computed_by"), ("identities", "user_id"), ("direct_rooms", "user_id"),
)


class LinkRefusal(StrEnum):
    UNKNOWN = "unknown"  # no such code, or expired
    SAME_ACCOUNT = "same_account"  # typed where it was given
    SAME_CHANNEL = "same_channel"  # two accounts of one messenger
    TWO_WORKSPACES = "two_workspaces"


@dataclass(frozen=True)
class Linked:
    user_id: int  # the one user they are now
    workspace: str | None  # its workspace's name, if any
    topics: tuple[str, ...]


class Linking:
    def __init__(self, db: Database):
        self.db = db

    def new_code(self, user_id: int, channel: str) -> str:
        """A fresh code for this person (their earlier ones no longer work)."""
        code = "".join(secrets.choice(ALPHABET) for _ in range(8))
        created = now()
        with self.db.atomic():
            self.db.execute("DELETE FROM link_codes WHERE user_id = ? OR expires_at < ?", [user_id, iso(created)])
            self.db.execute(
                "INSERT INTO link_codes (code, user_id, channel, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                [code, user_id, channel, iso(created), iso(created + CODE_LIFETIME)],
            )
        return f"{code[:4]}-{code[4:]}"

    def redeem(self, typed: str, user_id: int, channel: str) -> Linked | LinkRefusal:
        """Link the person typing `typed` on `channel` to the one who asked for the code."""
        code = "".join(ch for ch in typed.upper() if ch.isalnum())
        row = self.db.execute(
            "SELECT user_id, channel FROM link_codes WHERE code = ? AND expires_at >= ?", [code, iso(now())]
        ).fetchone()
        if row is None:
            return LinkRefusal.UNKNOWN
        owner, owner_channel = row
        if owner == user_id:
            return LinkRefusal.SAME_ACCOUNT
        if owner_channel == channel:
            return LinkRefusal.SAME_CHANNEL
        kept, other = self._workspace(owner), self._workspace(user_id)
        if kept is not None and other is not None and kept != other and self._has_content(other) \
                and self._has_content(kept):
            return LinkRefusal.TWO_WORKSPACES
        with self.db.atomic():
            self.db.execute("DELETE FROM link_codes WHERE code = ?", [code])
            self._merge(user_id, owner, drop_workspace=other if kept is not None and other != kept else None)
        workspace = self._workspace(owner)
        name = self.db.execute("SELECT name FROM workspaces WHERE id = ?", [workspace]).fetchone()[0] if workspace else None
        topics = self.db.execute("SELECT topics FROM subscriptions WHERE user_id = ?", [owner]).fetchone()
        return Linked(owner, name, stored_list(topics[0]) if topics else ())

    def _workspace(self, user_id: int) -> int | None:
        row = self.db.execute("SELECT workspace_id FROM members WHERE user_id = ? ORDER BY joined_at LIMIT 1",
                              [user_id]).fetchone()
        return row[0] if row else None

    def _has_content(self, workspace_id: int) -> bool:
        return bool(self.db.execute(
            "SELECT profile_done OR EXISTS(SELECT 1 FROM actors WHERE workspace_id = :w) "
            "OR EXISTS(SELECT 1 FROM indicators WHERE workspace_id = :w) FROM workspaces WHERE id = :w",
            {"w": workspace_id},
        ).fetchone()[0])

    def _merge(self, gone: int, kept: int, drop_workspace: int | None) -> None:
        db = self.db
        if drop_workspace is not None:  # an empty workspace of the account that joins: the other one is kept
            db.execute("DELETE FROM members WHERE workspace_id = ? AND user_id = ?", [drop_workspace, gone])
        # One dialog in progress at a time: the one already open on the account kept goes on.
        db.execute(
            "UPDATE dialog_sessions SET status = ? WHERE user_id = ? AND status = ? "
            "AND EXISTS(SELECT 1 FROM dialog_sessions WHERE user_id = ? AND status = ?)",
            [DialogStatus.ABANDONED, gone, DialogStatus.ACTIVE, kept, DialogStatus.ACTIVE],
        )
        for table, column in MOVED:
            db.execute(f"UPDATE {table} SET {column} = ? WHERE {column} = ?", [kept, gone])
        db.execute("UPDATE OR IGNORE members SET user_id = ? WHERE user_id = ?", [kept, gone])
        db.execute("DELETE FROM members WHERE user_id = ?", [gone])
        for table in ("deliveries", "reminders"):  # an announcement both received: once
            db.execute(f"UPDATE OR IGNORE {table} SET user_id = ? WHERE user_id = ?", [kept, gone])
            db.execute(f"DELETE FROM {table} WHERE user_id = ?", [gone])
        both = db.execute("SELECT user_id, topics FROM subscriptions WHERE user_id IN (?, ?)", [kept, gone]).fetchall()
        if both:
            chosen = {t for _, value in both for t in stored_list(value)}
            topics = [t for t in TOPICS if t in chosen]  # in the order subscriptions are written
            asked = db.execute("SELECT MIN(asked_at), MAX(updated_at) FROM subscriptions WHERE user_id IN (?, ?)",
                               [kept, gone]).fetchone()
            db.execute("DELETE FROM subscriptions WHERE user_id IN (?, ?)", [kept, gone])
            db.execute("INSERT INTO subscriptions (user_id, topics, asked_at, updated_at) VALUES (?, ?, ?, ?)",
                       [kept, ";".join(topics), asked[0], asked[1]])
        db.execute(
            "UPDATE users SET first_seen = MIN(first_seen, (SELECT first_seen FROM users WHERE id = :gone)), "
            "last_seen = MAX(last_seen, (SELECT last_seen FROM users WHERE id = :gone)), "
            "spoke_privately_at = COALESCE(spoke_privately_at, (SELECT spoke_privately_at FROM users WHERE id = :gone)), "
            "blocked = 0 WHERE id = :kept",
            {"gone": gone, "kept": kept},
        )
        db.execute("DELETE FROM link_codes WHERE user_id = ?", [gone])
        db.execute("DELETE FROM users WHERE id = ?", [gone])


def _forget(db: Database, user_id: int) -> None:
    db.execute("DELETE FROM link_codes WHERE user_id = ?", [user_id])


ERASURE_HOOKS.append(_forget)
