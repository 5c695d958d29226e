"""Dialog definitions: YAML files a domain expert edits, checked before anything runs.

Each file describes one guided dialog — its steps, what each step asks, the
kind of answer it takes, its choices, bounds and conditions. Every problem is
reported with the file and the key, so an editing mistake is found at start-up
(or by `spaser-bot kb check`), never by a user halfway through a dialog.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from knowledge.content import current
from domain.errors import ContentError

DEFINITIONS_DIR = Path(__file__).resolve().parent / "definitions"
KINDS = {"text", "choice", "multi", "number", "date", "datetime", "yesno", "list"}
ID_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_")
STEP_KEYS = {
    "id", "question", "help", "kind", "choices", "optional", "when", "min", "max", "integer",
    "max_length", "validate", "unit", "label", "max_items", "examples", "suggestions", "suggest_from", "future",
}
DIALOG_KEYS = {"id", "title", "intro", "steps", "summary", "passive"}
VALIDATORS = {"contact", "url", "siret"}


class DefinitionError(ContentError):
    """Problems found in the dialog files, one message per problem (`problems`)."""


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class Step:
    id: str
    label: str  # short name shown in summaries and « Modifier » buttons
    question: str
    kind: str
    help: str = ""
    choices: tuple[Choice, ...] = ()
    optional: bool = False
    when: dict[str, tuple] = field(default_factory=dict)
    min: float | None = None
    max: float | None = None
    integer: bool = False
    max_length: int = 500
    validate: str | None = None
    unit: str = ""
    max_items: int = 10
    examples: tuple[str, ...] = ()
    # Ready-made answers offered as buttons, by the value of an earlier choice step.
    suggestions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    suggest_from: str | None = None
    future: bool = False  # dates and date-times: refuse the past

    def suggestions_for(self, answers: dict) -> tuple[str, ...]:
        if self.suggest_from is None:
            return ()
        return self.suggestions.get(str(answers.get(self.suggest_from)), ())

    def choice(self, value: str) -> Choice | None:
        return next((c for c in self.choices if c.value == value), None)


@dataclass(frozen=True)
class Dialog:
    id: str
    title: str
    intro: str
    steps: tuple[Step, ...]
    summary: bool = True
    # A passive dialog never takes typed text as its answer and is not shown
    # again after other messages: only its buttons move it (the opt-in).
    passive: bool = False

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.steps if s.id == step_id), None)

    def index(self, step_id: str) -> int:
        return next(i for i, s in enumerate(self.steps) if s.id == step_id)


def load_dialogs(folder: Path | None = None) -> dict[str, Dialog]:
    folder = folder or current().definitions
    """Load every dialog file; raise DefinitionError listing all problems found."""
    problems: list[str] = []
    dialogs: dict[str, Dialog] = {}
    for path in sorted(folder.glob("*.yaml")):
        name = f"dialogs/definitions/{path.name}"
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            problems.append(f"{name} : YAML invalide ({exc.__class__.__name__}: {str(exc).splitlines()[0]})")
            continue
        dialog = _dialog(data, name, problems)
        if dialog is None:
            continue
        if dialog.id in dialogs:
            problems.append(f"{name} : id « {dialog.id} » déjà utilisé par un autre dialogue")
        dialogs[dialog.id] = dialog
    if problems:
        raise DefinitionError(problems)
    return dialogs


def _dialog(data, name: str, problems: list[str]) -> Dialog | None:
    if not isinstance(data, dict):
        problems.append(f"{name} : le fichier doit décrire un dialogue (id, title, steps)")
        return None
    for key in set(data) - DIALOG_KEYS:
        problems.append(f"{name} : clé inconnue « {key} »")
    dialog_id = data.get("id")
    if not isinstance(dialog_id, str) or not dialog_id or set(dialog_id) - ID_CHARS:
        problems.append(f"{name} : id manquant ou invalide (lettres minuscules, chiffres, _)")
        return None
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        problems.append(f"{name} : title manquant")
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        problems.append(f"{name} : steps doit être une liste non vide")
        return None
    steps: list[Step] = []
    for index, raw in enumerate(raw_steps):
        step = _step(raw, f"{name} : steps[{index}]", steps, problems)
        if step is not None:
            steps.append(step)
    return Dialog(
        id=dialog_id,
        title=str(title or dialog_id),
        intro=str(data.get("intro") or "").strip(),
        steps=tuple(steps),
        summary=bool(data.get("summary", True)),
        passive=bool(data.get("passive", False)),
    )


def _step(raw, where: str, earlier: list[Step], problems: list[str]) -> Step | None:
    if not isinstance(raw, dict):
        problems.append(f"{where} : une étape doit être un dictionnaire")
        return None
    for key in set(raw) - STEP_KEYS:
        problems.append(f"{where} : clé inconnue « {key} »")
    step_id = raw.get("id")
    if not isinstance(step_id, str) or not step_id or set(step_id) - ID_CHARS:
        problems.append(f"{where}.id : manquant ou invalide (lettres minuscules, chiffres, _)")
        return None
    where = f"{where} ({step_id})"
    if any(s.id == step_id for s in earlier):
        problems.append(f"{where}.id : étape en double")
    kind = raw.get("kind")
    if kind not in KINDS:
        problems.append(f"{where}.kind : « {kind} » inconnu (attendu : {', '.join(sorted(KINDS))})")
        return None
    question = raw.get("question")
    if not isinstance(question, str) or not question.strip():
        problems.append(f"{where}.question : manquante")
    choices = _choices(raw.get("choices"), f"{where}.choices", problems)
    if kind in ("choice", "multi") and not choices:
        problems.append(f"{where}.choices : une étape « {kind} » demande au moins deux choix")
    if kind not in ("choice", "multi") and choices:
        problems.append(f"{where}.choices : seules les étapes « choice » et « multi » ont des choix")
    low, high = raw.get("min"), raw.get("max")
    for key, value in (("min", low), ("max", high)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
            problems.append(f"{where}.{key} : doit être un nombre")
    if isinstance(low, (int, float)) and isinstance(high, (int, float)) and low > high:
        problems.append(f"{where} : min ({low}) est supérieur à max ({high})")
    validate = raw.get("validate")
    if validate is not None and validate not in VALIDATORS:
        problems.append(f"{where}.validate : « {validate} » inconnu (attendu : {', '.join(sorted(VALIDATORS))})")
    max_length = raw.get("max_length", 500)
    if not isinstance(max_length, int) or not 1 <= max_length <= 3000:
        problems.append(f"{where}.max_length : entier entre 1 et 3000 attendu")
        max_length = 500
    when = _when(raw.get("when"), where, earlier, problems)
    suggestions, suggest_from = _suggestions(raw, kind, where, earlier, problems)
    return Step(
        id=step_id,
        label=str(raw.get("label") or step_id),
        question=str(question or "").strip(),
        kind=kind,
        help=str(raw.get("help") or "").strip(),
        choices=choices,
        optional=bool(raw.get("optional", False)),
        when=when,
        min=low if isinstance(low, (int, float)) else None,
        max=high if isinstance(high, (int, float)) else None,
        integer=bool(raw.get("integer", False)),
        max_length=max_length,
        validate=validate,
        unit=str(raw.get("unit") or ""),
        max_items=int(raw.get("max_items", 10)),
        examples=tuple(str(e) for e in raw.get("examples") or ()),
        suggestions=suggestions,
        suggest_from=suggest_from,
        future=bool(raw.get("future", False)),
    )


def _suggestions(raw: dict, kind: str, where: str, earlier: list[Step], problems: list[str]):
    source, table = raw.get("suggest_from"), raw.get("suggestions")
    if source is None and table is None:
        return {}, None
    if kind != "text":
        problems.append(f"{where}.suggestions : réservé aux étapes « text »")
        return {}, None
    target = next((s for s in earlier if s.id == source), None)
    if target is None or target.kind != "choice":
        problems.append(f"{where}.suggest_from : « {source} » n'est pas une étape « choice » précédente")
        return {}, None
    if not isinstance(table, dict):
        problems.append(f"{where}.suggestions : attendu {{valeur: [réponses]}}")
        return {}, None
    result: dict[str, tuple[str, ...]] = {}
    for key, values in table.items():
        if target.choice(str(key)) is None:
            problems.append(f"{where}.suggestions.{key} : « {key} » n'est pas un choix de « {source} »")
        if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
            problems.append(f"{where}.suggestions.{key} : attendu une liste de textes")
            continue
        result[str(key)] = tuple(values)
    return result, source


def _choices(raw, where: str, problems: list[str]) -> tuple[Choice, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.append(f"{where} : doit être une liste")
        return ()
    choices: list[Choice] = []
    for index, item in enumerate(raw):
        if (
            isinstance(item, dict)
            and set(item) == {"value", "label"}
            and isinstance(item.get("value"), str)
            and isinstance(item.get("label"), str)
        ):
            value, label = item["value"], item["label"]
        else:
            problems.append(f"{where}[{index}] : attendu {{value: …, label: …}} (libellé avec virgule : mettez-le entre guillemets)")
            continue
        if any(c.value == value for c in choices):
            problems.append(f"{where}[{index}] : valeur « {value} » en double")
        if len(label) > 60:
            problems.append(f"{where}[{index}] : libellé de plus de 60 caractères")
        choices.append(Choice(value, label))
    if len(choices) == 1:
        problems.append(f"{where} : un seul choix")
    return tuple(choices)


def _when(raw, where: str, earlier: list[Step], problems: list[str]) -> dict[str, tuple]:
    """`when: {step: value}` or `{step: [values]}` — only on earlier steps and their real values."""
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not raw:
        problems.append(f"{where}.when : attendu {{étape: valeur}}")
        return {}
    conditions: dict[str, tuple] = {}
    for key, wanted in raw.items():
        target = next((s for s in earlier if s.id == key), None)
        if target is None:
            problems.append(f"{where}.when : « {key} » n'est pas une étape précédente")
            continue
        values = tuple(wanted) if isinstance(wanted, list) else (wanted,)
        for value in values:
            if target.kind in ("choice", "multi") and target.choice(str(value)) is None:
                problems.append(f"{where}.when.{key} : « {value} » n'est pas un choix de cette étape")
            if target.kind == "yesno" and not isinstance(value, bool):
                problems.append(f"{where}.when.{key} : attendu true ou false")
        conditions[key] = values
    return conditions
