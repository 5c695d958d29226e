"""The knowledge base as data: its contract, and what `kb check` catches."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml

from knowledge.checks import check_knowledge
from knowledge.loader import KNOWLEDGE_DIR, load_knowledge

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
        ({"verified": None}, "date de vérification manquante"),
        ({"verified": "hier"}, "date de vérification manquante"),
        ({"review_by": date(2020, 1, 1)}, "postérieure à « verified »"),
        ({"verdict": "peut-etre"}, "inconnu"),
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


def test_neighbouring_subjects_are_checked_and_optional(broken_copy):
    path = broken_copy / "out_of_scope.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["subjects"][0]["pointer"] = "https://www.economie.gouv.fr/dajx"  # next to an allowed address, not under it
    data["subjects"][1]["phrasings"] = ["une seule"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    problems, _ = check_knowledge(broken_copy)
    assert any("subjects[0].pointer" in p and "dajx" in p for p in problems), problems
    assert any("subjects[1].phrasings" in p for p in problems), problems
    # A content folder made before the file existed still loads, without neighbours.
    path.unlink()
    assert load_knowledge(broken_copy).neighbours == ()


def test_every_entry_is_dated_and_dated_facts_have_a_review_date(kb):
    assert all(e.verified is not None for e in kb.entries)
    # A period or target that ends in 2026 or later may change; dates of texts in force and names do not.
    stable = re.compile(r"21 août 2026|mars 2026|ODD 2030|2030 des Nations|jusqu'en 2030")
    dated = [e.id for e in kb.entries if re.search(r"\b20(2[6-9]|30)\b", stable.sub("", e.answer)) and e.review_by is None]
    assert dated == []
    assert all(e.review_by is None or (e.review_by - e.verified).days >= 180 for e in kb.entries)


def test_kb_check_warns_without_failing_on_entries_past_their_review_date(kb):
    problems, summary = check_knowledge(today=date(2030, 1, 1))
    assert problems == []
    due = kb.due_for_review(date(2030, 1, 1))
    assert due and all(f"« {e.id} »" in summary for e in due)
    assert "Avertissement" not in check_knowledge(today=date(2026, 11, 23))[1]


def test_no_text_a_buyer_reads_cites_a_source_by_file_number(kb):
    readable = [a for e in kb.entries for a in (e.answer, *e.sources)]
    for path in [*Path(KNOWLEDGE_DIR).glob("examples.yaml"), *(Path(KNOWLEDGE_DIR).parent / "dialogs").rglob("*.yaml")]:
        readable.append("\n".join(line for line in path.read_text(encoding="utf-8").splitlines() if not line.lstrip().startswith("#")))
    assert not [t for t in readable if re.search(r"document source|source 00\d", t)]


def test_corrected_facts_are_stated_as_they_stand_today(kb):
    """The corrections of November 2026 (FACTS.md « corrigé 2026-11 »), as a reader meets them."""
    answer = {e.id: e.answer for e in kb.entries}
    assert "Depuis le 21 août 2026" in answer["echeance-2026"] and "L3124-5" in answer["echeance-2026"]
    assert "terminé" in answer["pnad"] and "2025" in answer["pnad"]
    assert "hôpital" in answer["loi-agec"] and "catégories" not in answer["loi-agec"]
    assert "L2113-15" in answer["clause-critere"] and "3 ans" in answer["clause-critere"]
    assert "accompagnement par le travail" in answer["siae"]
    assert "exécution budgétaire" in answer["calcul-seuil"] and "ne partez pas" in answer["calcul-seuil"]
    assert "mars 2026" in answer["duree-validite"]
