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
    comme comment concernant d dans de des devez devons doit doivent donc dont du
    elle elles en encore entre es est et etaient etait ete etre eu eux faire fais fait faut
    hello il ils j je jusqu l la le les leur leurs lui m ma mais me meme mes moi mon
    n ne ni nos notre nous on ont ou où par parce pas peu peut peuvent peux plus pour
    pouvez pourriez pourrais puis puisque qu quand que quel quelle quelles quels qui quoi
    s sa sans se sera ses si sil soit sommes son sont sous suis sur svp t ta te tes toi ton
    tous tout toute toutes tres tu un une unes uns vers voila vos votre vous y
    merci salut question questions savoir voudrais voudrait aimerais souhaite souhaiterais
    cherche cherchons cherchais chercher aimerait aimerions voudrions souhaitons souhaiterions souhaiterait souhaitez
    veux voulons voulez voulais voulait
    dire expliquer explique expliquez connaitre besoin aide aider aidez info infos information informations
    est-ce estce qu'est-ce cest quoi ya il-y-a exist existe existent
    ok oui non alors bah ben euh stp pr ds svp stp bof mouais ouais hum hmm mmh pff pfff bref ah oh voir verra
    sais sait pense crois comprends comprendre vrai vraie lien liens monter montons
    devait devaient devrait devraient devrais devrions
    prevoir mettre prendre utiliser parle parler dit devoir pouvoir falloir avoir etre vouloir
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
        # Typed in another number or gender (« pas obligés » for « pas obligé »), a phrase is still
        # itself: the pattern allows the inflections, and the words' inflection keys find the phrase.
        self._pattern = _alternation(phrases, inflected=True)
        self._by_key: dict[tuple[str, ...], str] = {}
        for phrase, canonical in phrases.items():
            self._by_key.setdefault(_phrase_key(phrase), canonical)
        # The same phrases without their stop words, so « objectifs développement
        # durable » still meets « objectifs de développement durable ».
        self.bare_phrases: dict[str, str] = {}
        for phrase, canonical in phrases.items():
            bare = " ".join(w for w in phrase.split() if w not in STOP_WORDS)
            if len(bare.split()) >= 2:
                self.bare_phrases.setdefault(bare, canonical)
        self._bare_pattern = _alternation(self.bare_phrases)
        # And once more whatever their number and gender, so that an inflection typed
        # differently (« état des lieu », « les parties prenante ») still meets its phrase.
        # Only inflections: « consulter en ligne » is not « consultation en ligne ».
        self.inflected: dict[str, list[tuple[tuple[str, ...], str]]] = defaultdict(list)
        for bare, canonical in self.bare_phrases.items():
            keys = tuple(_inflection_key(w) for w in bare.split())
            if (keys, canonical) not in self.inflected[keys[0]]:
                self.inflected[keys[0]].append((keys, canonical))
        for candidates in self.inflected.values():
            candidates.sort(key=lambda c: -len(c[0]))

    def respell(self, simplified: str) -> str:
        """SMS spellings written out (« chui nouvelle » is « je suis nouvelle »), for the patterns
        that read a question's turns of phrase before its words are taken apart. Not the spellings of
        little words (« cé », simplified « ce », is « c'est »): the patterns read those as typed."""
        return " ".join(w if w in STOP_WORDS else self.spellings.get(w, w) for w in simplified.split())

    def apply(self, simplified: str) -> list[str]:
        """Return the words of `simplified` with synonyms replaced by their canonical term."""
        if self.spellings:
            simplified = " ".join(self.spellings.get(w, w) for w in simplified.split())
        if self._pattern is not None:
            simplified = self._pattern.sub(lambda m: " " + self._canonical(m.group(0)) + " ", simplified)
        return [self.single.get(w, w) for w in simplified.split()]

    def _canonical(self, typed: str) -> str:
        return self.phrases.get(typed) or self._by_key.get(_phrase_key(typed), typed)

    def spans(self, simplified: str) -> list[tuple[int, int]]:
        """Where multi-word synonyms stand in `simplified`: « économie sociale et solidaire » is one term."""
        if self._pattern is None:
            return []
        return [m.span() for m in self._pattern.finditer(simplified)]

    def apply_bare(self, words: list[str]) -> list[str]:
        """Second pass over content words only, for phrases typed without their little words."""
        if self._bare_pattern is None:
            return words
        joined = self._bare_pattern.sub(lambda m: " " + self.bare_phrases[m.group(0)] + " ", " ".join(words))
        return self._apply_inflected([self.single.get(w, w) for w in joined.split()])

    def _apply_inflected(self, words: list[str]) -> list[str]:
        out: list[str] = []
        keys = [_inflection_key(w) for w in words]
        i = 0
        while i < len(words):
            for phrase, canonical in self.inflected.get(keys[i], ()):
                end = i + len(phrase)
                if tuple(keys[i:end]) == phrase and not any("_" in w for w in words[i:end]):
                    out.append(canonical)
                    i = end
                    break
            else:
                out.append(words[i])
                i += 1
        return out


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


def _phrase_key(phrase: str) -> tuple[str, ...]:
    return tuple(_inflection_key(w) for w in phrase.split())


def _inflections(word: str) -> str:
    """A pattern for `word` in any number and gender: the inverse of `_inflection_key`."""
    key = _inflection_key(word)
    if len(key) <= 3 or key[-1] in "sx":  # « process »: no shorter form comes back to its key
        return re.escape(word)
    return re.escape(key) + ("l?" if key.endswith("l") else "") + "e*[sx]?"


def _alternation(phrases: dict[str, str], inflected: bool = False) -> re.Pattern | None:
    """One regex for all phrases, longest first, so « état des lieux » wins over « état »."""
    if not phrases:
        return None
    ordered = sorted(phrases, key=lambda p: (-len(p.split()), p))
    if inflected:
        alternatives = dict.fromkeys(" ".join(_inflections(w) for w in p.split()) for p in ordered)
    else:
        alternatives = dict.fromkeys(re.escape(p) for p in ordered)
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")\b")


# « 30 000 habitants » is one number, not « 30 » (as in « 30 % des marchés ») followed by « 000 ».
THOUSANDS = re.compile(r"\b\d{1,3}(?: \d{3})+\b")


def content_words(text: str, synonyms: Synonyms) -> list[str]:
    """Words that carry meaning, synonyms applied, before stemming."""
    simplified = THOUSANDS.sub(lambda m: m.group(0).replace(" ", ""), simplify(text))
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
