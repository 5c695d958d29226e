"""`spaser-bot kb check`: everything the loader checks, plus checks across entries."""

from __future__ import annotations

from datetime import date
from itertools import combinations

from rapidfuzz import fuzz

from pathlib import Path

from domain.errors import ContentError

from knowledge.loader import KnowledgeBase, load_knowledge
from knowledge.normalize import Synonyms, content_words

NEAR_IDENTICAL = 96  # rapidfuzz ratio on normalised phrasings


def near_identical_phrasings(kb: KnowledgeBase) -> list[str]:
    """Phrasings of two different entries that the matcher could not tell apart."""
    synonyms = Synonyms(kb.synonym_groups, kb.spellings)
    normalised = [
        (entry, text, " ".join(sorted(content_words(text, synonyms))))
        for entry in kb.entries
        for text in entry.phrasings
    ]
    problems = []
    for (e1, t1, n1), (e2, t2, n2) in combinations(normalised, 2):
        if e1.id == e2.id or not n1 or not n2:
            continue
        if n1 == n2 or fuzz.ratio(n1, n2) >= NEAR_IDENTICAL:
            problems.append(
                f"{e1.file} « {e1.id} » et {e2.file} « {e2.id} » : formulations quasi identiques "
                f"(« {t1} » / « {t2} »)."
            )
    return problems


def check_knowledge(directory: Path | None = None, today: date | None = None) -> tuple[list[str], str]:
    """Return (problems, summary); no problems means the base can be loaded safely.

    Entries past their `review_by` date are warned about in the summary, not
    refused: the fact may still be true, but someone should look.
    """
    try:
        kb = load_knowledge(directory)
    except ContentError as exc:
        return exc.problems, ""
    problems = near_identical_phrasings(kb)
    phrasings = sum(len(e.phrasings) for e in kb.entries)
    summary = (
        f"Base de connaissances valide : {len(kb.entries)} entrées, {len(kb.topics)} thèmes, "
        f"{phrasings} formulations, {len(kb.synonym_groups)} groupes de synonymes."
    )
    for entry in kb.due_for_review(today or date.today()):
        summary += (
            f"\nAvertissement : {entry.file} « {entry.id} » est à relire depuis le "
            f"{entry.review_by.strftime('%d/%m/%Y')} (review_by) : un fait daté a pu changer."
        )
    return problems, summary
