"""The knowledge base as data: its contract, and what `kb check` catches."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from knowledge.checks import check_knowledge
from knowledge.loader import KNOWLEDGE_DIR

SEED_FAQ_TOPICS = [
    "duree-elaboration", "etapes-redaction", "duree-validite",  # partie 1
    "livrable", "nombre-pages", "modele-type", "objectifs-pnad",  # partie 2
    "prerequis", "chef-de-projet", "parties-prenantes-obligation", "mobiliser-interne",  # partie 3
    "exemples-indicateurs", "indicateurs-pertinents", "suivi-indicateurs-qui",
    "communication-resultats", "sous-traitants",  # partie 4
    "premieres-etapes", "erreurs-a-eviter", "sanction-controle", "animer-ateliers",  # partie 5
]


def test_base_is_valid_and_large_enough(kb):
    problems, summary = check_knowledge()
    assert problems == []
    assert len(kb.entries) >= 60
    assert all(len(e.variants) >= 3 and e.sources and e.answer for e in kb.entries)


def test_every_seed_faq_question_has_an_entry(kb):
    assert set(SEED_FAQ_TOPICS) <= {e.id for e in kb.entries}


def test_answers_only_cite_commands_that_exist(kb, assistant):
    existing = set(assistant.commands)
    for entry in kb.entries:
        for name in re.findall(r"(?<![\w/])/([a-z]{3,})\b", entry.answer):
            assert name in existing, f"{entry.id} cite /{name}"


@pytest.fixture
def broken_copy(tmp_path):
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return target


def _edit_first_entry(directory: Path, **changes):
    path = directory / "faq" / "01-cadre-juridique.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["entries"][0].update(changes)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


@pytest.mark.parametrize(
    "changes, expected",
    [
        ({"id": "base-legale"}, "en double"),
        ({"related": ["n-existe-pas"]}, "n'existe pas"),
        ({"answer": ""}, "réponse manquante"),
        ({"answer": "x " * 900}, "caractères"),
        ({"answer": "Voir https://exemple.com/spaser"}, "adresse non autorisée"),
        ({"variants": ["une seule"]}, "au moins 3"),
        ({"sources": []}, "au moins une source"),
        ({"question": "Combien de pages doit faire un SPASER ?"}, "quasi identiques"),
    ],
)
def test_kb_check_names_the_problem(broken_copy, changes, expected):
    _edit_first_entry(broken_copy, **changes)
    problems, _ = check_knowledge(broken_copy)
    assert any(expected in p for p in problems), problems
    assert all("01-cadre-juridique.yaml" in p or "yaml" in p for p in problems)


def test_kb_check_reports_invalid_yaml(broken_copy):
    (broken_copy / "faq" / "02-objectifs-chiffres.yaml").write_text("entries: [unclosed", encoding="utf-8")
    problems, _ = check_knowledge(broken_copy)
    assert any("02-objectifs-chiffres.yaml" in p and "YAML invalide" in p for p in problems)
