"""A person's data: everything stored about them, and erasing it.

Erasure follows one rule: what belongs to the person goes; what they gave to
a shared workspace stays with it, without their name (« membre parti »). A
workspace they alone belong to goes with them. All of it in one transaction.
"""

from __future__ import annotations

import json

import sqlite_utils

from storage.db import FreedPages
from storage.events import forget_user as forget_applied_events
from storage.received import forget_all as forget_received_batches
from storage.workspaces import Workspaces

WORKSPACE_TABLES = ("actors", "indicators", "diagnostics", "outlines", "invites", "pending_imports", "baselines")


class Privacy:
    def __init__(self, db: sqlite_utils.Database, freed: FreedPages | None = None):
        self.db = db
        self.freed = freed or FreedPages(db)

    def _rows(self, sql: str, params: list) -> list[dict]:
        return list(self.db.query(sql, params))

    def export(self, user_id: int) -> dict:
        """Everything stored about the person, as plain data (the /mesdonnees document)."""
        sessions = self._rows("SELECT * FROM dialog_sessions WHERE user_id = ? ORDER BY id", [user_id])
        for session in sessions:
            session["answers"] = {
                r["step"]: json.loads(r["value"])
                for r in self.db.query("SELECT step, value FROM dialog_answers WHERE session_id = ?", [session["id"]])
            }
        memberships = self._rows(
            "SELECT m.role, m.joined_at, w.* FROM members m JOIN workspaces w ON w.id = m.workspace_id WHERE m.user_id = ?",
            [user_id],
        )
        data = {
            "compte": self._rows("SELECT * FROM users WHERE id = ?", [user_id]),
            "identites": self._rows("SELECT channel, address, created_at FROM identities WHERE user_id = ?", [user_id]),
            "espaces": memberships,
            "acteurs_ajoutes": self._rows("SELECT * FROM actors WHERE added_by = ?", [user_id]),
            "indicateurs_ajoutes": self._rows("SELECT * FROM indicators WHERE added_by = ?", [user_id]),
            "dialogues": sessions,
            "questions": self._rows("SELECT * FROM questions WHERE user_id = ? ORDER BY id", [user_id]),
            "avis": self._rows("SELECT * FROM feedback WHERE user_id = ? ORDER BY id", [user_id]),
            "autodiagnostics": self._rows("SELECT * FROM diagnostics WHERE user_id = ? ORDER BY id", [user_id]),
            "plans_generes": self._rows("SELECT * FROM outlines WHERE user_id = ? ORDER BY id", [user_id]),
            "invitations": self._rows("SELECT * FROM invites WHERE created_by = ? OR used_by = ?", [user_id, user_id]),
            "questions_reprises_dans_la_base": self._rows(
                "SELECT entry_id, text, created_at FROM variants WHERE source_user_id = ? AND edited = 0", [user_id]
            ),
        }
        for table, key in (("subscriptions", "abonnements"), ("deliveries", "envois_recus")):
            if table in self.db.table_names():
                data[key] = self._rows(f"SELECT * FROM {table} WHERE user_id = ?", [user_id])
        return data

    def erase(self, user_id: int) -> None:
        """Erase the person everywhere, in one transaction."""
        db = self.db
        with db.atomic():
            for membership in self._rows("SELECT workspace_id FROM members WHERE user_id = ?", [user_id]):
                workspace_id = membership["workspace_id"]
                others = db.execute(
                    "SELECT COUNT(*) FROM members WHERE workspace_id = ? AND user_id != ?", [workspace_id, user_id]
                ).fetchone()[0]
                if others == 0:
                    self._erase_workspace(workspace_id)
                else:
                    db.execute("DELETE FROM members WHERE workspace_id = ? AND user_id = ?", [workspace_id, user_id])
                    Workspaces(db).hand_over(workspace_id)
            for table, column in (("actors", "added_by"), ("indicators", "added_by"), ("diagnostics", "user_id"),
                                  ("outlines", "user_id"), ("invites", "created_by"), ("invites", "used_by"),
                                  ("workspaces", "created_by"), ("variants", "added_by"),
                                  ("reviewed_questions", "reviewed_by")):
                db.execute(f"UPDATE {table} SET {column} = NULL WHERE {column} = ?", [user_id])
            db.execute(
                "DELETE FROM dialog_answers WHERE session_id IN (SELECT id FROM dialog_sessions WHERE user_id = ?)", [user_id]
            )
            db.execute("DELETE FROM dialog_sessions WHERE user_id = ?", [user_id])
            db.execute(
                "DELETE FROM feedback WHERE user_id = ? OR question_id IN "
                "(SELECT id FROM questions WHERE user_id = ? OR chat_id = ?)",
                [user_id, user_id, user_id],
            )
            db.execute("DELETE FROM questions WHERE user_id = ? OR chat_id = ?", [user_id, user_id])
            db.execute("DELETE FROM pending_imports WHERE user_id = ?", [user_id])
            # A question attached as a paraphrase is the person's words until an animator rewrote it.
            db.execute("DELETE FROM variants WHERE source_user_id = ? AND edited = 0", [user_id])
            forget_applied_events(db, user_id)
            forget_received_batches(db)
            for hook in ERASURE_HOOKS:
                hook(db, user_id)
            db.execute("DELETE FROM users WHERE id = ?", [user_id])
        # Into the database file now (or when the event commits), so the write-ahead log
        # does not keep the erased words while the bot runs.
        self.freed.mark()

    def _erase_workspace(self, workspace_id: int) -> None:
        db = self.db
        for table in WORKSPACE_TABLES:
            db.execute(f"DELETE FROM {table} WHERE workspace_id = ?", [workspace_id])
        db.execute(
            "DELETE FROM dialog_answers WHERE session_id IN (SELECT id FROM dialog_sessions WHERE workspace_id = ?)",
            [workspace_id],
        )
        db.execute("DELETE FROM dialog_sessions WHERE workspace_id = ?", [workspace_id])
        db.execute("DELETE FROM members WHERE workspace_id = ?", [workspace_id])
        db.execute("DELETE FROM workspaces WHERE id = ?", [workspace_id])


# Tables added by other features (announcements) register how to forget a person.
ERASURE_HOOKS: list = []
