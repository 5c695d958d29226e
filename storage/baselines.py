"""The DECP baseline of a workspace: aggregates only (counts, amounts, shares per year), never a contract.

One per workspace: a new file replaces the previous baseline. The figures are
kept as computed (knowledge.baseline), with the file's name and the day it
was received, so that the grid and the plan can cite where they come from.
"""

from __future__ import annotations

import json

import sqlite_utils

from domain.clock import now_iso
from storage.rows import Baseline


class Baselines:
    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    def save(self, workspace_id: int, user_id: int, buyer: str, source: str, figures: dict) -> None:
        with self.db.atomic():
            self.db["baselines"].upsert(
                {"workspace_id": workspace_id, "buyer": buyer, "source": source, "received_on": now_iso()[:10],
                 "computed_by": user_id, "data": json.dumps(figures, ensure_ascii=False)},
                pk="workspace_id",
            )

    def get(self, workspace_id: int | None) -> Baseline | None:
        """The stored figures and where they came from; None if none yet."""
        if workspace_id is None:
            return None
        row = self.db.execute(
            "SELECT buyer, source, received_on, data FROM baselines WHERE workspace_id = ?", [workspace_id]
        ).fetchone()
        if row is None:
            return None
        return Baseline(buyer=row[0], file=row[1], received_on=row[2], figures=json.loads(row[3]))
