"""Dialog sessions and their answers, written at every step.

A session row says where a person stands (dialog, step, status); each answer
is its own row, saved the moment it is given, so a crash or a restart loses
nothing and the dialog resumes at the same step. `turn` grows at every move,
which is how buttons from an older step are recognised.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import sqlite_utils

from domain.statuses import DialogStatus
from domain.clock import now_iso
from storage.rows import Session


class DialogSessions:
    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    def _session(self, row: dict) -> Session:
        return Session(
            id=row["id"],
            user_id=row["user_id"],
            workspace_id=row["workspace_id"],
            dialog=row["dialog"],
            status=DialogStatus(row["status"]),
            step=row["step"],
            turn=row["turn"],
            target_id=row["target_id"],
            editing=bool(row["editing"]),
            updated_at=row.get("updated_at") or "",
        )

    def get(self, session_id: int) -> Session | None:
        rows = list(self.db.query("SELECT * FROM dialog_sessions WHERE id = ?", [session_id]))
        return self._session(rows[0]) if rows else None

    def active(self, user_id: int) -> Session | None:
        rows = list(
            self.db.query(
                "SELECT * FROM dialog_sessions WHERE user_id = ? AND status = ? ORDER BY id DESC LIMIT 1",
                [user_id, DialogStatus.ACTIVE],
            )
        )
        return self._session(rows[0]) if rows else None

    def unfinished(self, user_id: int, dialog: str) -> Session | None:
        """The latest cancelled or interrupted session of this dialog that holds answers."""
        rows = list(
            self.db.query(
                "SELECT s.* FROM dialog_sessions s WHERE s.user_id = ? AND s.dialog = ? AND s.status = ? "
                "AND EXISTS (SELECT 1 FROM dialog_answers a WHERE a.session_id = s.id) "
                "ORDER BY s.id DESC LIMIT 1",
                [user_id, dialog, DialogStatus.CANCELLED],
            )
        )
        return self._session(rows[0]) if rows else None

    def start(
        self,
        user_id: int,
        workspace_id: int | None,
        dialog: str,
        step: str,
        target_id: int | None = None,
        answers: dict | None = None,
    ) -> Session:
        """Open a session; any other active one of this person is set aside (cancelled, resumable)."""
        now = now_iso()
        with self.db.atomic():
            self.db.execute(
                "UPDATE dialog_sessions SET status = ?, updated_at = ? WHERE user_id = ? AND status = ?",
                [DialogStatus.CANCELLED, now, user_id, DialogStatus.ACTIVE],
            )
            cur = self.db.execute(
                "INSERT INTO dialog_sessions (user_id, workspace_id, dialog, status, step, turn, target_id, editing, "
                "started_at, updated_at) VALUES (?, ?, ?, ?, ?, 0, ?, 0, ?, ?)",
                [user_id, workspace_id, dialog, DialogStatus.ACTIVE, step, target_id, now, now],
            )
            session_id = cur.lastrowid
            for key, value in (answers or {}).items():
                self._put(session_id, key, value, now)
        return self.get(session_id)

    def resume(self, session: Session) -> Session:
        """Make a cancelled session the active one again (setting aside any other)."""
        now = now_iso()
        with self.db.atomic():
            self.db.execute(
                "UPDATE dialog_sessions SET status = ?, updated_at = ? WHERE user_id = ? AND status = ?",
                [DialogStatus.CANCELLED, now, session.user_id, DialogStatus.ACTIVE],
            )
            self.db.execute(
                "UPDATE dialog_sessions SET status = ?, turn = turn + 1, updated_at = ? WHERE id = ?",
                [DialogStatus.ACTIVE, now, session.id],
            )
        return self.get(session.id)

    def answers(self, session_id: int) -> dict:
        return {
            row["step"]: json.loads(row["value"])
            for row in self.db.query("SELECT step, value FROM dialog_answers WHERE session_id = ?", [session_id])
        }

    def move(self, session: Session, step: str, *, answer: tuple[str, object] | None = None,
             clear: str | None = None, editing: bool | None = None) -> Session:
        """Store an answer (or clear one) and go to `step`, in one transaction."""
        now = now_iso()
        with self.db.atomic():
            if answer is not None:
                self._put(session.id, answer[0], answer[1], now)
            if clear is not None:
                self.db.execute("DELETE FROM dialog_answers WHERE session_id = ? AND step = ?", [session.id, clear])
            self.db.execute(
                "UPDATE dialog_sessions SET step = ?, turn = turn + 1, editing = ?, updated_at = ? WHERE id = ?",
                [step, int(session.editing if editing is None else editing), now, session.id],
            )
        return self.get(session.id)

    def touch(self, session: Session) -> Session:
        """The person was shown where they were: their next message counts as an answer again."""
        with self.db.atomic():
            self.db.execute("UPDATE dialog_sessions SET updated_at = ? WHERE id = ?", [now_iso(), session.id])
        return self.get(session.id)

    def put(self, session: Session, key: str, value: object) -> None:
        """Store a draft value without moving (a multiple-choice selection being built)."""
        with self.db.atomic():
            self._put(session.id, key, value, now_iso())

    def finish(self, session: Session, status: DialogStatus) -> None:
        with self.db.atomic():
            self.db.execute(
                "UPDATE dialog_sessions SET status = ?, turn = turn + 1, updated_at = ? WHERE id = ?",
                [status, now_iso(), session.id],
            )

    @contextmanager
    def completing(self, session: Session) -> Iterator[None]:
        """Complete the session together with what its completion writes.

        Whatever the block raises undoes the completion too: the answers stay
        in an open session at its summary, never stranded in a completed one.
        """
        with self.db.atomic():
            self.finish(session, DialogStatus.COMPLETED)
            yield

    def clear(self, session: Session) -> None:
        """Forget a session's answers (« Recommencer ») and close it."""
        with self.db.atomic():
            self.db.execute("DELETE FROM dialog_answers WHERE session_id = ?", [session.id])
            self.db.execute(
                "UPDATE dialog_sessions SET status = ?, updated_at = ? WHERE id = ?", [DialogStatus.ABANDONED, now_iso(), session.id]
            )

    def _put(self, session_id: int, key: str, value: object, now: str) -> None:
        self.db.execute(
            "INSERT INTO dialog_answers (session_id, step, value, answered_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(session_id, step) DO UPDATE SET value = excluded.value, answered_at = excluded.answered_at",
            [session_id, key, json.dumps(value, ensure_ascii=False), now],
        )
