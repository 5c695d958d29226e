"""Maturity self-diagnoses taken by a workspace, newest last."""

from __future__ import annotations

import sqlite_utils

from domain.clock import now_iso
from storage.rows import Diagnostic, from_row

RUBRICS = ("politique", "strategie", "organisation", "proces", "impact")


class Diagnostics:
    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    def record(self, workspace_id: int, user_id: int, rubrics: dict[str, float], overall: float, profile: str) -> int:
        with self.db.atomic():
            cur = self.db.execute(
                f"INSERT INTO diagnostics (workspace_id, user_id, created_at, {', '.join(RUBRICS)}, overall, profile) "
                f"VALUES (?, ?, ?, {', '.join('?' for _ in RUBRICS)}, ?, ?)",
                [workspace_id, user_id, now_iso(), *(rubrics.get(r) for r in RUBRICS), overall, profile],
            )
        return cur.lastrowid

    def history(self, workspace_id: int) -> list[Diagnostic]:
        return [
            from_row(Diagnostic, row, rubrics={r: row[r] for r in RUBRICS})
            for row in self.db.query("SELECT * FROM diagnostics WHERE workspace_id = ? ORDER BY id", [workspace_id])
        ]

    def latest(self, workspace_id: int) -> Diagnostic | None:
        rows = self.history(workspace_id)
        return rows[-1] if rows else None
