"""The log of questions and feedback that animators learn from."""

from __future__ import annotations

from datetime import timedelta

from domain.clock import iso, now, now_iso
from storage.db import Database
from storage.rows import Feedback, Question, from_row


# What counts as a question asked: typed by the person. An answer opened from a
# button (« chosen ») is logged too, for the animators' most-read entries, but
# is not a question: /stats, /mesdonnees and `spaser-bot stats` all count this way.
ASKED = "outcome != 'chosen'"
CHOSEN = "outcome = 'chosen'"


class QuestionLog:
    def __init__(self, db: Database):
        self.db = db

    def counts(self, user_id: int | None = None) -> dict[str, int]:
        """{"asked": typed questions, "chosen": answers opened from a button}, for one person or everyone."""
        where, params = ("user_id = ? AND ", [user_id]) if user_id is not None else ("", [])
        return {
            key: self.db.execute(f"SELECT COUNT(*) FROM questions WHERE {where}{condition}", params).fetchone()[0]
            for key, condition in (("asked", ASKED), ("chosen", CHOSEN))
        }

    def record_question(
        self,
        user_id: int,
        chat_id: int,
        text: str,
        entry_id: str | None,
        score: float,
        outcome: str,
    ) -> int:
        """Log one question with its outcome (answered / suggested / not_covered)."""
        cur = self.db.change(
            "INSERT INTO questions (asked_at, user_id, chat_id, text, entry_id, score, outcome) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [now_iso(), user_id, chat_id, text, entry_id, score, outcome],
        )
        return cur.lastrowid

    def record_feedback(self, user_id: int, question_id: int, helpful: bool) -> bool:
        """Store a 👍/👎 vote on one's own answer; a second vote replaces the first.

        The button carries the question's id: a vote on someone else's question is forged.
        """
        rows = list(self.db.query("SELECT entry_id FROM questions WHERE id = ? AND user_id = ?", [question_id, user_id]))
        if not rows:
            return False
        with self.db.atomic():
            self.db.execute(
                "INSERT INTO feedback (given_at, user_id, question_id, entry_id, helpful) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT(user_id, question_id) "
                "DO UPDATE SET helpful = excluded.helpful, given_at = excluded.given_at",
                [now_iso(), user_id, question_id, rows[0]["entry_id"], int(helpful)],
            )
        return True

    def recent_question(self, user_id: int, within: timedelta) -> str | None:
        """The person's last question if it is recent: a short follow-up is read in its light."""
        since = iso(now() - within)
        rows = list(
            self.db.query(
                "SELECT text FROM questions WHERE user_id = ? AND asked_at >= ? AND outcome != 'chosen' "
                "ORDER BY id DESC LIMIT 1",
                [user_id, since],
            )
        )
        return rows[0]["text"] if rows else None

    def questions_of(self, user_id: int) -> list[Question]:
        return [from_row(Question, row) for row in self.db.query("SELECT * FROM questions WHERE user_id = ? ORDER BY id", [user_id])]

    def feedback_of(self, user_id: int) -> list[Feedback]:
        return [
            from_row(Feedback, row, helpful=bool(row["helpful"]))
            for row in self.db.query("SELECT * FROM feedback WHERE user_id = ? ORDER BY id", [user_id])
        ]
