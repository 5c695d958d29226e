"""Turn French text into comparable terms, the same way for questions and entries.

Buyers type fast: no accents, typos, elisions, abbreviations. Both sides go
through the same steps (casefold, fold accents, drop elisions and punctuation,
map synonyms to one canonical term, drop stop words, stem), so that
« délais d'élaboration du schéma » and « combien de temps pour faire le
spaser » meet on the same terms.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from functools import lru_cache

import snowballstemmer

from domain.text import simplify

# Question words and fillers carry no topic: two questions that share only
# these must not look alike (« de la » would otherwise match everything).
STOP_WORDS = frozenset(
    """
    a ai aie aient aies ait alors as au aucun aucune aupres aussi autre autres aux avec avez avoir avons
    bon bonjour bonsoir c ca car ce ceci cela celle celles celui ces cet cette ceux chaque chez ci
    comme comment concernant d dans de des devant devez devons dois doit doivent donc dont du
    elle elles en encore entre es est et etaient etait ete etre eu eux faire fais fait font faut
    hello il ils j je jusqu l la le les leur leurs lui m ma mais me meme mes moi mon
    n ne ni nos notre nous on ont ou où par parce pas peu peut peuvent peux plus pour
    pouvez pourriez pourrais puis puisque qu quand que quel quelle quelles quels qui quoi
    s sa sans se sera ses si sil soit sommes son sont sous suis sur svp t ta te tes toi ton
    tous tout toute toutes tres tu un une unes uns vers voila vos votre vous y
    merci salut question questions savoir voudrais voudrait aimerais souhaite souhaiterais
    cherche cherchons cherchais chercher aimerait aimerions voudrions souhaitons souhaiterions souhaiterait souhaitez
    veux voulons voulez voulais voulait cle cles clef clefs lesquels lesquelles laquelle lequel
    dire expliquer explique expliquez connaitre besoin aide aider aidez info infos information informations
    est-ce estce qu'est-ce cest quoi ya il-y-a exist existe existent
    ok oui non alors bah ben euh stp pr ds svp stp bof mouais ouais hum hmm mmh pff pfff bref ah oh voir verra
    sais sait pense crois comprends comprend comprenons comprenez comprendre bien vrai vraie lien liens monter montons
    devait devaient devrait devraient devrais devrions
    auriez aurais aurait auraient fournir produire rester reste restent restera va vont vais allons allez aller
    jouable realisable tenable exact exacte exacts exactes suppose supposons imagine imaginons
    proposer propose proposes proposez proposent proposons
    permets permettez sollicite sollicitons preciser precisez precisiez indiquer indiquez eclairer
    transmettre remercie remercions notion
    surement probablement certainement truc trucs machin bidule chose choses quelque quelqu quelquun
    existant existante existants existantes
    super genial parfait excellent beaucoup
    prevoit prevoient prevoyez prevoyons
    prevoir mettre met mets mettons mettez mettent prendre prends prenons prenez garder rendre attendu attendue attendus attendues utiliser parle parler dit devoir pouvoir falloir avoir etre vouloir
    recourir recourt recourent recourons recourez recouru definir definit definissent
    determiner determine determinent etablir etablit preparer employer privilegier mener
    deployer rechercher recherche recherchons chiffrer pourrait pourraient pourrions
    madame monsieur mesdames messieurs cordialement envisage envisageons envisagez envisagent envisager
    disent dites disons fallait faudrait faudra
    france francais francaise concretement exactement vraiment actuellement aujourd hui
    maintenant desormais dorenavant actuel actuelle actuels actuelles egalement
    """.split()
)


_stemmer = snowballstemmer.stemmer("french")




@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    if "_" in word or word.isdigit():
        return word
    # Text is folded before stemming: « concernée » arrives as « concernee », which the
    # stemmer, made for accented French, would not bring back to « concerné ».
    if len(word) > 5 and word.endswith(("ee", "ees")):
        word = word[: -1 if word.endswith("ee") else -2]
    return _stemmer.stemWord(word)


class Synonyms:
    """Map every variant (one or several words) to its group's canonical term."""

    def __init__(self, groups: Iterable[Sequence[str]], spellings: Iterable[tuple[str, str]] = ()):
        # Respellings come first, so that « c koi » becomes « c est quoi » and
        # then meets the phrase « c'est quoi » like any other spelling of it.
        self.spellings = {simplify(k): simplify(v) for k, v in spellings}
        self.single: dict[str, str] = {}
        phrases: dict[str, str] = {}
        for group in groups:
            canonical = "_".join(simplify(group[0]).split())
            for variant in group:
                words = simplify(variant).split()
                if not words:
                    continue
                if len(words) == 1:
                    self.single.setdefault(words[0], canonical)
                else:
                    phrases.setdefault(" ".join(words), canonical)
            if "_" in canonical:
                phrases.setdefault(canonical.replace("_", " "), canonical)
        self.phrases = phrases
        # Phrases are found word by word from their first word, not by one regular expression over
        # hundreds of alternatives, which cost more than everything else in answering a question.
        # Typed in another number or gender (« pas obligés » for « pas obligé »), a phrase is still
        # itself: its words are compared by their inflection keys, the phrase typed as written first.
        self._phrase_index = _PhraseIndex(phrases, inflected=True)
        # The same phrases without their stop words, so « objectifs développement
        # durable » still meets « objectifs de développement durable ».
        self.bare_phrases: dict[str, str] = {}
        for phrase, canonical in phrases.items():
            bare = " ".join(w for w in phrase.split() if w not in STOP_WORDS)
            if len(bare.split()) >= 2:
                self.bare_phrases.setdefault(bare, canonical)
        self._bare_index = _PhraseIndex(self.bare_phrases, inflected=False)
        # And once more whatever their number and gender, so that an inflection typed
        # differently (« état des lieu », « les parties prenante ») still meets its phrase.
        # Only inflections: « consulter en ligne » is not « consultation en ligne ».
        self._inflected_index = _PhraseIndex(self.bare_phrases, inflected=True)

    def respell(self, simplified: str) -> str:
        """SMS spellings written out (« chui nouvelle » is « je suis nouvelle »), for the patterns
        that read a question's turns of phrase before its words are taken apart. Not the spellings of
        little words (« c » for « c'est »): the patterns read those as typed."""
        return " ".join(w if w in STOP_WORDS else self.spellings.get(w, w) for w in simplified.split())

    def apply(self, simplified: str) -> list[str]:
        """Return the words of `simplified` with synonyms replaced by their canonical term."""
        if self.spellings:
            simplified = " ".join(self.spellings.get(w, w) for w in simplified.split())
        words = simplified.split()
        out = [canonical or words[start] for start, _, canonical in self._phrase_index.found(words)]
        return [self.single.get(w, w) for w in out]

    def spans(self, simplified: str) -> list[tuple[int, int]]:
        """Where multi-word synonyms stand in `simplified`: « économie sociale et solidaire » is one term."""
        tokens = list(re.finditer(r"\S+", simplified))
        words = [t.group(0) for t in tokens]
        return [(tokens[start].start(), tokens[end - 1].end())
                for start, end, canonical in self._phrase_index.found(words) if canonical]

    def apply_bare(self, words: list[str]) -> list[str]:
        """Second pass over content words only, for phrases typed without their little words."""
        typed = [canonical or words[start] for start, _, canonical in self._bare_index.found(words)]
        typed = [self.single.get(w, w) for w in typed]
        return [canonical or typed[start] for start, _, canonical in self._inflected_index.found(typed, skip_terms=True)]


class _PhraseIndex:
    """Phrases by their first word (or its inflection key), longest first, so that « état des lieux »
    wins over « état »."""

    def __init__(self, phrases: dict[str, str], inflected: bool):
        self.inflected = inflected
        self.exact = phrases
        by_first: dict[str, list[tuple[tuple[str, ...], str]]] = defaultdict(list)
        for phrase, canonical in phrases.items():
            words = tuple(_inflection_key(w) if inflected else w for w in phrase.split())
            if (words, canonical) not in by_first[words[0]]:
                by_first[words[0]].append((words, canonical))
        for candidates in by_first.values():
            candidates.sort(key=lambda c: -len(c[0]))
        self.by_first = dict(by_first)

    def found(self, words: list[str], skip_terms: bool = False):
        """(start, end, canonical) for each phrase found left to right, (start, start + 1, None) for
        every other word. A phrase typed exactly as listed is that phrase, before one with the same keys;
        with `skip_terms`, words already made terms (« etat_des_lieux ») make no phrase again."""
        keys = [_inflection_key(w) for w in words] if self.inflected else words
        i = 0
        while i < len(words):
            for phrase, canonical in self.by_first.get(keys[i], ()):
                end = i + len(phrase)
                if tuple(keys[i:end]) == phrase and not (skip_terms and any("_" in w for w in words[i:end])):
                    yield i, end, self.exact.get(" ".join(words[i:end]), canonical)
                    i = end
                    break
            else:
                yield i, i + 1, None
                i += 1


def _inflection_key(word: str) -> str:
    """A word without the marks of number and gender: « lieux » and « lieu », « prenantes » and
    « prenante », « essentielles » and « essentiel »."""
    if len(word) > 3 and word[-1] in "sx":
        word = word[:-1]
    while len(word) > 3 and word[-1] == "e":  # « données », typed « donné », folds to « donnee » / « donne »
        word = word[:-1]
    if word.endswith("ll"):
        word = word[:-1]
    return word


# « 30 000 habitants » is one number, not « 30 » (as in « 30 % des marchés ») followed by « 000 ».
THOUSANDS = re.compile(r"\b\d{1,3}(?: \d{3})+\b")


# « 50M€ » is « 50 M€ »: the amount, then its unit.
AMOUNT_GLUED = re.compile(r"\b(\d+)(m|meur|k|keur)\b")


# Most questions hold no digit: the two rules below are not run for them.
DIGIT = re.compile(r"\d")
# « un schéma de 100 pages », « 15 fiches-actions »: what is asked about is what is counted; on
# its own the number would meet « 100 M€ » or « 10 pages » elsewhere.
COUNTED = re.compile(r"\b\d+ (?=(?:pages?|axes?|indicateurs?|fiches?|actions?|personnes|agents|jours|semaines"
                     r"|ateliers?|reunions?|objectifs?)\b)")
# « un schéma pour 10 ans » asks about the period it covers, as « sur combien d'années » does
# (« il y a plus de 3 ans » only dates something).
FOR_YEARS = re.compile(r"\b(?:pour|sur|(?<!plus )(?<!moins )de|durant|pendant) \d+ (?:ans|annees)\b")


def content_words(text: str, synonyms: Synonyms) -> list[str]:
    """Words that carry meaning, synonyms applied, before stemming."""
    simplified = AMOUNT_GLUED.sub(r"\1 \2", THOUSANDS.sub(lambda m: m.group(0).replace(" ", ""), simplify(text)))
    if DIGIT.search(simplified):
        simplified = COUNTED.sub("", FOR_YEARS.sub("sur combien annees", simplified))
    return phrased([w for w in synonyms.apply(simplified) if _is_content(w)], synonyms)


def phrased(words: list[str], synonyms: Synonyms) -> list[str]:
    """Content words with the phrases they form once their little words are gone (« objectifs
    développement durable »); run again on words a typo correction changed (« fiche acion »)."""
    return [w for w in synonyms.apply_bare(words) if _is_content(w)]


def _is_content(word: str) -> bool:
    return word.isdigit() or (len(word) > 1 and word not in STOP_WORDS)


def terms(text: str, synonyms: Synonyms) -> list[str]:
    """Stemmed content terms of `text`, in order."""
    return [stem(w) for w in content_words(text, synonyms)]
