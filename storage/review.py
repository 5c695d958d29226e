"""What animators learn from: unanswered questions grouped, and the paraphrases they attach.

A question is « to review » when the base did not answer it, only suggested
entries, answered it with little margin, or when someone marked the answer
👎. Near-identical questions are grouped (same words once normalised, or
nearly so), so the most frequent gaps come first. Attaching a question to an
entry stores it as a new paraphrase, which the matcher uses at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils
from rapidfuzz import fuzz

from domain.text import simplify
from domain.clock import now_iso

LOW_CONFIDENCE_MARGIN = 10  # answered, but within this many points of the answer threshold
SAME_QUESTION = 88  # token_sort_ratio at or above which two questions are grouped
RECENT = 5000  # the most recent questions to review: enough for months, cheap to group


@dataclass
class Group:
    key: str  # the normalised text of its first question: how reviews are remembered
    text: str  # a representative question, as typed
    question_id: int
    count: int
    reasons: set[str]


class Review:
    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    def groups(self, answer_threshold: float, limit: int = 10) -> list[Group]:
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
        reviewed = {r["key"] for r in self.db.query("SELECT key FROM reviewed_questions")}
        groups: list[Group] = []
        for row in rows:
            key = simplify(row["text"]) or row["text"].casefold()
            reason = "👎" if row["disliked"] else {"not_covered": "sans réponse", "suggested": "incertaine"}.get(
                row["outcome"], "réponse peu sûre")
            group = next((g for g in groups if g.key == key or fuzz.token_sort_ratio(g.key, key) >= SAME_QUESTION), None)
            if group is None:
                groups.append(Group(key, row["text"], row["id"], 1, {reason}))
            else:
                group.count += 1
                group.reasons.add(reason)
        pending = [g for g in groups if g.key not in reviewed]
        return sorted(pending, key=lambda g: (-g.count, -g.question_id))[:limit]

    def group_of(self, question_id: int, answer_threshold: float) -> Group | None:
        return next((g for g in self.groups(answer_threshold, limit=10_000) if g.question_id == question_id), None)

    def mark(self, key: str, action: str, user_id: int, entry_id: str | None = None) -> None:
        with self.db.atomic():
            self.db.execute(
                "INSERT INTO reviewed_questions (key, action, entry_id, reviewed_by, reviewed_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET action = excluded.action, entry_id = excluded.entry_id",
                [key, action, entry_id, user_id, now_iso()],
            )

    def attach(self, group: Group, entry_id: str, user_id: int) -> int | None:
        """The group's question becomes a paraphrase of the entry; the group is done.

        The paraphrase remembers whose question it was: until an animator
        rewrites it, it is that person's words, erased with them. Returns its id.
        """
        asker = self.db.execute("SELECT user_id FROM questions WHERE id = ?", [group.question_id]).fetchone()
        with self.db.atomic():
            self.db.execute(
                "INSERT INTO variants (entry_id, text, added_by, created_at, source_user_id) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(entry_id, text) DO NOTHING",
                [entry_id, " ".join(group.text.split())[:300], user_id, now_iso(), asker[0] if asker else None],
            )
            self.db.execute(
                "INSERT INTO reviewed_questions (key, action, entry_id, reviewed_by, reviewed_at) VALUES (?, 'attached', ?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET action = 'attached', entry_id = excluded.entry_id",
                [group.key, entry_id, user_id, now_iso()],
            )
        return self.variant_id(entry_id, group.text)

    def variant_id(self, entry_id: str, text: str) -> int | None:
        row = self.db.execute(
            "SELECT id FROM variants WHERE entry_id = ? AND text = ?", [entry_id, " ".join(text.split())[:300]]
        ).fetchone()
        return row[0] if row else None

    def get_variant(self, variant_id: int) -> dict | None:
        rows = list(self.db.query("SELECT * FROM variants WHERE id = ?", [variant_id]))
        return rows[0] if rows else None

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
