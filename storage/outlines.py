"""The record of outlines generated, with the axes chosen for each."""

from __future__ import annotations

import json

import sqlite_utils

from domain.clock import now_iso


class Outlines:
    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    def record(self, workspace_id: int, user_id: int, axes: list[tuple[str, str]], actors: int, indicators: int) -> int:
        with self.db.atomic():
            cur = self.db.execute(
                "INSERT INTO outlines (workspace_id, user_id, axes, created_at, actors, indicators) VALUES (?, ?, ?, ?, ?, ?)",
                [workspace_id, user_id, json.dumps(axes, ensure_ascii=False), now_iso(), actors, indicators],
            )
        return cur.lastrowid

    def last_axes(self, workspace_id: int) -> list[tuple[str, str]] | None:
        row = self.db.execute(
            "SELECT axes FROM outlines WHERE workspace_id = ? ORDER BY id DESC LIMIT 1", [workspace_id]
        ).fetchone()
        return [tuple(a) for a in json.loads(row[0])] if row else None

    def count(self, workspace_id: int | None = None) -> int:
        if workspace_id is None:
            return self.db.execute("SELECT COUNT(*) FROM outlines").fetchone()[0]
        return self.db.execute("SELECT COUNT(*) FROM outlines WHERE workspace_id = ?", [workspace_id]).fetchone()[0]
