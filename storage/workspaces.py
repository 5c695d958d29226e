"""A structure's shared workspace: its profile, its members and invitation codes.

Everything a project lead enters belongs to the workspace, not to the person,
so that colleagues who join see and complete the same map, grid and outline.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

import sqlite_utils

from domain.rules import PROFILE_FIELDS
from domain.clock import now_iso
from domain import clock
from storage.rows import Member, Workspace, from_row

INVITE_DAYS = 7
# No 0/O or 1/I/L: codes are read aloud and typed on phones.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


class Workspaces:
    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    def of_user(self, user_id: int) -> Workspace | None:
        rows = list(
            self.db.query(
                "SELECT w.*, m.role FROM workspaces w JOIN members m ON m.workspace_id = w.id WHERE m.user_id = ?",
                [user_id],
            )
        )
        return _workspace(rows[0]) if rows else None

    def get(self, workspace_id: int) -> Workspace | None:
        rows = list(self.db.query("SELECT * FROM workspaces WHERE id = ?", [workspace_id]))
        return _workspace(rows[0]) if rows else None

    def ensure(self, user_id: int) -> Workspace:
        """The user's workspace, created (with them as creator) if they have none."""
        existing = self.of_user(user_id)
        if existing is not None:
            return existing
        now = now_iso()
        with self.db.atomic():
            cur = self.db.execute(
                "INSERT INTO workspaces (created_by, created_at, updated_at, profile_done) VALUES (?, ?, ?, 0)",
                [user_id, now, now],
            )
            self.db.execute(
                "INSERT INTO members (workspace_id, user_id, role, joined_at) VALUES (?, ?, 'creator', ?)",
                [cur.lastrowid, user_id, now],
            )
        return self.of_user(user_id)

    def save_profile(self, workspace_id: int, profile: dict) -> None:
        values = {key: profile.get(key) for key in PROFILE_FIELDS}
        assignments = ", ".join(f"{key} = ?" for key in values)
        with self.db.atomic():
            self.db.execute(
                f"UPDATE workspaces SET {assignments}, profile_done = 1, updated_at = ? WHERE id = ?",
                [*values.values(), now_iso(), workspace_id],
            )

    def members(self, workspace_id: int) -> list[Member]:
        return [from_row(Member, row) for row in
            self.db.query(
                "SELECT m.user_id, m.role, m.joined_at, u.display_name FROM members m "
                "LEFT JOIN users u ON u.id = m.user_id WHERE m.workspace_id = ? ORDER BY m.joined_at, m.user_id",
                [workspace_id],
            )
        ]

    # -- invitations ------------------------------------------------------------

    def create_invite(self, workspace_id: int, user_id: int) -> tuple[str, str]:
        """A one-time code valid INVITE_DAYS days; returns (code, expiry ISO date)."""
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
        now = clock.now()
        expires = clock.iso(now + timedelta(days=INVITE_DAYS))
        with self.db.atomic():
            self.db.execute(
                "INSERT INTO invites (code, workspace_id, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                [code, workspace_id, user_id, clock.iso(now), expires],
            )
        return code, expires

    def join(self, user_id: int, code: str) -> tuple[str, Workspace | None]:
        """Use an invitation code. Returns (outcome, workspace): joined, unknown, used, expired, already."""
        code = "".join(ch for ch in code.upper() if ch.isalnum())
        with self.db.atomic():
            rows = list(self.db.query("SELECT * FROM invites WHERE code = ?", [code]))
            if not rows:
                return "unknown", None
            invite = rows[0]
            workspace = self.get(invite["workspace_id"])
            current = self.of_user(user_id)
            if current is not None and current.id == invite["workspace_id"]:
                return "already", workspace
            if invite["used_by"] is not None:
                return "used", None
            if invite["expires_at"] < now_iso():
                return "expired", None
            if current is not None:
                return "member_elsewhere", current
            now = now_iso()
            self.db.execute(
                "UPDATE invites SET used_by = ?, used_at = ? WHERE code = ?", [user_id, now, code]
            )
            self.db.execute(
                "INSERT INTO members (workspace_id, user_id, role, joined_at) VALUES (?, ?, 'member', ?)",
                [invite["workspace_id"], user_id, now],
            )
        return "joined", workspace

    def leave(self, user_id: int) -> bool:
        """Leave the workspace; what the person added stays with it. The last one out keeps it."""
        workspace = self.of_user(user_id)
        if workspace is None:
            return False
        with self.db.atomic():
            self.db.execute("DELETE FROM members WHERE user_id = ?", [user_id])
            self.hand_over(workspace.id)
        return True

    def remove(self, creator_id: int, member_id: int) -> bool:
        """The creator removes a member; False if not allowed or not a member."""
        workspace = self.of_user(creator_id)
        if workspace is None or workspace.role != "creator" or creator_id == member_id:
            return False
        with self.db.atomic():
            cur = self.db.execute(
                "DELETE FROM members WHERE workspace_id = ? AND user_id = ?", [workspace.id, member_id]
            )
        return cur.rowcount == 1

    def hand_over(self, workspace_id: int) -> None:
        """If the creator left, the longest-standing member becomes creator."""
        creators = self.db.execute(
            "SELECT COUNT(*) FROM members WHERE workspace_id = ? AND role = 'creator'", [workspace_id]
        ).fetchone()[0]
        if creators:
            return
        self.db.execute(
            "UPDATE members SET role = 'creator' WHERE rowid = (SELECT rowid FROM members "
            "WHERE workspace_id = ? ORDER BY joined_at, user_id LIMIT 1)",
            [workspace_id],
        )


def _workspace(row: dict) -> Workspace:
    return from_row(Workspace, row, profile_done=bool(row["profile_done"]))
