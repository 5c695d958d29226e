"""What animators learn from: unanswered questions grouped, and the paraphrases they attach.

A question is « to review » when the base did not answer it, only suggested
entries, answered it with little margin, or when someone marked the answer
👎 (grouping near-identical ones is knowledge/question_groups.py). Attaching
a question to an entry stores it as a new paraphrase, which the matcher uses at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from domain.clock import now_iso
from storage.rows import Variant, from_row

LOW_CONFIDENCE_MARGIN = 10  # answered, but within this many points of the answer threshold
RECENT = 5000  # the most recent questions to review: enough for months, cheap to group


@dataclass(frozen=True)
class ToReview:
    """A recent question the base did not answer well, as stored."""

    id: int
    text: str
    outcome: str
    disliked: bool


class Review:
    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    def to_review(self, answer_threshold: float) -> list[ToReview]:
        """The most recent questions not answered, only suggested, answered with little margin, or marked 👎; newest first."""
        rows = self.db.query(
            """
            SELECT q.id, q.text, q.outcome, q.score,
                   EXISTS (SELECT 1 FROM feedback f WHERE f.question_id = q.id AND f.helpful = 0) AS disliked
            FROM questions q
            WHERE q.outcome IN ('not_covered', 'suggested')
               OR (q.outcome = 'answered' AND q.score < ?)
               OR EXISTS (SELECT 1 FROM feedback f WHERE f.question_id = q.id AND f.helpful = 0)
            ORDER BY q.id DESC LIMIT ?
            """,
            [answer_threshold + LOW_CONFIDENCE_MARGIN, RECENT],
        )
        return [ToReview(r["id"], r["text"], r["outcome"], bool(r["disliked"])) for r in rows]

    def reviewed_keys(self) -> set[str]:
        return {r["key"] for r in self.db.query("SELECT key FROM reviewed_questions")}

    def mark(self, key: str, action: str, user_id: int, entry_id: str | None = None) -> None:
        with self.db.atomic():
            self.db.execute(
                "INSERT INTO reviewed_questions (key, action, entry_id, reviewed_by, reviewed_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET action = excluded.action, entry_id = excluded.entry_id",
                [key, action, entry_id, user_id, now_iso()],
            )

    def attach(self, key: str, question_id: int, text: str, entry_id: str, user_id: int) -> int | None:
        """A question (`question_id`, as `text`) becomes a paraphrase of the entry; its group (`key`) is done.

        The paraphrase remembers whose question it was: until an animator
        rewrites it, it is that person's words, erased with them. Returns its id.
        """
        asker = self.db.execute("SELECT user_id FROM questions WHERE id = ?", [question_id]).fetchone()
        with self.db.atomic():
            self.db.execute(
                "INSERT INTO variants (entry_id, text, added_by, created_at, source_user_id) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(entry_id, text) DO NOTHING",
                [entry_id, " ".join(text.split())[:300], user_id, now_iso(), asker[0] if asker else None],
            )
            self.db.execute(
                "INSERT INTO reviewed_questions (key, action, entry_id, reviewed_by, reviewed_at) VALUES (?, 'attached', ?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET action = 'attached', entry_id = excluded.entry_id",
                [key, entry_id, user_id, now_iso()],
            )
        return self.variant_id(entry_id, text)

    def variant_id(self, entry_id: str, text: str) -> int | None:
        row = self.db.execute(
            "SELECT id FROM variants WHERE entry_id = ? AND text = ?", [entry_id, " ".join(text.split())[:300]]
        ).fetchone()
        return row[0] if row else None

    def get_variant(self, variant_id: int) -> Variant | None:
        rows = list(self.db.query("SELECT * FROM variants WHERE id = ?", [variant_id]))
        return from_row(Variant, rows[0], edited=bool(rows[0].get("edited"))) if rows else None

    def rewrite(self, variant_id: int, text: str) -> bool:
        """An animator's own wording replaces the asker's: it is no longer that person's data."""
        with self.db.atomic():
            cursor = self.db.execute(
                "UPDATE OR IGNORE variants SET text = ?, edited = 1, source_user_id = NULL, exported_at = NULL "
                "WHERE id = ?",
                [" ".join(text.split())[:300], variant_id],
            )
        return cursor.rowcount == 1

    def variants(self, only_new: bool = False) -> dict[str, list[str]]:
        """Paraphrases by entry; `only_new`: those to write into the base's files, never a person's own
        words (unedited questions stay in the database, where erasure can reach them)."""
        where = " WHERE exported_at IS NULL AND source_user_id IS NULL" if only_new else ""
        sql = "SELECT entry_id, text FROM variants" + where + " ORDER BY id"
        found: dict[str, list[str]] = {}
        for row in self.db.query(sql):
            found.setdefault(row["entry_id"], []).append(row["text"])
        return found

    def awaiting_rewrite(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM variants WHERE source_user_id IS NOT NULL").fetchone()[0]

    def mark_exported(self, entry_ids: list[str]) -> None:
        with self.db.atomic():
            for entry_id in entry_ids:
                self.db.execute(
                    "UPDATE variants SET exported_at = ? WHERE entry_id = ? AND exported_at IS NULL", [now_iso(), entry_id]
                )


def variants_from(db: sqlite_utils.Database | None) -> dict[str, list[str]]:
    """Stored paraphrases, for `spaser-bot ask`, from a database that may not exist yet."""
    if db is None or "variants" not in db.table_names():
        return {}
    return Review(db).variants()
