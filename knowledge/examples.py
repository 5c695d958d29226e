"""The directory of published SPASERs (FACTS.md §8) and how to search it.

Names are matched with the same normalisation as the FAQ (case, accents,
punctuation) and rapidfuzz, so « metropole lyon » or « ile et vilaine » find
their structure, and an unknown one gets the closest names instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from rapidfuzz import fuzz, process

from knowledge.content import INSTALLED, current
from domain.text import fold
from knowledge.question import purchases_meur

EXAMPLES_FILE = INSTALLED / "knowledge" / "examples.yaml"  # the installed copy

FOUND = 80  # a name this close is the one asked for
CLOSE = 50
GENERIC = {"ville", "de", "du", "des", "la", "le", "l", "d", "et", "region", "departement", "metropole", "commune"}


@dataclass(frozen=True)
class Example:
    index: int
    name: str
    types: tuple[str, ...]  # a joint schema (« Nantes Métropole et Ville de Nantes ») belongs to each structure
    region: str
    status: str
    known: str
    source: str

    @property
    def type(self) -> str:
        return self.types[0]

    @property
    def purchases_meur(self) -> float | None:
        """The yearly purchases the known facts give (« Plus de 200 M€ d'achats par an »), if any."""
        return purchases_meur(self.known) if "achats" in self.known else None


def load_examples(path: Path | None = None) -> tuple[Example, ...]:
    path = path or current().examples
    return _load_examples(path, path.stat().st_mtime_ns)  # an edited file is read again


@lru_cache(maxsize=4)
def _load_examples(path: Path, version: int) -> tuple[Example, ...]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return tuple(
        Example(i, str(d["name"]), _types(d["type"]), str(d["region"]), str(d.get("status") or ""),
                " ".join(str(d.get("known") or "").split()), str(d.get("source") or ""))
        for i, d in enumerate(data)
    )


def _types(value) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else (str(value),)


def named(query: str, labels: dict[str, str]) -> str | None:
    """The value whose label the query names, with or without hyphens, accents or a plural « s »."""
    wanted = _key(query)
    singular = " ".join(map(_singular, wanted.split()))
    for value, label in labels.items():
        key = _key(label)
        if wanted in (key, _key(value)) or singular == key:
            return value
    best = process.extractOne(wanted, {v: _key(label) for v, label in labels.items()}, scorer=fuzz.ratio)
    return best[2] if best is not None and best[1] >= 90 else None


def _singular(word: str) -> str:
    """« régions » is « région »: a plural « s » dropped, words of three letters or fewer kept (« les »)."""
    return word[:-1] if word.endswith("s") and len(word) > 3 else word


def _key(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", fold(text)).split())


def search(query: str, examples: tuple[Example, ...] | None = None) -> tuple[list[Example], list[Example]]:
    """(matches, closest others): matches when a name is clearly the one asked for."""
    examples = examples if examples is not None else load_examples()
    wanted = _key(query)
    if not wanted:
        return [], []
    names = {e.index: _key(e.name) for e in examples}
    scored = process.extract(wanted, names, scorer=fuzz.WRatio, limit=len(names))
    by_index = {e.index: e for e in examples}
    distinctive = set(wanted.split()) - GENERIC

    def names_them(name: str) -> bool:
        """Every distinctive word typed is (nearly) a word of the name: « ile et vilaine » is not Île-de-France."""
        words = name.split()
        return all(max(fuzz.ratio(w, n) for n in words) >= 80 for w in distinctive)

    def shares_a_word(name: str) -> bool:
        """A close name shares a distinctive word, nearly: « Bordo » is close to Bordeaux, « Rennes » not to Nantes."""
        words = set(name.split()) - GENERIC
        return any(fuzz.ratio(w, n) >= 80 or (len(w) >= 4 and n.startswith(w[:4])) for w in distinctive for n in words)

    matches = [by_index[i] for _, score, i in scored if score >= FOUND and names_them(names[i])]
    close = [by_index[i] for _, score, i in scored
             if score >= CLOSE and by_index[i] not in matches and shares_a_word(names[i])][:3]
    return matches[:5], close


# « le SPASER de la Ville de Lyon », « le schéma d'Ille-et-Vilaine »: a scheme asked for by its structure's name.
OF_A_STRUCTURE = re.compile(r"\b(?:spaser|spar|schema)s?\s+(?:de la |de l |du |des |de |d )?(.+)$")
NAME_WORDS = 4


def named_in(question: str, examples: tuple[Example, ...] | None = None) -> list[Example]:
    """The published schemes a question asks for by their structure's name (at most two), or none.

    The name is read from the words after « SPASER de », longest first, so that
    « le schéma de Nantes est-il en ligne » finds Nantes and « le SPASER de ma
    commune » finds nothing."""
    found = OF_A_STRUCTURE.search(_key(question))
    if found is None:
        return []
    words = found.group(1).split()
    for size in range(min(NAME_WORDS, len(words)), 0, -1):
        # « le SPASER des régions » names no structure: a plural of a generic word is generic too.
        if not set(map(_singular, words[:size])) - GENERIC:
            continue
        matches, _ = search(" ".join(words[:size]), examples)
        if matches:
            return matches[:2]
    return []


def like(structure_type: str | None, region: str | None, purchases: float | None = None,
         examples: tuple[Example, ...] | None = None) -> list[tuple[Example, str]]:
    """Examples like a workspace, each with why: same type and région, then same type, then similar purchases."""
    examples = examples if examples is not None else load_examples()

    def distance(e: Example) -> float:
        """How far the purchases are, as a ratio (2 = twice or half); unknown comes last."""
        if purchases is None or e.purchases_meur is None or purchases <= 0:
            return float("inf")
        return max(e.purchases_meur, purchases) / min(e.purchases_meur, purchases)

    both = [e for e in examples if structure_type in e.types and e.region == region]
    same_type = sorted((e for e in examples if structure_type in e.types and e not in both), key=distance)
    shown = [(e, "même type de structure et même région") for e in both]
    shown += [(e, "même type de structure" + _purchases_note(e, purchases)) for e in same_type]
    if purchases is not None:
        similar = sorted((e for e in examples if e not in both and e not in same_type and distance(e) <= 3), key=distance)
        shown += [(e, "achats comparables" + _purchases_note(e, purchases)) for e in similar]
    return shown[:6]


def _purchases_note(example: Example, purchases: float | None) -> str:
    if purchases is None or example.purchases_meur is None:
        return ""
    return f" ; {example.purchases_meur:g} M€ d'achats par an contre {purchases:g} M€ pour vous".replace(".", ",")


def check_examples(types: set[str], regions: set[str], path: Path | None = None) -> list[str]:
    path = path or current().examples
    """kb check: required fields, and types and régions that the profile knows."""
    where = "knowledge/examples.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        return [f"{where} : YAML invalide ({exc.__class__.__name__})"]
    if not isinstance(data, list) or not data:
        return [f"{where} : une liste d'exemples est attendue"]
    problems = []
    for i, item in enumerate(data):
        if not isinstance(item, dict):
            problems.append(f"{where} : [{i}] n'est pas un exemple")
            continue
        name = item.get("name") or f"[{i}]"
        for key in ("name", "type", "region", "status", "source"):
            if not item.get(key):
                problems.append(f"{where} : {name} : « {key} » manquant")
        for kind in _types(item.get("type") or []):
            if kind not in types:
                problems.append(f"{where} : {name} : type « {kind} » inconnu du profil")
        if item.get("region") and item["region"] not in regions:
            problems.append(f"{where} : {name} : région « {item['region']} » inconnue du profil")
    return problems
