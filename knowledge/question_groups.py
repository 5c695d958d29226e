"""Questions to review, grouped: near-identical ones (same words once normalised, or nearly
so) count as one, so that the most frequent gaps in the base come first."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from rapidfuzz import fuzz

from domain.statuses import Answered
from domain.text import simplify

SAME_QUESTION = 88  # token_sort_ratio at or above which two questions are grouped
REASONS = {Answered.NOT_COVERED: "sans réponse", Answered.SUGGESTED: "incertaine"}


class Asked(Protocol):
    id: int
    text: str
    outcome: str
    disliked: bool


@dataclass
class Group:
    key: str  # the normalised text of its first question: how reviews are remembered
    text: str  # a representative question, as typed
    question_id: int
    count: int
    reasons: set[str] = field(default_factory=set)


def group_questions(questions: list[Asked], reviewed: set[str], limit: int = 10) -> list[Group]:
    """`questions` newest first; the groups not yet reviewed, the largest first."""
    groups: list[Group] = []
    for question in questions:
        key = simplify(question.text) or question.text.casefold()
        reason = "👎" if question.disliked else REASONS.get(question.outcome, "réponse peu sûre")
        group = next((g for g in groups if g.key == key or fuzz.token_sort_ratio(g.key, key) >= SAME_QUESTION), None)
        if group is None:
            groups.append(Group(key, question.text, question.id, 1, {reason}))
        else:
            group.count += 1
            group.reasons.add(reason)
    pending = [g for g in groups if g.key not in reviewed]
    return sorted(pending, key=lambda g: (-g.count, -g.question_id))[:limit]
