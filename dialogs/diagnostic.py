"""Scoring the maturity self-diagnosis: scores per rubric, overall, profile, advice.

Each answer is a level from 1 to 4, worth 0, 33, 67 or 100 points; a rubric's
score is the mean of its questions, the overall score the mean of the
rubrics. The profile is the highest one whose threshold the overall score
reaches (thresholds in dialogs/diagnostic/profiles.yaml).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from knowledge.content import current

PROFILES_FILE = Path(__file__).resolve().parent / "diagnostic" / "profiles.yaml"  # the installed copy
WEAK_RUBRIC = 40


@dataclass(frozen=True)
class Profile:
    id: str
    label: str
    threshold: float
    description: str
    approach: str
    axes: str
    indicators: str
    first: tuple[str, ...]


@dataclass(frozen=True)
class Result:
    rubrics: dict[str, float]  # rubric id -> score out of 100
    overall: float
    profile: Profile
    advice: tuple[str, ...]  # the profile's first steps, then those of weak rubrics


def settings() -> dict:
    path = current().profiles
    return _settings(path, path.stat().st_mtime_ns)  # an edited file is read again


@lru_cache(maxsize=4)
def _settings(path: Path, version: int) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def rubric_labels() -> dict[str, str]:
    return dict(settings()["rubrics"])


def profiles() -> list[Profile]:
    return sorted(
        (
            Profile(p["id"], p["label"], float(p["from"]), p["description"], p["approach"], p["axes"], p["indicators"],
                    tuple(p["first"]))
            for p in settings()["profiles"]
        ),
        key=lambda p: p.threshold,
    )


def score(answers: dict[str, str]) -> Result:
    """Answers keyed by step id (rubric prefix, levels "1".."4")."""
    per_rubric: dict[str, list[float]] = {}
    for step_id, level in answers.items():
        rubric = step_id.split("_", 1)[0]
        per_rubric.setdefault(rubric, []).append((int(level) - 1) / 3 * 100)
    rubrics = {r: round(sum(v) / len(v), 1) for r, v in per_rubric.items()}
    overall = round(sum(rubrics.values()) / len(rubrics), 1) if rubrics else 0.0
    profile = [p for p in profiles() if overall >= p.threshold][-1]
    weak = settings().get("weak_rubric") or {}
    weakest = [r for r, s in sorted(rubrics.items(), key=lambda kv: kv[1]) if s < WEAK_RUBRIC and r in weak][:2]
    commands = {c for a in profile.first for c in re.findall(r"\(/\w+", a)}
    extra = tuple(weak[r] for r in weakest if not set(re.findall(r"\(/\w+", weak[r])) & commands)
    advice = profile.first + extra
    return Result(rubrics, overall, profile, advice)


def check_settings(step_ids: list[str]) -> list[str]:
    """kb check: every rubric has questions, thresholds start at 0 and increase, advice is present."""
    problems = []
    where = "dialogs/diagnostic/profiles.yaml"
    try:
        data = settings()
        rubrics = set(data["rubrics"])
        found = {s.split("_", 1)[0] for s in step_ids}
        for rubric in rubrics - found:
            problems.append(f"{where} : la rubrique « {rubric} » n'a aucune question dans diagnostic.yaml")
        for rubric in found - rubrics:
            problems.append(f"dialogs/definitions/diagnostic.yaml : rubrique « {rubric} » inconnue de {where}")
        ordered = profiles()
        if not ordered or ordered[0].threshold != 0:
            problems.append(f"{where} : le premier profil doit commencer à 0")
        for profile in ordered:
            if not profile.first:
                problems.append(f"{where} : le profil « {profile.id} » n'a pas de recommandations (first)")
    except (KeyError, TypeError, ValueError, yaml.YAMLError) as exc:
        problems.append(f"{where} : fichier invalide ({exc.__class__.__name__}: {exc})")
    return problems
