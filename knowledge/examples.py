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

from knowledge.normalize import fold

EXAMPLES_FILE = Path(__file__).resolve().parent / "examples.yaml"
FOUND = 80  # a name this close is the one asked for
CLOSE = 50
GENERIC = {"ville", "de", "du", "des", "la", "le", "l", "d", "et", "region", "departement", "metropole", "commune"}


@dataclass(frozen=True)
class Example:
    index: int
    name: str
    type: str
    region: str
    status: str
    known: str
    source: str


@lru_cache(maxsize=4)
def load_examples(path: Path = EXAMPLES_FILE) -> tuple[Example, ...]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return tuple(
        Example(i, str(d["name"]), str(d["type"]), str(d["region"]), str(d.get("status") or ""),
                " ".join(str(d.get("known") or "").split()), str(d.get("source") or ""))
        for i, d in enumerate(data)
    )


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

    matches = [by_index[i] for _, score, i in scored if score >= FOUND and names_them(names[i])]
    close = [by_index[i] for _, score, i in scored if score >= CLOSE and by_index[i] not in matches][:3]
    return matches[:5], close


def like(structure_type: str | None, region: str | None, examples: tuple[Example, ...] | None = None) -> list[Example]:
    """Examples like a workspace: same type and région first, then same type, then same région."""
    examples = examples if examples is not None else load_examples()
    both = [e for e in examples if e.type == structure_type and e.region == region]
    same_type = [e for e in examples if e.type == structure_type and e not in both]
    same_region = [e for e in examples if e.region == region and e not in both and e not in same_type]
    return (both + same_type + same_region)[:6]


def check_examples(types: set[str], regions: set[str], path: Path = EXAMPLES_FILE) -> list[str]:
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
        if item.get("type") and item["type"] not in types:
            problems.append(f"{where} : {name} : type « {item['type']} » inconnu du profil")
        if item.get("region") and item["region"] not in regions:
            problems.append(f"{where} : {name} : région « {item['region']} » inconnue du profil")
    return problems
