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
- fuzzy: rapidfuzz `token_set_ratio` on folded text, for what stemming misses;
- order: words side by side as in a phrasing count a little more
  (« exemples de SPASER » is not « exemples d'indicateurs du SPASER »).
An entry is answered when its score is high, or when it is clearly ahead of
the next one (the margin says more than the score alone on long questions).
Two questions in one are found from the scores: a second entry that explains
the part of the question the first one leaves unexplained, each clearly
ahead on its own part.
A question closer to a subject next to the SPASER that the base does not
cover (knowledge/out_of_scope.yaml: passing and running contracts at large)
than to any entry is declined, rather than given the least distant entry.
Typos are corrected first against the index vocabulary. Only the entries that
share a term with the question are scored (inverted index), and only the best
few get the costlier fuzzy comparison, so cost grows slowly with the base.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Iterable

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA, Levenshtein

from knowledge.loader import Entry, KnowledgeBase, Neighbour
from domain.text import simplify
from knowledge.normalize import Synonyms, content_words, stem
from knowledge.question import (CONTEXT_WORDS, MODIFIERS, SELF_INTRODUCTION, focus, from_stated_volume,
                                purchases_meur)
from domain.statuses import Answered

# Score range is 0–100. Calibrated on the tuning halves of
# tests/data/labelled_questions.yaml and tests/data/blind_questions.yaml
# (see benchmarks/faq.py); the other halves are never used to tune.
DEFAULT_ANSWER_THRESHOLD = 50.0
DEFAULT_SUGGEST_THRESHOLD = 28.0
# Below the answer threshold, an entry this far ahead of the next is answered.
MARGIN_FLOOR = 42.0
MARGIN = 14.0
# Above the answer threshold, three entries this close share what was asked (« je démarre sur le
# spaser, des conseils ? » fits the first steps, the prerequisites and the definition alike): none is first.
THREE_WAY_TIE = 1.5
UNKNOWN_SHARE = 0.34
# Past this share of unknown words, a question gets no « did you mean… ? », only the close questions,
# unless its best entry scores this much (measured: 40 out-of-scope questions of 45 so suggested lose their
# « did you mean » at these values, 5 in-scope ones of 111).
UNKNOWN_TO_SUGGEST = 0.5
FIRM_SUGGESTION = 35.0
# A question of at most this many content words may be a follow-up of the previous one.
FOLLOW_UP_WORDS = 4
FOLLOW_UP_WEIGHT = 0.6
# Where a question may be cut in two; the scores of each side decide.
PUNCT_BREAK = re.compile(r"[?;]")
PART_BREAK = re.compile(r"\b(?:et|puis)\b")
CONTRASTS = re.compile(r"\s+(?:pas|non)\b")
MAX_PARTS = 6
COMPARING = re.compile(r"\b(?:entre|difference|differences|distinguer|distingue|comparer|compare|versus|vs)\s+(?:\S+\s+){0,4}$")
# A neighbouring subject declines a question only from this score on, and only ahead of every entry.
NEIGHBOUR_MIN = 40.0
# A first part that tells about the asker (« je coordonne le développement durable…, on prépare le
# comité de pilotage et je voudrais savoir à quel rythme le réunir ») is context, not a first question,
# unless it asks something itself (« je voudrais savoir combien de pages… et… »).
TELLS_ABOUT_ONESELF = re.compile(r"^(?:je|j|moi|dans notre|dans ma|dans mon|chez nous|nous sommes)\b")
# So does what a message says of the asker's own things (« Notre schéma n'est plus suivi depuis deux ans
# et la direction s'inquiète : que risque-t-on ? »), unless it asks something itself.
TELLS_ABOUT_OURS = re.compile(r"^(?:notre|nos)\b")
# The asker's own part in the scheme (« mon rôle », « ma place »): who they said they are is what is asked.
OWN_PART = re.compile(r"\b(?:mon role|ma place|mon implication|mon positionnement|ma participation|m impliquer|"
                      r"mon intervention|intervenir|me concerne|me concerner)\b")
# « je cherche un modèle », « j'aimerais des exemples »: the asker speaks of themselves to ask for something.
REQUESTS = re.compile(r"^(?:je )?(?:cherche|recherche|voudrais|veux|aimerais|souhaite|souhaiterais|ai besoin)\b")
_ASKING = (r"comment|combien|cb|quel|quelle|quels|quelles|pourquoi|est ce|faut il|peut on|"
           r"doit on|doit il|doit elle|doivent ils|est il|est elle|sont ils|y a t il|existe t il")
# With « qui », « où », « quoi », which tell as often as they ask (« une direction qui commence à
# parler développement durable »): ASKS_OPENLY leaves them out where a self-introduction is read.
ASKS = re.compile(rf"\b(?:{_ASKING}|ou|qui|quoi)\b")
ASKS_OPENLY = re.compile(rf"\b(?:{_ASKING})\b")
# « Je suis chargé de mission dans une agglomération… On m'a confié la rédaction : combien de temps
# faut-il compter ? »: in a long message that opens on who asks and ends on a question, what only the
# opening says weighs this much less than what the question says.
TOLD_WEIGHT = 0.5
# Where a self-introduction (« je suis acheteuse dans une commune, ») ends.
INTRO_END = re.compile(r"[,;:.!?]")
GREETING = re.compile(r"^\s*(?:bonjour|bonsoir|salut|hello|coucou)\b[^,;:.!?]{0,20}[,;:.!?]\s*", re.IGNORECASE)
TOLD_MIN_WORDS = 6
# A message that tells, then asks, is answered from TOLD_FLOOR when the next entry scores under TOLD_LEAD of the first.
TOLD_FLOOR = 35.0
TOLD_LEAD = 0.8
# A question followed by what the asker tells (« Par quoi commencer ? On vient de me confier le SPASER. »)
# is read so however short.
ASKED_FIRST = re.compile(r"\?\s+[^?\s][^?]*$")
SENTENCE_BREAK = re.compile(r"(?<=[.:;!?])\s+")
FULL_STOP = re.compile(r"(?<=[.!?])\s+")
# « Des conseils ? », « Une idée ? » close a message without asking anything of their own: what the
# message told is the question.
ASKS_FOR_HELP = frozenset(stem(w) for w in (
    "conseil", "conseils", "idee", "idees", "piste", "pistes", "astuce", "astuces", "suggestion", "suggestions",
    "aide", "aider", "tuyau", "tuyaux", "avis", "recommandation", "recommandations"))
COUNCIL_TERM = stem("conseil")
ELECTED_TERM = stem("elu")  # the group of the elected (« maire », « président », « élue »…)
# What a message tells before it asks ends at a full stop or a semicolon (« …finira dans un tiroir ; quels arguments… »).
TOLD_BREAK = re.compile(r"(?<=[.;!?])\s+")
# « et les entreprises ? »: another object for the same question.
SUBSTITUTES = re.compile(r"^et (?:les|le|la|l|des|du|aux|un|une|avec les|avec le|avec la|avec l|pour les)\b")
WHICH = re.compile(r"\b(?:quel|quels|quelle|quelles|lequel|laquelle|lesquels|lesquelles)\b")
COUNT_TERM = stem("combien")
# « Quel taux… ? », « quelle part… ? » ask a figure all the same.
AMOUNT_ASKED = frozenset({COUNT_TERM} | {stem(w) for w in ("taux", "part", "pourcentage", "proportion", "montant")})
# A question word alone (« combien ? », « et où ? ») asks about what was just asked.
BARE_ASK = re.compile(r"^(?:et |mais )?(?:c est )?(?:combien|ou|quand|pourquoi|comment|qui|lequel|laquelle|lesquels|"
                      r"lesquelles)(?: ca| alors| donc| exactement)?$")
# A pronoun that stands for what was asked before (« il est encore en vigueur ? »).
REFERS_BACK = re.compile(r"\b(?:il|elle|ils|elles|le|la|les|l|lui|leur|y|en)\b")
# A short message that opens on « il », « elle » speaks of what was just asked (« elle est gratuite ? »).
OPENS_ON_PRONOUN = re.compile(r"^(?:et |mais )?(?:il|elle|ils|elles)\b")
# Both entries of a two-question answer are among this many closest to the whole question.
TWO_NEAR = 6
# Each side's entry is this far ahead of the side's next one.
SIDE_MARGIN = 8.0
SIDE_FIRM = 85.0
# Canonical terms (synonyms.yaml) of the obligation and of its threshold.
OBLIGATION_TERM = stem("obligatoire")
SEUIL_TERM = stem("seuil")
SPASER_TERM = stem("spaser")
# The field itself: a side of a question that names only it (« la commande publique et l'ESS ») asks nothing.
FIELD_TERMS = frozenset({SPASER_TERM, "commande_publique"})
# « c'est quoi », « que veut dire » say how the question is asked; what it asks is the other word
# (« c'est quoi les axes d'un spaser » asks for the axes, not for the definition of the SPASER).
DEFINITION_TERM = stem("definition")
DEFINITION_WEIGHT = 0.5
# A question that names the SPASER and nothing else the base knows: once the little words are
# dropped, only « spaser » is left, which the definition answers. These say what it asks instead:
# « Comment faire un SPASER ? », « comment on s'y prend pour monter notre schéma ? » (the steps),
# « j'ai besoin d'aide pour mon spaser » (the resources).
BARE_SPASER_CUES = (
    (re.compile(
        r"\bcomment\b(?:\s+\S+){0,4}?\s+(?:faire|fait|fais|elaborer|elabore|rediger|redige|ecrire|construire"
        r"|realiser|monter|lancer|mettre en place|met en place|s y prendre|s y prend|proceder|demarrer|commencer"
        r"|debuter)\b"), stem("etape")),
    (re.compile(r"\b(?:aide|aider|aidez|besoin d aide|accompagnement|accompagner|accompagne|coup de main|soutien)\b"),
     stem("ressources")),
    # « Que prévoit l'article L2111-3 ? »: the article is the SPASER's (synonyms.yaml); named alone, its text is asked.
    (re.compile(r"\bl ?2111\b"), stem("texte")),
)
# « Faut-il un SPASER ? », « faut-il en faire un ? »: whether one must, asked with little words only.
MUST_HAVE_ONE = re.compile(
    r"\bfaut(?: t)? il (?:(?:faire|adopter|avoir|ecrire|rediger) )?(?:un |une |en (?:faire |avoir |adopter )?un )?"
    r"(?:spaser|schema)\b")
# With a purchase volume, these make a question about the threshold:
# « 38 M€ de marchés par an, on n'a rien à faire côté SPASER ? ».
THRESHOLD_CUES = frozenset(stem(w) for w in ("obligatoire", "concerné", "spaser", "retard", "volontaire"))
# The same asked with little words only: « doit-il en faire un ? », « on est tenus ? », « c'est bon ? ».
THRESHOLD_ASKED = re.compile(
    r"\b(?:doi[st]|doivent|devons|devez|faut|tenue?s?|soumise?s?|obligee?s?|concernee?s?|c est bon"
    r"|en dessous|au dessus|depasse|depassons|sous le seuil|pour nous|nous concerne"
    r"|dedans|y echappe|y echappons|echappe|echappons|exempte|exemptes|dispense|dispenses|tranquilles?|a abri)\b")
THRESHOLD_WEIGHT = 1.0
# How a volume is stated (« 55 millions d'euros hors taxes par an »): context of a threshold question,
# not what it asks (they would pull the entry on how to compute the amount).
AMOUNT_WORDS = frozenset(stem(w) for w in ("ht", "hors", "taxes", "annuel", "annuels", "an", "ans", "euros", "million",
                                            "millions", "commandes", "depense", "depensons", "marche")) | {"hors_taxes"}
# « TTC ou HT ? » asks how the amount is counted, unless it only says how the asker's own volume is stated.
HORS_TAXES = "hors_taxes"
# What a threshold question may say besides (its volume, who asks, the cue itself); any other
# known word weighing this much makes it a question about something else.
THRESHOLD_OWN = THRESHOLD_CUES | AMOUNT_WORDS | frozenset(stem(w) for w in (
    "seuil", "achat", "dessus", "dessous", "passe", "depasse", "pile", "commune", "ville", "region", "conseil_departemental",
    "metropole", "intercommunalite", "syndicat", "hopital", "etablissement", "public", "etat", "adopter",
    "conseil", "municipal", "communautaire", "administration")) | {
    "etablissement_public", "bailleur_social"}  # the terms of a group of words (synonyms.yaml)
THRESHOLD_REST = 2.0
W_COVERAGE, W_PHRASING, W_FUZZY = 0.45, 0.35, 0.20
# A word the base has never seen weighs like the rarest known word in a short
# question, and less as the question grows past LONG_QUESTION content words.
UNKNOWN_FACTOR = 1.0
LONG_QUESTION = 5
CANDIDATES = 8
# What a word of the answer (and of no phrasing) is worth, against a phrasing's word.
ANSWER_WEIGHT = 0.5
# A term in more than this share of the entries does not choose candidates.
COMMON_SHARE = 0.25
COMMON_MIN = 20
# At most this many of a question's terms (its heaviest) choose the candidates.
WALKED_TERMS = 6
# Question weight past which more words are taken as context (about four rare words).
TOTAL_CAP = 16.0
MIN_TYPO_LEN = 5
# Shorter words are corrected only into the base's acronyms of this length (« SIEA » for « SIAE »).
ACRONYM_LEN = MIN_TYPO_LEN - 1
ACRONYM = re.compile(rf"\b[A-Z]{{{ACRONYM_LEN}}}\b")
# What words side by side as in a phrasing add to its F-score (tuned on aggregate figures only).
PAIR_WEIGHT = 0.2
# Who asks (« pour une région », « notre commune », « un établissement public de l'État ») says more
# about the asker than about the question.
STRUCTURE_WORDS = frozenset("commune communes ville villes mairie region regions conseil_departemental metropole "
                            "metropoles intercommunalite interco epci agglomeration agglo syndicat syndicats hopital "
                            "hopitaux chu etablissement_public bailleur_social etat".split())
STRUCTURE_WEIGHT = 0.5
STRUCTURE_TERMS = frozenset(stem(w) for w in STRUCTURE_WORDS)
# A year is rare in the base, so it weighs as much as a rare word; in a question it mostly dates the
# asker's own situation (« notre schéma couvrait 2020-2025 »), which must not pull the plan of 2022-2025.
# A year with its law (« la loi de 2021 ») still finds the law by the other word.
YEAR = re.compile(r"(?:19|20)\d\d")
YEAR_WEIGHT = 0.3
# « depuis la loi de 2023 »: a year that names a law is the law asked about.
LAW_YEAR = re.compile(r"\b(?:loi|lois|reforme) (?:de |du |d |en )?((?:19|20)\d\d)\b")


# Letters one hits for another: neighbours on a French (AZERTY) or English (QWERTY) keyboard, and
# letters that sound alike (« frequance », « conbien », « publik »). « avait » is not a slip for
# « avant », nor « pièces » for « pièges »: those are other words.
_ROWS = ("azertyuiop", "qsdfghjklm", "wxcvbn", "qwertyuiop", "asdfghjkl", "zxcvbnm")
_COLUMNS = ("aqw", "zsx", "edc", "rfv", "tgb", "yhn", "ujm", "ik", "ol", "pm", "qaz", "wsx")
VOWELS = frozenset("aeiouy")
_SOUND_ALIKE = ("ae", "ei", "nm", "ck", "cq", "kq", "sz", "sc", "iy", "gj", "ou")
SLIPS = frozenset(
    pair for group in (
        [row[i:i + 2] for row in _ROWS for i in range(len(row) - 1)]
        + [col[i:i + 2] for col in _COLUMNS for i in range(len(col) - 1)]
        + list(_SOUND_ALIKE))
    for pair in (group, group[::-1]))


def _sentences(text: str, cut: re.Pattern[str] = FULL_STOP) -> list[str]:
    """The sentences of a message, cut between full sentences unless told otherwise."""
    return [part for part in cut.split(text.strip()) if part.strip()]


def _slips(word: str, known: str) -> bool:
    """Whether every letter `word` has in place of one of `known` is one the fingers or the ear slip to;
    two letters swapped side by side are one slip."""
    edits = Levenshtein.editops(word, known)
    ops = [op for op in edits if op.tag == "replace"]
    swapped = set()
    for a, b in zip(ops, ops[1:]):
        if (b.src_pos == a.src_pos + 1 and word[a.src_pos] == known[b.dest_pos]
                and word[b.src_pos] == known[a.dest_pos]):
            swapped |= {a.src_pos, b.src_pos}
    # « insersion », « délibérassion »: the ear writes « -sion » for « -tion ».
    heard = {op.src_pos for op in ops if word[op.src_pos] == "s" and known[op.dest_pos] == "t"
             and known.startswith("ion", op.dest_pos + 1)}
    if not all(op.src_pos in swapped or op.src_pos in heard or word[op.src_pos] + known[op.dest_pos] in SLIPS
               for op in ops):
        return False
    # A letter too many is an ending (« porteurs »), a key hit twice or one beside its neighbour
    # (« seuill »), or a vowel sounded with the next (« spaseur »); « juriste » is not « juste ».
    moved = {(known[op.dest_pos], op.src_pos) for op in edits if op.tag == "insert"}
    for op in edits:
        if op.tag != "delete" or op.src_pos >= len(word) - 2:
            continue
        if any((word[op.src_pos], p) in moved for p in (op.src_pos - 1, op.src_pos, op.src_pos + 1)):
            continue  # a letter typed one place off (« exmeples »)
        extra, near = word[op.src_pos], word[max(op.src_pos - 1, 0):op.src_pos] + word[op.src_pos + 1:op.src_pos + 2]
        if not any(extra == n or extra + n in SLIPS or extra in VOWELS and n in VOWELS for n in near):
            return False
    return True


@dataclass(frozen=True)
class Match:
    entry: Entry
    score: float


@dataclass(frozen=True)
class Outcome:
    """What to do with a question: answer, suggest or admit it is not covered.

    `also` is the second entry of a question that asks two things at once.
    """

    kind: Answered
    best: Match | None
    suggestions: tuple[Match, ...]
    also: Match | None = None
    # Declined because the question is about this subject next to the SPASER, not about the SPASER.
    neighbour: Neighbour | None = None
    # The earlier question a short follow-up was read with (« et pour une commune ? » after a
    # question that gave the purchases): what the follow-up leaves implied is said there.
    follows: str | None = None

    @property
    def score(self) -> float:
        return self.best.score if self.best else 0.0


@dataclass
class _Phrasing:
    terms: frozenset[str]
    text: str  # content words, folded, for the fuzzy comparison
    weight: float  # summed IDF of its terms, fixed once the index is built
    pairs: frozenset[tuple[str, str]] = frozenset()  # adjacent terms, in order


@dataclass
class _Doc:
    entry: Entry | None  # None: a neighbouring subject's phrasings
    phrasings: list[_Phrasing]
    terms: frozenset[str]
    answer_terms: frozenset[str] = frozenset()  # in the answer and in no phrasing
    texts: tuple[str, ...] = ()  # the phrasings' texts, compared in one call
    # Which phrasings hold each term and each pair of adjacent terms: a question reaches the
    # phrasings it shares something with, instead of intersecting every phrasing.
    term_phrasings: dict[str, tuple[int, ...]] = field(default_factory=dict)
    pair_phrasings: dict[tuple[str, str], tuple[int, ...]] = field(default_factory=dict)
    weights: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        self.texts = tuple(p.text for p in self.phrasings)
        self.weights = tuple(p.weight for p in self.phrasings)
        terms: dict[str, list[int]] = defaultdict(list)
        pairs: dict[tuple[str, str], list[int]] = defaultdict(list)
        for number, phrasing in enumerate(self.phrasings):
            for term in phrasing.terms:
                terms[term].append(number)
            for pair in phrasing.pairs:
                pairs[pair].append(number)
        self.term_phrasings = {t: tuple(n) for t, n in terms.items()}
        self.pair_phrasings = {p: tuple(n) for p, n in pairs.items()}


def _pairs(words: list[str]) -> frozenset[tuple[str, str]]:
    stems = [stem(w) for w in words]
    return frozenset(zip(stems, stems[1:]))


@dataclass(frozen=True)
class _Query:
    weights: dict[str, float]  # stem -> weight in this question
    text: str  # corrected content words, for the fuzzy comparison
    words: int = 0  # how many content words the person typed
    threshold: bool = False  # states its purchases and asks whether the obligation applies
    closing: str | None = None  # the question that closes a long message that tells first (not read for threshold ones)
    which: bool = False  # asks « quels… ? » and not « combien… ? »

    @cached_property
    def pairs(self) -> frozenset[tuple[str, str]]:
        return _pairs(self.text.split())

    @property
    def total(self) -> float:
        return sum(self.weights.values())



def _who_must(weights: dict[str, float], structures: set[str]) -> None:
    """« On est une interco, faut-il un SPASER ? »: who asks whether they must, not a shared schema;
    the kind of body weighs less again."""
    structures &= weights.keys()
    if OBLIGATION_TERM in weights and structures and weights.keys() <= structures | {OBLIGATION_TERM, SPASER_TERM}:
        for term in structures:
            weights[term] *= STRUCTURE_WEIGHT


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
        self.synonyms = Synonyms(kb.synonym_groups, kb.spellings)
        self.answer_threshold = answer_threshold if answer_threshold is not None else DEFAULT_ANSWER_THRESHOLD
        self.suggest_threshold = suggest_threshold if suggest_threshold is not None else DEFAULT_SUGGEST_THRESHOLD
        extra_variants = extra_variants or {}
        self.docs: list[_Doc] = []
        self.postings: dict[str, list[int]] = defaultdict(list)
        vocabulary: set[str] = set()
        analysed: list[list[tuple[frozenset[str], list[str]]]] = []
        for index, entry in enumerate(kb.entries):
            phrasings = [self._analysed(text) for text in (*entry.phrasings, *extra_variants.get(entry.id, ()))]
            for _, words in phrasings:
                vocabulary.update(w for w in words if "_" not in w)
            analysed.append(phrasings)
            for term in frozenset().union(*(terms for terms, _ in phrasings)):
                self.postings[term].append(index)
        n = len(kb.entries)
        self.idf = {t: math.log(1 + n / len(p)) for t, p in self.postings.items()}
        self.unknown_weight = UNKNOWN_FACTOR * math.log(1 + n)
        # The answer's own words (« délibération », « données essentielles ») count for a little:
        # people ask with the words of the answer they expect. So do the words that only answers
        # use (« fédérations professionnelles », « recto »): they find the entry that says them,
        # though, unknown to every phrasing, they still weigh as context in the question and
        # never let the margin alone answer.
        self.answer_postings: dict[str, list[int]] = defaultdict(list)
        self.answer_stems: set[str] = set()
        for index, (entry, phrasings) in enumerate(zip(kb.entries, analysed)):
            built = [self._phrasing(terms, words) for terms, words in phrasings]
            terms = frozenset().union(*(p.terms for p in built))
            said = frozenset(stem(w) for w in content_words(entry.answer, self.synonyms)) - terms
            self.answer_stems.update(said)
            for term in said:
                self.answer_postings[term].append(index)
            self.docs.append(_Doc(entry, built, terms, said))
        self._doc_index = {doc.entry.id: i for i, doc in enumerate(self.docs)}
        # The neighbouring subjects, scored like entries but outside the index: their words
        # change neither the weights of the base's words nor its candidates.
        self.neighbours: list[tuple[Neighbour, _Doc]] = []
        self.neighbour_postings: dict[str, list[int]] = defaultdict(list)
        for number, neighbour in enumerate(kb.neighbours):
            built = [self._phrasing(*self._analysed(text)) for text in neighbour.phrasings]
            doc = _Doc(None, built, frozenset().union(*(p.terms for p in built)))
            self.neighbours.append((neighbour, doc))
            for term in doc.terms:
                self.neighbour_postings[term].append(number)
        # « Is it compulsory, above which amount? », asked bare: what a threshold question's verdict line precedes.
        self._bare_threshold = _Query({t: self.idf[t] for t in (SEUIL_TERM, OBLIGATION_TERM) if t in self.idf},
                                      "seuil obligatoire")
        self.common_df = max(COMMON_MIN, int(COMMON_SHARE * n))
        # Candidates for a typo share its first letter and length ±2: typos
        # rarely hit the first letter, and scanning the whole vocabulary would
        # make cost grow with the base.
        self.vocabulary = frozenset(vocabulary)
        # The base's acronyms of four letters (« SIAE », « PNAD »), as the entries write them in capitals.
        self.acronyms = frozenset(
            a.lower() for e in kb.entries for text in (*e.phrasings, e.answer) for a in ACRONYM.findall(text)
        ) & self.vocabulary
        self.vocabulary_buckets: dict[tuple[str, int], list[str]] = defaultdict(list)
        # A typo of a synonym (« shema » for « schéma ») is corrected to it, then replaced by its
        # term; one letter off only, since these words are not the base's own (« maitrise » is
        # two letters from « mairie »).
        # So is a word of a phrase (« sous traitans » is « sous traitants », then the phrase again).
        phrase_words = {w for phrase in self.synonyms.phrases for w in phrase.split()}
        self.variant_words = frozenset(
            w for w in set(self.synonyms.single) | phrase_words if len(w) >= MIN_TYPO_LEN) - vocabulary
        for word in sorted(vocabulary | self.variant_words):
            self.vocabulary_buckets[(word[0], len(word))].append(word)
        self._corrections: dict[str, str | None] = {}

    def _analysed(self, text: str) -> tuple[frozenset[str], list[str]]:
        words = content_words(text, self.synonyms)
        return frozenset(stem(w) for w in words), words

    def _phrasing(self, terms: frozenset[str], words: list[str]) -> _Phrasing:
        """A phrasing as scored: an entry's words all have a weight; a neighbouring subject's own
        words (« avenant ») weigh as a word the base has never seen."""
        return _Phrasing(terms, " ".join(words), sum(self.idf.get(t, self.unknown_weight) for t in terms), _pairs(words))

    # -- query side ---------------------------------------------------------

    def _correct(self, word: str) -> str:
        """Replace an unknown word by the closest known one (its group's term for a synonym), if close enough."""
        near = self._nearest(word)
        return self.synonyms.single.get(near, near) if near else word

    def _nearest(self, word: str) -> str | None:
        """The known word an unknown one is a slip for, as written (« comune » is « commune »), or None.

        Edits are counted with swapped neighbours as one (optimal string
        alignment): « indicatuers » is one slip of the fingers from
        « indicateurs », not two."""
        term = stem(word)
        if term in self.idf or len(word) < ACRONYM_LEN or word.isdigit() or "_" in word:
            return None
        if term in self.neighbour_postings or term in self.answer_stems:
            # « avenant » is a word of its own, not a slip for « avantage »; so is « commerce » (an answer
            # says « commerce équitable »), not one for « commencer ».
            return None
        if len(word) == ACRONYM_LEN:
            # A word of four letters is mostly an acronym (« SIEA » for « SIAE »): only two letters
            # swapped side by side are a slip; one letter off is another word.
            return next((w for w in self.acronyms if sorted(w) == sorted(word) and OSA.distance(word, w) == 1), None)
        if word not in self._corrections:
            cutoff = 80 if len(word) >= 6 else 75
            nearby = [
                w for size in range(len(word) - 2, len(word) + 3) for w in self.vocabulary_buckets.get((word[0], size), ())
            ]
            found = process.extractOne(word, nearby, scorer=fuzz.ratio, score_cutoff=cutoff)
            fixed = None
            allowed = 1 if len(word) < 7 or found is not None and found[0] in self.variant_words else 2
            if found is not None and OSA.distance(word, found[0]) <= allowed and _slips(word, found[0]):
                fixed = found[0]
            if len(self._corrections) > 50000:
                self._corrections.clear()
            self._corrections[word] = fixed
        return self._corrections[word]

    def query_terms(self, question: str) -> tuple[list[str], list[str]]:
        """Return (corrected content words, their stems) of what the question asks."""
        # Corrections come from the entries' content words, so never a stop word.
        text = focus(self.synonyms.respell(simplify(question)))
        found = content_words(text, self.synonyms)
        words = [self._correct(w) for w in found]
        if words != found:
            # « fiche acion » is « fiche action » once corrected, « sous traitans » « sous-traitants »,
            # « comunauté de comune » « communauté de commune »: phrases again, little words included,
            # with each word as written rather than its group's term.
            fixed = {was: self._nearest(was) for was, now in zip(found, words) if was != now}
            words = [self._correct(w) for w in content_words(" ".join(fixed.get(w, w) for w in text.split()),
                                                             self.synonyms)]
        return words, [stem(w) for w in words]

    def _following(self, query: _Query, follows: str, follow_up: str = "") -> _Query:
        """A short follow-up keeps the previous question's topic: its terms join at a lower weight,
        except what the follow-up puts in their place (another body, another object)."""
        earlier = self._own_query(follows)
        named = {t for t in query.weights if t in STRUCTURE_TERMS}
        # « obligatoire pour une région ? » then « et pour une commune ? »: the commune replaces the region,
        # and it is who asks whether they must, as in a question asked at once.
        # Naming only another body asks the same question again: its topic keeps its full weight.
        weight = 1.0 if named and named == query.weights.keys() else FOLLOW_UP_WEIGHT
        kept = dict(earlier.weights)
        own = [t for t in kept if t not in query.weights]
        names_another = bool(query.weights.keys() - kept.keys()) and SUBSTITUTES.match(simplify(follow_up))
        if not named and own and len(kept) > 1 and names_another:
            # « Comment associer les élus ? » then « et les entreprises ? », « Que dit la loi AGEC ? » then
            # « et la loi EGalim ? »: what is named takes the place of what the first question was most about.
            kept.pop(max(own, key=kept.__getitem__))
        extra = {t: weight * w for t, w in kept.items()
                 if t not in query.weights and not (named and t in STRUCTURE_TERMS)}
        weights = {**query.weights, **extra}
        _who_must(weights, named)
        # « Avec 52 M€ d'achats, on est dedans ? » then « et pour une commune ? » asks the verdict again.
        return _Query(weights, f"{query.text} {earlier.text}".strip(), query.words,
                      threshold=earlier.threshold and bool(named))

    def _own_query(self, question: str) -> _Query:
        words, stems = self.query_terms(question)
        simplified = self.synonyms.respell(simplify(question))
        weights: dict[str, float] = {}
        if all(w in MODIFIERS or w in CONTEXT_WORDS for w in words):
            return _Query(weights, "", len(words))
        if any(w in MODIFIERS for w in words) and all(
                w in MODIFIERS or w in CONTEXT_WORDS or stem(w) not in self.idf for w in words):
            # « je vois pas trop », « bien compris »: a modifier among words the base never uses asks nothing.
            return _Query(weights, "", len(words))
        law_years = set(LAW_YEAR.findall(simplified))
        for word, term in zip(words, stems):
            if word in CONTEXT_WORDS and word not in self.vocabulary:
                # « environ 38 M€ » shares its stem with « environnement »: a
                # context word counts only if the base uses that very word.
                continue
            if term in self.idf:
                weights[term] = self.idf[term] * (STRUCTURE_WEIGHT if word in STRUCTURE_WORDS else
                                                  YEAR_WEIGHT if YEAR.fullmatch(word) and word not in law_years else 1.0)
            elif word not in CONTEXT_WORDS and not word.isdigit():
                # In a long question, unknown words are mostly context; in a
                # short one, they are what is asked.
                weights[term] = self.unknown_weight * min(1.0, LONG_QUESTION / max(len(words), 1))
        if HORS_TAXES in weights and purchases_meur(question) is not None:
            del weights[HORS_TAXES]  # « 30 M€ HT par an »: how the asker's volume is stated, not a question on HT
        # « je suis secrétaire de mairie, c'est quoi ce spaser ? »: what follows who asks is what is asked.
        intro = INTRO_END.split(GREETING.sub("", question), 1) if SELF_INTRODUCTION.match(simplified) else []
        asked_after = set(self.query_terms(intro[1])[1]) if len(intro) > 1 and intro[1].strip() else None
        if asked_after is not None and not (THRESHOLD_CUES - {SPASER_TERM}) & weights.keys():
            # Where the asker works is who asks (unless they ask whether it applies to them), and so are the
            # introduction's words the base never uses (« je bosse dans une agglo, c'est quoi… »).
            for word, term in zip(*self.query_terms(intro[0])):
                if (word in STRUCTURE_WORDS or term not in self.idf) and term not in asked_after and len(weights) > 1:
                    weights.pop(term, None)
        if any(t in self.idf for t in set(weights) - ASKS_FOR_HELP - {SPASER_TERM}):
            # « Des idées pour choisir nos indicateurs en atelier ? » asks about the indicators: the call
            # for help is how it asks, whatever phrasing happens to share it. Not « conseil », which
            # is also where a scheme is voted (« passer en conseil municipal »).
            weights = {t: w for t, w in weights.items() if t not in ASKS_FOR_HELP or t == COUNCIL_TERM}
        if (asked_after is not None and ELECTED_TERM in weights and len(weights) > 1 and ELECTED_TERM not in asked_after
                and not OWN_PART.search(simplify(intro[1]))):
            # « Je suis maire d'une commune…, dois-je faire un spaser ? »: the mayor is who asks, not the
            # place of the elected in the scheme (unless the question itself names them, or asks the
            # asker's own part: « je suis vice-présidente…, quel doit être mon rôle ? »).
            weights.pop(ELECTED_TERM)
        if DEFINITION_TERM in weights and len(set(weights) - {SPASER_TERM, DEFINITION_TERM}) > 0:
            weights[DEFINITION_TERM] *= DEFINITION_WEIGHT
        if MUST_HAVE_ONE.search(simplified) and OBLIGATION_TERM in self.idf and OBLIGATION_TERM not in weights:
            weights[OBLIGATION_TERM] = self.idf[OBLIGATION_TERM]
        _who_must(weights, {stem(w) for w in words if w in STRUCTURE_WORDS})
        if weights and set(weights) <= {SPASER_TERM}:
            cue = next((term for pattern, term in BARE_SPASER_CUES if pattern.search(simplified)), None)
            if cue in self.idf:
                weights[cue] = self.idf[cue]
        # « avec 65 M€ d'achats, sommes-nous obligés ? » is a question about
        # the threshold even where « seuil » is not typed: the stated volume
        # counts as the word.
        asked = THRESHOLD_CUES & set(weights) or THRESHOLD_ASKED.search(simplified)
        # Only if it asks nothing else: « 90 M€ d'achats, combien de temps faut-il ? » asks for a duration.
        # Who asks (« responsable des achats ») stays context there, though the base uses the word elsewhere.
        context = {term for word, term in zip(words, stems) if word in CONTEXT_WORDS}
        # What the person says of themselves before stating their volume is context too.
        tail = from_stated_volume(question) if asked else None
        if asked and tail is None:
            # « Notre conseil d'administration s'interroge. Sommes-nous concernés avec 30 M€ d'achats ? »:
            # what the sentences before the one that states the volume tell is context too.
            sentences = _sentences(question)
            if len(sentences) > 1 and purchases_meur(sentences[-1]) is not None:
                tail = sentences[-1]
            elif len(sentences) > 1 and THRESHOLD_ASKED.search(simplify(sentences[-1])):
                # « Notre syndicat a été créé l'an dernier et nos achats vont dépasser 60 M€. Doit-on
                # avoir un schéma ? »: the volume told, then the question; the rest of the story is context.
                tail = sentences[-1]
        if tail is not None:
            context |= set(weights) - set(self.query_terms(tail)[1])
        rest = sum(w for t, w in weights.items()
                   if t in self.idf and t not in THRESHOLD_OWN and t not in context and not t.isdigit())
        threshold = bool(asked) and rest < THRESHOLD_REST and purchases_meur(question) is not None
        if threshold:
            weights = {t: w for t, w in weights.items()
                       if t not in AMOUNT_WORDS and (tail is None or t not in context or t in THRESHOLD_OWN)}
            if SEUIL_TERM in self.idf:
                weights[SEUIL_TERM] = THRESHOLD_WEIGHT * self.idf[SEUIL_TERM]
        closing = None
        if not threshold and (len(words) > TOLD_MIN_WORDS or ASKED_FIRST.search(question)):
            closing = self._question_after_telling(question)
            if closing is not None:
                asked = set(self.query_terms(closing)[1])
                if asked & weights.keys():
                    weights = {t: w * (1.0 if t in asked else TOLD_WEIGHT) for t, w in weights.items()}
        which = WHICH.search(simplified) is not None and not AMOUNT_ASKED & weights.keys()
        return _Query(weights, " ".join(w for w in words if w not in CONTEXT_WORDS), len(words), threshold, closing,
                      which)

    def _question_after_telling(self, question: str) -> str | None:
        """The closing sentence of a message that tells something and ends on a question; None for a
        message of one sentence. A message that opens on the asker is cut at « : » and « ; » too; any
        other is cut only between full sentences (« Notre ville a adopté des objectifs pour l'ESS.
        Combien d'indicateurs suivre ? »), since « X ; est-ce qu'il y a une recommandation ? » asks about X."""
        opening = simplify(SENTENCE_BREAK.split(question.strip())[0])
        cut = SENTENCE_BREAK if TELLS_ABOUT_ONESELF.match(opening) or SELF_INTRODUCTION.match(opening) else FULL_STOP
        parts = _sentences(question, cut)
        # A closing courtesy (« Pouvez-vous m'éclairer ? », « Merci d'avance. ») asks nothing of the base.
        # So does a bare call for help (« Des conseils ? ») or « what is it » (« De quoi s'agit-il ? »):
        # what the message told is what it asks.
        while len(parts) > 1:
            closing = set(self.query_terms(parts[-1])[1])
            if any(t in self.idf for t in closing) and not closing <= ASKS_FOR_HELP | {DEFINITION_TERM}:
                break
            parts.pop()
        if len(parts) < 2:
            return None
        # « Par quoi je commence ? Je viens d'arriver et on me confie le SPASER. »: the one question
        # of the message is asked first, what follows tells.
        asked = [p for p in parts if p.rstrip().endswith("?")]
        if len(asked) == 1 and not parts[-1].rstrip().endswith("?"):
            return asked[0]
        # « C'est vraiment obligatoire d'associer d'autres gens ? » asks by its question mark alone.
        if not ASKS.search(simplify(parts[-1])) and not parts[-1].rstrip().endswith("?"):
            return None
        return parts[-1]

    # -- ranking ------------------------------------------------------------

    def _candidates(self, query: _Query) -> list[int]:
        # Terms found in most entries (« spaser », « achat ») pick no one out:
        # they still count in the score, but walking their long posting lists
        # to choose candidates would make cost grow with the base.
        known = [t for t in query.weights if t in self.postings or t in self.answer_postings]
        selective = [t for t in known if len(self.postings.get(t, ())) <= self.common_df] or known
        if len(selective) > WALKED_TERMS:  # a long message: its rarest words choose, all of them score
            selective = sorted(selective, key=query.weights.__getitem__, reverse=True)[:WALKED_TERMS]
        coverage: dict[int, float] = defaultdict(float)
        answer_only = []
        for term in selective:
            if term not in self.postings:
                answer_only.append(term)
                continue
            for index in self.postings[term]:
                coverage[index] += query.weights[term]
            self._add_said(coverage, term, query.weights[term])
        # Words only answers use choose candidates only when the phrasings found too few: they
        # still count in every candidate's score.
        if len(coverage) < CANDIDATES:
            for term in answer_only:
                self._add_said(coverage, term, query.weights[term])
        return heapq.nlargest(CANDIDATES, coverage, key=coverage.__getitem__)

    def _add_said(self, coverage: dict[int, float], term: str, weight: float) -> None:
        """The entries whose answer says `term`, at the answer's weight, unless most answers say it."""
        said = self.answer_postings.get(term, ())
        if len(said) <= self.common_df:
            for index in said:
                coverage[index] += ANSWER_WEIGHT * weight

    def _score(self, query: _Query, index: int) -> float:
        return self._score_doc(query, self.docs[index])

    def _score_doc(self, query: _Query, doc: _Doc) -> float:
        # Past a few rare words, a longer question is context around the same
        # question: an entry that explains that much of it is not penalised
        # for what it leaves aside.
        total = min(query.total, TOTAL_CAP)
        if total <= 0:
            return 0.0
        weights = query.weights
        terms = weights.keys()
        said = sum(weights[t] for t in terms & doc.answer_terms)
        shared = terms & doc.terms
        texts = doc.texts
        if DEFINITION_TERM in shared and len(shared) > 1:
            # « c'est quoi l'ESS ? » asks what the ESS is: an entry that says « c'est quoi » of
            # something else in another phrasing does not cover it, nor does that phrasing look like it.
            with_it = set(doc.term_phrasings[DEFINITION_TERM])
            if not any(with_it.intersection(doc.term_phrasings[t]) for t in shared if t != DEFINITION_TERM):
                shared = shared - {DEFINITION_TERM}
                texts = [t for n, t in enumerate(doc.texts) if n not in with_it]
        cov = min(1.0, (sum(weights[t] for t in shared) + ANSWER_WEIGHT * said) / total)
        matched: dict[int, float] = defaultdict(float)
        for term in shared:
            weight = weights[term]
            for number in doc.term_phrasings[term]:
                matched[number] += weight
        best_f = 0.0
        # « Quels indicateurs suivre ? » asks which, not how many: a phrasing that asks « combien »
        # says something the question does not.
        counting = doc.term_phrasings.get(COUNT_TERM, ()) if query.which else ()
        count_weight = self.idf.get(COUNT_TERM, 0.0)
        for number, weight in matched.items():
            size = doc.weights[number] + (count_weight if number in counting else 0.0)
            recall, precision = min(1.0, weight / total), weight / size
            f = 2 * recall * precision / (recall + precision)
            if f > best_f:
                best_f = f
        pairs = query.pairs
        if pairs:
            # Words side by side as in a phrasing (« exemples de SPASER » against « exemples
            # d'indicateurs du SPASER »): what bags of words cannot tell apart.
            paired: dict[int, int] = defaultdict(int)
            for pair in pairs:
                for number in doc.pair_phrasings.get(pair, ()):
                    paired[number] += 1
            best_f += PAIR_WEIGHT * max(paired.values(), default=0) / len(pairs)
        # One call over the phrasings: rapidfuzz keeps the loop in C.
        closest = process.extractOne(query.text, texts, scorer=fuzz.token_set_ratio)
        best_fuzzy = closest[1] / 100 if closest else 0.0
        score = 100 * (W_COVERAGE * cov + W_PHRASING * best_f + W_FUZZY * best_fuzzy * cov**0.5)
        return round(min(score, 100.0), 1)

    def _rank(self, query: _Query, limit: int) -> list[Match]:
        if not any(t in self.postings or t in self.answer_postings for t in query.weights):
            return []
        matches = [Match(self.docs[i].entry, self._score(query, i)) for i in self._candidates(query)]
        matches.sort(key=lambda m: m.score, reverse=True)
        return matches[:limit]

    def rank(self, question: str, limit: int = 5) -> list[Match]:
        """Best entries first, with scores in 0–100; empty if nothing is shared."""
        return self._rank(self._own_query(question), limit)

    def _unknown_share(self, query: _Query) -> float:
        """How much of what is asked is words no phrasing uses."""
        unknown = sum(w for t, w in query.weights.items() if t not in self.idf)
        return unknown / query.total if query.total else 0.0

    def _clearly_first(self, query: _Query, ranked: list[Match]) -> bool:
        best = ranked[0].score
        if best >= self.answer_threshold:
            return len(ranked) < 3 or ranked[2].score < best - THREE_WAY_TIE
        # The margin speaks for an entry only when the base knows most of
        # what is asked; « avance forfaitaire obligatoire » is not the SPASER
        # threshold because « obligatoire » is its only known word.
        if self._unknown_share(query) > UNKNOWN_SHARE:
            return False
        runner_up = ranked[1].score if len(ranked) > 1 else 0.0
        # What a long message tells lowers every score alike; an entry well ahead of the next stays ahead.
        # Not when the closing question, read alone, is mostly words the base never uses (« vous avez
        # des conseils de management ? »): the story lowered the weight of what is unknown, not the question.
        if (query.closing is not None and best >= TOLD_FLOOR and runner_up <= TOLD_LEAD * best
                and self._unknown_share(self._own_query(query.closing)) <= UNKNOWN_SHARE):
            return True
        return best >= max(MARGIN_FLOOR, self.suggest_threshold) and best - runner_up >= MARGIN

    def decide(self, question: str, follows: str | None = None) -> Outcome:
        """Answer when one entry is clearly right, suggest when unsure, else admit it is not covered.

        `follows` is the person's previous question: a short follow-up that
        is not clear on its own is read in its light.
        """
        query = self._own_query(question)
        outcome = self._decide(query, question)
        if outcome.kind != Answered.ANSWERED and (query.words > TOLD_MIN_WORDS or query.closing is not None):
            outcome = self._asked_after_telling(outcome, query, question) or outcome
        if BARE_ASK.match(simplify(question)):
            # « combien ? », « où ? » right after a question ask it of that question's topic; asked first,
            # they name none, and whatever entry they fit is only a guess.
            if follows:
                again = self._decide(self._following(query, follows, question), "")
                if again.kind == Answered.ANSWERED:
                    return replace(again, follows=follows)
            if outcome.kind == Answered.ANSWERED:
                return Outcome(Answered.SUGGESTED, outcome.best, (outcome.best, *outcome.suggestions)[:3])
            return outcome
        if not (follows and query.weights and query.words <= FOLLOW_UP_WORDS):
            return outcome
        # « et avec les directions ? » continues the previous question even
        # when « directions » alone would find something.
        simple = simplify(question)
        continues = simple.startswith("et ") or OPENS_ON_PRONOUN.match(simple) is not None
        if outcome.kind == Answered.ANSWERED and not continues:
            return outcome
        # Words the base never uses continue a topic only when they ask about it (« il est encore
        # en vigueur ? », « et le plus long ? »); « on verra », « tu es un robot ? » do not.
        asks = "?" in question or ASKS.search(simple) is not None
        if any(t in self.idf for t in query.weights) or continues or (asks and REFERS_BACK.search(simple)):
            again = self._decide(self._following(query, follows, question), "")
            if again.kind == Answered.ANSWERED:
                return replace(again, follows=follows)
        return outcome

    def _asked_after_telling(self, outcome: Outcome, query: _Query, question: str) -> Outcome | None:
        """The answer to the closing question of a long message (« …, la nouvelle équipe veut le revoir.
        Quelle durée de validité prévoir ? »), when that question alone is clearly answered by the
        entry already first for the whole message, which the told context only held under the bar."""
        if outcome.best is None or outcome.neighbour is not None:
            return None
        asking = self._question_after_telling(question) if query.threshold else query.closing
        if asking is None:
            # « Le vice-président voudrait porter le sujet mais le DGS pense que c'est technique : quelle
            # place pour les élus ? »: the question after the colon, when it settles on the entry already first.
            clauses = _sentences(question, SENTENCE_BREAK)
            if len(clauses) < 2 or not clauses[-1].rstrip().endswith("?"):
                return None
            asking = clauses[-1]
        alone = self._decide(self._own_query(asking), "")
        if alone.kind == Answered.ANSWERED and alone.also is None and alone.best.entry.id == outcome.best.entry.id:
            return alone
        return None

    def _decide(self, query: _Query, question: str) -> Outcome:
        ranked = self._rank(query, limit=CANDIDATES)
        if not ranked:  # « procédure mapa ? »: no word of the base, maybe a neighbour's
            return Outcome(Answered.NOT_COVERED, None, (), neighbour=self._closer_neighbour(query, 0.0))
        best = ranked[0]
        neighbour = self._closer_neighbour(query, best.score)
        if neighbour is not None:
            return Outcome(Answered.NOT_COVERED, best, tuple(ranked[:3]), neighbour=neighbour)
        two = self._two_questions(question, ranked) if question else None
        if two is not None:
            ids = {m.entry.id for m in two}
            others = tuple(m for m in ranked if m.entry.id not in ids)[:3]
            return Outcome(Answered.ANSWERED, two[0], others, two[1])
        if query.threshold:
            # « 55 M€ d'achats, doit-on en faire un ? » is answered by the entry that gives
            # the verdict for a stated volume, when it is among the closest.
            judged = self._plain_threshold_entry(ranked[:TWO_NEAR])
            if judged is not None:
                return Outcome(Answered.ANSWERED, judged, tuple(m for m in ranked[:4] if m is not judged))
        if self._clearly_first(query, ranked):
            return Outcome(Answered.ANSWERED, best, tuple(ranked[1:4]))
        # « Quelle est la météo demain à Lyon ? » is not covered, whatever entry shares its one known word.
        guess = best.score < FIRM_SUGGESTION and self._unknown_share(query) > UNKNOWN_TO_SUGGEST
        if best.score >= self.suggest_threshold and not guess:
            close = tuple(m for m in ranked if m.score >= self.suggest_threshold * 0.8)[:3]
            return Outcome(Answered.SUGGESTED, best, close)
        return Outcome(Answered.NOT_COVERED, best, tuple(ranked[:3]))

    def _closer_neighbour(self, query: _Query, best: float) -> Neighbour | None:
        """The subject next to the SPASER this question is closer to than to the base's best entry, if any."""
        near = {n for t in query.weights for n in self.neighbour_postings.get(t, ())}
        scored = [(self._score_doc(query, self.neighbours[n][1]), n) for n in sorted(near)]
        score, number = max(scored, default=(0.0, -1))
        if score >= NEIGHBOUR_MIN and score > best:
            return self.neighbours[number][0]
        return None

    def _plain_threshold_entry(self, near: list[Match]) -> Match | None:
        """Of the close entries that give the verdict, the one that best answers the bare question
        « is it compulsory above which amount? »: what the verdict line is followed by."""
        judged = [m for m in near if m.entry.verdict]
        if len(judged) < 2:
            return judged[0] if judged else None
        return max(judged, key=lambda m: (self._score(self._bare_threshold, self._doc_index[m.entry.id]), m.score))

    def _two_questions(self, question: str, ranked: list[Match]) -> tuple[Match, Match] | None:
        """The two entries of a question that asks two things, in the order asked, or None.

        Where the text can be cut in two (« ? », « ; », « et »…), each side is
        ranked on its own: two different entries, each clearly first on its
        side, make two questions. Cutting alone decides nothing: in
        « économie sociale et solidaire » no side is a question of its own.
        """
        # « Notre schéma a 12 axes et 80 actions. Combien d'axes faut-il ? » asks once: the sentences
        # that only tell, before the first that asks, are not questions of their own.
        sentences = _sentences(question, TOLD_BREAK)
        while len(sentences) > 1 and not sentences[0].rstrip().endswith("?") and not ASKS_OPENLY.search(
                simplify(sentences[0])):
            sentences.pop(0)
        text = simplify(PUNCT_BREAK.sub(" et ", focus(" ".join(sentences))))
        # Both entries must already be among the closest to the whole question.
        near = {m.entry.id for m in ranked[:TWO_NEAR]}
        protected = self.synonyms.spans(text)
        cuts = [
            m
            for m in PART_BREAK.finditer(text)
            if not any(a <= m.start() < b for a, b in protected)
            # « la différence entre X et Y », « différence clause et critère »
            # compare; they do not ask twice.
            and not COMPARING.search(text[: m.start()])
            # « SPAR et pas SPASER » sets one name against another: one question.
            and not CONTRASTS.match(text, m.end())
        ]
        if not cuts or len(cuts) >= MAX_PARTS:
            return None
        pieces = []
        start = 0
        for m in cuts:
            pieces.append(text[start : m.start()])
            start = m.end()
        pieces.append(text[start:])
        pieces = [p for p in pieces if p.strip()]
        if len(pieces) < 2:
            return None
        found: tuple[Match, Match] | None = None
        for cut in range(1, len(pieces)):
            sides = [" ".join(pieces[:cut]), " ".join(pieces[cut:])]
            telling = TELLS_ABOUT_ONESELF.match(sides[0]) or TELLS_ABOUT_OURS.match(sides[0])
            if telling and not ASKS_OPENLY.search(sides[0]) and not REQUESTS.match(sides[0]):
                continue
            answers = []
            level = 0
            for side in sides:
                side_query = self._own_query(side)
                if set(side_query.weights) <= FIELD_TERMS:
                    break  # « le spaser et le numérique responsable » : « le spaser » asks nothing of its own
                on_side = self._rank(side_query, limit=CANDIDATES)
                if not on_side or on_side[0].score < self.answer_threshold:
                    break
                # A side that is context (« notre ville et l'intercommunalité
                # ont des achats mutualisés ») leaves several entries level; one side of a clear
                # question may, when its first entry answers it almost word for word (« qui est
                # concerné par l'obligation » against the count of bodies concerned).
                if len(on_side) > 1 and on_side[0].score - on_side[1].score < SIDE_MARGIN:
                    if on_side[0].score < SIDE_FIRM or not ASKS.search(side):
                        break
                    level += 1
                answers.append(on_side[0])
            if len(answers) == 2 and level < 2 and answers[0].entry.id != answers[1].entry.id:
                if {a.entry.id for a in answers} <= near:
                    if found is None or min(a.score for a in answers) > min(a.score for a in found):
                        found = (answers[0], answers[1])
        return found
