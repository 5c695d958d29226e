"""Load the FAQ from its YAML files into typed, frozen records, and check them.

Loading collects every problem it finds (naming the file and the key) rather
than stopping at the first one, so `spaser-bot kb check` can list them all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml
from domain.errors import ContentError

KNOWLEDGE_DIR = Path(__file__).resolve().parent
MAX_ANSWER_CHARS = 1300
MAX_ID_BYTES = 40  # leaves room for a prefix in 64-byte Telegram callback data
MIN_VARIANTS = 3
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
VERDICTS = ("obligation",)
URL_PATTERN = re.compile(r"https?://[^\s)»>\]]+")


@dataclass(frozen=True)
class Topic:
    id: str
    label: str


@dataclass(frozen=True)
class Entry:
    id: str
    topic: str
    question: str
    variants: tuple[str, ...]
    answer: str
    sources: tuple[str, ...]
    related: tuple[str, ...]
    file: str = ""
    # « obligation »: the answer is followed by the verdict for the purchases
    # or the kind of structure the question gives.
    verdict: str | None = None
    # When the answer was last checked against the law and the sources, and
    # when a dated fact in it (target, deadline, plan, count) may have changed.
    verified: date | None = None
    review_by: date | None = None

    @property
    def phrasings(self) -> tuple[str, ...]:
        """The canonical question first, then every paraphrase."""
        return (self.question, *self.variants)


@dataclass(frozen=True)
class Neighbour:
    """A subject next to the SPASER that the base does not cover (out_of_scope.yaml).

    Without it, a question on procurement at large (« comment rédiger un
    appel d'offres ? ») shares enough words with some entry to get it; with
    it, a question closer to the neighbour than to any entry is declined, and
    told where such questions are answered."""

    id: str
    label: str
    pointer: str | None
    phrasings: tuple[str, ...]


@dataclass(frozen=True)
class KnowledgeBase:
    topics: tuple[Topic, ...]
    entries: tuple[Entry, ...]
    synonym_groups: tuple[tuple[str, ...], ...]
    allowed_urls: tuple[str, ...]
    # SMS and short spellings (« koi », « cb »), rewritten before synonyms apply.
    spellings: tuple[tuple[str, str], ...] = ()
    neighbours: tuple[Neighbour, ...] = ()
    by_id: dict[str, Entry] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        self.by_id.update({e.id: e for e in self.entries})

    def get(self, entry_id: str) -> Entry | None:
        return self.by_id.get(entry_id)

    def due_for_review(self, today: date) -> list[Entry]:
        """Entries whose dated facts may have changed: `kb check` warns, /stats lists them."""
        return [e for e in self.entries if e.review_by is not None and e.review_by <= today]

    def entries_of(self, topic_id: str) -> list[Entry]:
        return [e for e in self.entries if e.topic == topic_id]

    def topic(self, topic_id: str) -> Topic | None:
        return next((t for t in self.topics if t.id == topic_id), None)


def load_knowledge(directory: Path | None = None) -> KnowledgeBase:
    """Read and validate every FAQ file; raise ContentError listing all problems.

    Without `directory`, the content folder in use (`knowledge.content`).
    """
    from knowledge.content import current

    directory = directory or current().knowledge
    problems: list[str] = []
    topics: list[Topic] = []
    entries: list[Entry] = []
    seen_ids: dict[str, str] = {}

    faq_files = sorted((directory / "faq").glob("*.yaml"))
    if not faq_files:
        problems.append(f"{directory / 'faq'} : aucun fichier FAQ (*.yaml).")
    for path in faq_files:
        data = _read_yaml(path, problems)
        if data is None:
            continue
        name = path.name
        topic_data = data.get("topic") if isinstance(data, dict) else None
        if not isinstance(topic_data, dict) or not _is_text(topic_data.get("id")) or not _is_text(topic_data.get("label")):
            problems.append(f"{name} : « topic » doit avoir un « id » et un « label ».")
            continue
        topic = Topic(topic_data["id"], topic_data["label"])
        if any(t.id == topic.id for t in topics):
            problems.append(f"{name} : le thème « {topic.id} » est déjà défini dans un autre fichier.")
        topics.append(topic)
        raw_entries = data.get("entries")
        if not isinstance(raw_entries, list) or not raw_entries:
            problems.append(f"{name} : « entries » doit être une liste non vide.")
            continue
        unknown_top = set(data) - {"topic", "entries"}
        if unknown_top:
            problems.append(f"{name} : clé inconnue {sorted(unknown_top)}.")
        for index, raw in enumerate(raw_entries):
            entry = _entry(raw, topic.id, f"{name} : entries[{index}]", problems)
            if entry is None:
                continue
            if entry.id in seen_ids:
                problems.append(f"{name} : identifiant « {entry.id} » en double (déjà dans {seen_ids[entry.id]}).")
                continue
            seen_ids[entry.id] = name
            entries.append(Entry(**{**entry.__dict__, "file": name}))

    groups, spellings = _synonym_groups(directory / "synonyms.yaml", problems)
    allowed = _allowed_urls(directory / "allowed_urls.yaml", problems)
    neighbours = _neighbours(directory / "out_of_scope.yaml", allowed, problems)

    ids = {e.id for e in entries}
    for entry in entries:
        for rel in entry.related:
            if rel not in ids:
                problems.append(f"{entry.file} : « {entry.id} ».related cite « {rel} », qui n'existe pas.")
            elif rel == entry.id:
                problems.append(f"{entry.file} : « {entry.id} ».related se cite lui-même.")
        for url in URL_PATTERN.findall(entry.answer):
            url = url.rstrip(".,;:")
            if not _allowed(url, allowed):
                problems.append(f"{entry.file} : « {entry.id} ».answer cite une adresse non autorisée : {url}")

    if problems:
        raise ContentError(problems)
    return KnowledgeBase(tuple(topics), tuple(entries), groups, allowed, spellings, neighbours)


def _read_yaml(path: Path, problems: list[str]):
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{path.name} : illisible ({exc}).")
    except yaml.YAMLError as exc:
        problems.append(f"{path.name} : YAML invalide ({exc}).")
    return None


def _is_text(value) -> bool:
    return isinstance(value, str) and value.strip() != ""


def _text_list(value) -> bool:
    return isinstance(value, list) and all(_is_text(v) for v in value)


def _entry(raw, topic: str, where: str, problems: list[str]) -> Entry | None:
    if not isinstance(raw, dict):
        problems.append(f"{where} doit être une table de clés.")
        return None
    allowed_keys = {"id", "question", "variants", "answer", "sources", "related", "verdict", "verified", "review_by"}
    unknown = set(raw) - allowed_keys
    if unknown:
        problems.append(f"{where} : clé inconnue {sorted(unknown)}.")
    entry_id = raw.get("id")
    if not _is_text(entry_id) or not ID_PATTERN.match(entry_id):
        problems.append(f"{where}.id : identifiant manquant ou invalide (minuscules, chiffres, tirets).")
        return None
    where = f"{where} (« {entry_id} »)"
    ok = True
    if len(entry_id.encode()) > MAX_ID_BYTES:
        problems.append(f"{where}.id : plus de {MAX_ID_BYTES} octets.")
        ok = False
    if not _is_text(raw.get("question")):
        problems.append(f"{where}.question : manquante ou vide.")
        ok = False
    variants = raw.get("variants")
    if not _text_list(variants) or len(variants) < MIN_VARIANTS:
        problems.append(f"{where}.variants : au moins {MIN_VARIANTS} reformulations non vides.")
        ok = False
    answer = raw.get("answer")
    if not _is_text(answer):
        problems.append(f"{where}.answer : réponse manquante ou vide.")
        ok = False
    elif len(answer.strip()) > MAX_ANSWER_CHARS:
        problems.append(f"{where}.answer : {len(answer.strip())} caractères, au plus {MAX_ANSWER_CHARS}.")
        ok = False
    if not _text_list(raw.get("sources")) or not raw.get("sources"):
        problems.append(f"{where}.sources : au moins une source.")
        ok = False
    related = raw.get("related", [])
    if not _text_list(related) and related != []:
        problems.append(f"{where}.related : liste d'identifiants attendue.")
        ok = False
    verdict = raw.get("verdict")
    if verdict not in (None, *VERDICTS):
        problems.append(f"{where}.verdict : « {verdict} » inconnu (valeurs possibles : {', '.join(VERDICTS)}).")
        ok = False
    verified, review_by = raw.get("verified"), raw.get("review_by")
    if not isinstance(verified, date):
        problems.append(f"{where}.verified : date de vérification manquante (AAAA-MM-JJ).")
        ok = False
    if review_by is not None and (not isinstance(review_by, date) or (isinstance(verified, date) and review_by <= verified)):
        problems.append(f"{where}.review_by : date (AAAA-MM-JJ) postérieure à « verified » attendue.")
        ok = False
    if not ok:
        return None
    return Entry(
        id=entry_id,
        topic=topic,
        question=raw["question"].strip(),
        variants=tuple(v.strip() for v in variants),
        answer=answer.strip(),
        sources=tuple(s.strip() for s in raw["sources"]),
        related=tuple(related),
        verdict=verdict,
        verified=verified,
        review_by=review_by,
    )


def _synonym_groups(path: Path, problems: list[str]) -> tuple[tuple[tuple[str, ...], ...], tuple[tuple[str, str], ...]]:
    data = _read_yaml(path, problems) if path.is_file() else {"groups": []}
    groups = data.get("groups") if isinstance(data, dict) else None
    spellings = (data.get("spellings") or {}) if isinstance(data, dict) else {}
    if not isinstance(spellings, dict) or not all(
        isinstance(k, str) and len(k.split()) == 1 and isinstance(v, str) and v.strip() for k, v in spellings.items()
    ):
        problems.append(f"{path.name} : « spellings » doit associer un mot à son écriture usuelle.")
        spellings = {}
    if not isinstance(groups, list) or not all(_text_list(g) and len(g) >= 2 for g in groups):
        problems.append(f"{path.name} : « groups » doit être une liste de groupes d'au moins deux termes.")
        return (), ()
    return tuple(tuple(g) for g in groups), tuple(spellings.items())


def _allowed_urls(path: Path, problems: list[str]) -> tuple[str, ...]:
    data = _read_yaml(path, problems) if path.is_file() else {"prefixes": []}
    prefixes = data.get("prefixes") if isinstance(data, dict) else None
    if not _text_list(prefixes):
        problems.append(f"{path.name} : « prefixes » doit être une liste d'adresses.")
        return ()
    return tuple(prefixes)


def _allowed(url: str, prefixes: tuple[str, ...]) -> bool:
    """The address itself or a page under it: « …/daj » allows « …/daj/fiches », not « …/dajx »."""
    return any(url == p or url.startswith(p.rstrip("/") + "/") for p in prefixes)


def _neighbours(path: Path, allowed: tuple[str, ...], problems: list[str]) -> tuple[Neighbour, ...]:
    """The subjects next to the SPASER; a content folder made before this file existed has none."""
    if not path.is_file():
        return ()
    data = _read_yaml(path, problems)
    subjects = data.get("subjects") if isinstance(data, dict) else None
    if not isinstance(subjects, list):
        problems.append(f"{path.name} : « subjects » doit être une liste de sujets.")
        return ()
    found: list[Neighbour] = []
    for index, raw in enumerate(subjects):
        where = f"{path.name} : subjects[{index}]"
        if not isinstance(raw, dict) or not _is_text(raw.get("id")) or not _is_text(raw.get("label")):
            problems.append(f"{where} : « id » et « label » attendus.")
            continue
        phrasings, pointer = raw.get("phrasings"), raw.get("pointer")
        if not _text_list(phrasings) or len(phrasings) < MIN_VARIANTS:
            problems.append(f"{where}.phrasings : au moins {MIN_VARIANTS} formulations non vides.")
            continue
        if pointer is not None and not (_is_text(pointer) and _allowed(pointer, allowed)):
            problems.append(f"{where}.pointer : adresse absente de allowed_urls.yaml : {pointer}")
            continue
        found.append(Neighbour(raw["id"], raw["label"].strip(), pointer, tuple(p.strip() for p in phrasings)))
    return tuple(found)
