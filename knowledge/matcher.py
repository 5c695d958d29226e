"""Rank knowledge entries against a question, tolerant of typos and paraphrase.

Three signals, combined because none is enough alone (see DESIGN.md):
- coverage: how much of the question's weighted content (IDF over entries)
  the entry's phrasings share — unknown words weigh as much as rare ones, so
  a question about something else (« seuil des MAPA ») is not « covered » by
  sharing one word;
- best phrasing: the F-score between the question and the entry's closest
  single phrasing, so short precise questions win over loose overlaps;
- fuzzy: rapidfuzz `token_set_ratio` on folded text, for what stemming misses.
Typos are corrected first against the index vocabulary. Only the entries that
share a term with the question are scored (inverted index), and only the best
few get the costlier fuzzy comparison, so cost grows slowly with the base.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from knowledge.loader import Entry, KnowledgeBase
from knowledge.normalize import Synonyms, content_words, stem

# Score range is 0–100. Calibrated on the tuning half of
# tests/data/labelled_questions.yaml (see benchmarks/faq.py).
DEFAULT_ANSWER_THRESHOLD = 50.0
DEFAULT_SUGGEST_THRESHOLD = 28.0
W_COVERAGE, W_PHRASING, W_FUZZY = 0.45, 0.35, 0.20
CANDIDATES = 12
MIN_TYPO_LEN = 5


@dataclass(frozen=True)
class Match:
    entry: Entry
    score: float


@dataclass(frozen=True)
class Outcome:
    """What to do with a question: answer, suggest or admit it is not covered."""

    kind: str  # "answered" | "suggested" | "not_covered"
    best: Match | None
    suggestions: tuple[Match, ...]

    @property
    def score(self) -> float:
        return self.best.score if self.best else 0.0


@dataclass
class _Phrasing:
    terms: frozenset[str]
    text: str  # content words, folded, for the fuzzy comparison
    weight: float  # summed IDF of its terms, fixed once the index is built


@dataclass
class _Doc:
    entry: Entry
    phrasings: list[_Phrasing]


class Matcher:
    """An index over one knowledge base; rebuild it (new instance) when the base changes."""

    def __init__(
        self,
        kb: KnowledgeBase,
        extra_variants: dict[str, Iterable[str]] | None = None,
        answer_threshold: float | None = None,
        suggest_threshold: float | None = None,
    ):
        self.kb = kb
        self.synonyms = Synonyms(kb.synonym_groups)
        self.answer_threshold = answer_threshold if answer_threshold is not None else DEFAULT_ANSWER_THRESHOLD
        self.suggest_threshold = suggest_threshold if suggest_threshold is not None else DEFAULT_SUGGEST_THRESHOLD
        extra_variants = extra_variants or {}
        self.docs: list[_Doc] = []
        self.postings: dict[str, list[int]] = defaultdict(list)
        vocabulary: set[str] = set()
        analysed: list[list[tuple[frozenset[str], str]]] = []
        for index, entry in enumerate(kb.entries):
            phrasings = []
            for text in (*entry.phrasings, *extra_variants.get(entry.id, ())):
                words = content_words(text, self.synonyms)
                vocabulary.update(w for w in words if "_" not in w)
                phrasings.append((frozenset(stem(w) for w in words), " ".join(words)))
            analysed.append(phrasings)
            for term in frozenset().union(*(terms for terms, _ in phrasings)):
                self.postings[term].append(index)
        n = len(kb.entries)
        self.idf = {t: math.log(1 + n / len(p)) for t, p in self.postings.items()}
        for entry, phrasings in zip(kb.entries, analysed):
            self.docs.append(
                _Doc(entry, [_Phrasing(t, text, sum(self.idf[x] for x in t)) for t, text in phrasings])
            )
        # A word the base has never seen weighs like the rarest known word.
        self.unknown_weight = math.log(1 + n)
        # Candidates for a typo share its first letter and length ±2: typos
        # rarely hit the first letter, and scanning the whole vocabulary would
        # make cost grow with the base.
        self.vocabulary_buckets: dict[tuple[str, int], list[str]] = defaultdict(list)
        for word in sorted(vocabulary):
            self.vocabulary_buckets[(word[0], len(word))].append(word)
        self._corrections: dict[str, str | None] = {}

    # -- query side ---------------------------------------------------------

    def _correct(self, word: str) -> str:
        """Replace an unknown word by the closest known one, if close enough."""
        if stem(word) in self.idf or len(word) < MIN_TYPO_LEN or word.isdigit() or "_" in word:
            return word
        if word not in self._corrections:
            cutoff = 80 if len(word) >= 6 else 75
            nearby = [
                w for size in range(len(word) - 2, len(word) + 3) for w in self.vocabulary_buckets.get((word[0], size), ())
            ]
            found = process.extractOne(word, nearby, scorer=fuzz.ratio, score_cutoff=cutoff)
            fixed = None
            if found is not None and Levenshtein.distance(word, found[0]) <= (1 if len(word) < 7 else 2):
                fixed = found[0]
            if len(self._corrections) > 50000:
                self._corrections.clear()
            self._corrections[word] = fixed
        return self._corrections[word] or word

    def query_terms(self, question: str) -> tuple[list[str], list[str]]:
        """Return (corrected content words, their stems)."""
        # Corrections come from the entries' content words, so never a stop word.
        words = [self._correct(w) for w in content_words(question, self.synonyms)]
        return words, [stem(w) for w in words]

    def _weight(self, term: str) -> float:
        return self.idf.get(term, self.unknown_weight)

    # -- ranking ------------------------------------------------------------

    def rank(self, question: str, limit: int = 5) -> list[Match]:
        """Best entries first, with scores in 0–100; empty if nothing is shared."""
        words, stems = self.query_terms(question)
        q_terms = set(stems)
        if not q_terms:
            return []
        q_total = sum(self._weight(t) for t in q_terms)
        known = [t for t in q_terms if t in self.postings]
        if not known:
            return []
        coverage: dict[int, float] = defaultdict(float)
        for term in known:
            weight = self.idf[term]
            for index in self.postings[term]:
                coverage[index] += weight
        top = heapq.nlargest(CANDIDATES, coverage, key=coverage.__getitem__)
        q_text = " ".join(words)
        matches = []
        for index in top:
            doc = self.docs[index]
            cov = coverage[index] / q_total
            best_f = 0.0
            best_fuzzy = 0.0
            for phrasing in doc.phrasings:
                shared = q_terms & phrasing.terms
                if shared:
                    matched = sum(self.idf[t] for t in shared)
                    recall, precision = matched / q_total, matched / phrasing.weight
                    best_f = max(best_f, 2 * recall * precision / (recall + precision))
                best_fuzzy = max(best_fuzzy, fuzz.token_set_ratio(q_text, phrasing.text) / 100)
            score = 100 * (W_COVERAGE * cov + W_PHRASING * best_f + W_FUZZY * best_fuzzy * cov ** 0.5)
            matches.append(Match(doc.entry, round(score, 1)))
        matches.sort(key=lambda m: m.score, reverse=True)
        return matches[:limit]

    def decide(self, question: str) -> Outcome:
        """Answer above the high threshold, suggest between, else admit it is not covered."""
        ranked = self.rank(question, limit=4)
        if not ranked:
            return Outcome("not_covered", None, ())
        best = ranked[0]
        if best.score >= self.answer_threshold:
            return Outcome("answered", best, tuple(ranked[1:4]))
        if best.score >= self.suggest_threshold:
            close = tuple(m for m in ranked if m.score >= self.suggest_threshold * 0.8)[:3]
            return Outcome("suggested", best, close)
        return Outcome("not_covered", best, tuple(ranked[:3]))
