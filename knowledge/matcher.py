"""Rank knowledge entries against a question, tolerant of typos and paraphrase.

Buyers type what comes to mind: long questions with their own context, a
question reported from someone else, two questions at once, SMS spelling.
So the question is first reduced to what it asks (`knowledge.question`), then
three signals are combined, because none is enough alone (see DESIGN.md):
- coverage: how much of the question's weighted content (IDF over entries)
  the entry's phrasings share; words the base has never seen weigh less than
  its own rare words, so that context (« nous sommes une agglomération de
  90 000 habitants ») does not drown the question, yet still enough that a
  question about something else (« seuil de publicité des marchés ») is not
  « covered » by sharing one word;
- best phrasing: the F-score between the question and the entry's closest
  single phrasing, so short precise questions win over loose overlaps;
- fuzzy: rapidfuzz `token_set_ratio` on folded text, for what stemming misses.
An entry is answered when its score is high, or when it is clearly ahead of
the next one (the margin says more than the score alone on long questions).
Two questions in one are found from the scores: a second entry that explains
the part of the question the first one leaves unexplained, each clearly
ahead on its own part.
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
from knowledge.question import CONTEXT_WORDS, MODIFIERS, focus

# Score range is 0–100. Calibrated on the tuning halves of
# tests/data/labelled_questions.yaml and tests/data/blind_questions.yaml
# (see benchmarks/faq.py); the other halves are never used to tune.
DEFAULT_ANSWER_THRESHOLD = 50.0
DEFAULT_SUGGEST_THRESHOLD = 28.0
# Below the answer threshold, an entry this far ahead of the next is answered.
MARGIN_FLOOR = 42.0
MARGIN = 14.0
UNKNOWN_SHARE = 0.34
W_COVERAGE, W_PHRASING, W_FUZZY = 0.45, 0.35, 0.20
# A word the base has never seen weighs like the rarest known word in a short
# question, and less as the question grows past LONG_QUESTION content words.
UNKNOWN_FACTOR = 1.0
LONG_QUESTION = 5
CANDIDATES = 12
# Question weight past which more words are taken as context (about four rare words).
TOTAL_CAP = 16.0
MIN_TYPO_LEN = 5


@dataclass(frozen=True)
class Match:
    entry: Entry
    score: float


@dataclass(frozen=True)
class Outcome:
    """What to do with a question: answer, suggest or admit it is not covered.

    `also` is the second entry of a question that asks two things at once.
    """

    kind: str  # "answered" | "suggested" | "not_covered"
    best: Match | None
    suggestions: tuple[Match, ...]
    also: Match | None = None

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
    terms: frozenset[str]


@dataclass(frozen=True)
class _Query:
    weights: dict[str, float]  # stem -> weight in this question
    text: str  # corrected content words, for the fuzzy comparison

    @property
    def total(self) -> float:
        return sum(self.weights.values())

    def without(self, terms: Iterable[str]) -> "_Query":
        drop = set(terms)
        kept = {t: w for t, w in self.weights.items() if t not in drop}
        return _Query(kept, self.text)


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
            built = [_Phrasing(t, text, sum(self.idf[x] for x in t)) for t, text in phrasings]
            self.docs.append(_Doc(entry, built, frozenset().union(*(p.terms for p in built))))
        self.unknown_weight = UNKNOWN_FACTOR * math.log(1 + n)
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
        """Return (corrected content words, their stems) of what the question asks."""
        # Corrections come from the entries' content words, so never a stop word.
        words = [self._correct(w) for w in content_words(focus(question), self.synonyms)]
        return words, [stem(w) for w in words]

    def _query(self, question: str) -> _Query:
        words, stems = self.query_terms(question)
        weights: dict[str, float] = {}
        if all(w in MODIFIERS or w in CONTEXT_WORDS for w in words):
            return _Query(weights, "")
        for word, term in zip(words, stems):
            if term in self.idf:
                weights[term] = self.idf[term]
            elif word not in CONTEXT_WORDS and not word.isdigit():
                # In a long question, unknown words are mostly context; in a
                # short one, they are what is asked.
                weights[term] = self.unknown_weight * min(1.0, LONG_QUESTION / max(len(words), 1))
        return _Query(weights, " ".join(w for w in words if w not in CONTEXT_WORDS))

    # -- ranking ------------------------------------------------------------

    def _candidates(self, query: _Query) -> list[int]:
        coverage: dict[int, float] = defaultdict(float)
        for term, weight in query.weights.items():
            for index in self.postings.get(term, ()):
                coverage[index] += weight
        return heapq.nlargest(CANDIDATES, coverage, key=coverage.__getitem__)

    def _score(self, query: _Query, index: int) -> float:
        doc = self.docs[index]
        # Past a few rare words, a longer question is context around the same
        # question: an entry that explains that much of it is not penalised
        # for what it leaves aside.
        total = min(query.total, TOTAL_CAP)
        if total <= 0:
            return 0.0
        terms = set(query.weights)
        cov = min(1.0, sum(query.weights[t] for t in terms & doc.terms) / total)
        best_f = 0.0
        best_fuzzy = 0.0
        for phrasing in doc.phrasings:
            shared = terms & phrasing.terms
            if shared:
                matched = sum(query.weights[t] for t in shared)
                recall, precision = min(1.0, matched / total), matched / phrasing.weight
                best_f = max(best_f, 2 * recall * precision / (recall + precision))
            best_fuzzy = max(best_fuzzy, fuzz.token_set_ratio(query.text, phrasing.text) / 100)
        score = 100 * (W_COVERAGE * cov + W_PHRASING * best_f + W_FUZZY * best_fuzzy * cov**0.5)
        return round(min(score, 100.0), 1)

    def _rank(self, query: _Query, limit: int) -> list[Match]:
        if not any(t in self.postings for t in query.weights):
            return []
        matches = [Match(self.docs[i].entry, self._score(query, i)) for i in self._candidates(query)]
        matches.sort(key=lambda m: m.score, reverse=True)
        return matches[:limit]

    def rank(self, question: str, limit: int = 5) -> list[Match]:
        """Best entries first, with scores in 0–100; empty if nothing is shared."""
        return self._rank(self._query(question), limit)

    def _clearly_first(self, query: _Query, ranked: list[Match]) -> bool:
        best = ranked[0].score
        if best >= self.answer_threshold:
            return True
        # The margin speaks for an entry only when the base knows most of
        # what is asked; « avance forfaitaire obligatoire » is not the SPASER
        # threshold because « obligatoire » is its only known word.
        unknown = sum(w for t, w in query.weights.items() if t not in self.idf)
        if unknown > UNKNOWN_SHARE * query.total:
            return False
        runner_up = ranked[1].score if len(ranked) > 1 else 0.0
        return best >= max(MARGIN_FLOOR, self.suggest_threshold) and best - runner_up >= MARGIN

    def decide(self, question: str) -> Outcome:
        """Answer when one entry is clearly right, suggest when unsure, else admit it is not covered."""
        query = self._query(question)
        ranked = self._rank(query, limit=CANDIDATES)
        if not ranked:
            return Outcome("not_covered", None, ())
        best = ranked[0]
        also = self._second_question(query, ranked)
        if also is not None:
            others = tuple(m for m in ranked[1:] if m.entry.id != also.entry.id)[:3]
            return Outcome("answered", best, others, also)
        if self._clearly_first(query, ranked):
            return Outcome("answered", best, tuple(ranked[1:4]))
        if best.score >= self.suggest_threshold:
            close = tuple(m for m in ranked if m.score >= self.suggest_threshold * 0.8)[:3]
            return Outcome("suggested", best, close)
        return Outcome("not_covered", best, tuple(ranked[:3]))

    def _second_question(self, query: _Query, ranked: list[Match]) -> Match | None:
        """A second entry that answers what the first leaves out, each clearly first on its own part."""
        if len(ranked) < 2:
            return None
        by_id = {d.entry.id: i for i, d in enumerate(self.docs)}
        first = by_id[ranked[0].entry.id]
        rest = query.without(self.docs[first].terms)
        if not any(t in self.postings for t in rest.weights) or rest.total < 0.25 * query.total:
            return None
        part_two = self._rank(rest, limit=CANDIDATES)
        if not part_two or part_two[0].entry.id == ranked[0].entry.id or not self._clearly_first(rest, part_two):
            return None
        second = by_id[part_two[0].entry.id]
        other = query.without(self.docs[second].terms)
        part_one = self._rank(other, limit=CANDIDATES)
        if not part_one or part_one[0].entry.id != ranked[0].entry.id or not self._clearly_first(other, part_one):
            return None
        return Match(self.docs[second].entry, part_two[0].score)
