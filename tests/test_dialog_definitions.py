"""Dialog files are checked before anything runs; each problem names its file and key."""

from __future__ import annotations

import shutil
import textwrap

import pytest

from bot.features import required_steps
from dialogs.checks import check_dialogs
from dialogs.definitions import DEFINITIONS_DIR, DefinitionError, load_dialogs
from dialogs.inputs import InputError, parse_date, parse_number
from dialogs.definitions import Step


def write(tmp_path, body: str):
    (tmp_path / "essai.yaml").write_text(textwrap.dedent(body), encoding="utf-8")
    return tmp_path


def problems_of(tmp_path, body: str) -> str:
    with pytest.raises(DefinitionError) as info:
        load_dialogs(write(tmp_path, body))
    return str(info.value)


def test_shipped_dialogs_are_valid():
    problems, summary = check_dialogs(required_steps())
    assert problems == [] and "11 dialogues" in summary


@pytest.mark.parametrize(
    "body, expected",
    [
        ("id: x\ntitle: X\nsteps:\n  - {id: a, question: Q, kind: essai}\n", "steps[0] (a).kind"),
        ("id: x\ntitle: X\nsteps:\n  - {id: a, question: Q, kind: choice}\n", "au moins deux choix"),
        (
            "id: x\ntitle: X\nsteps:\n  - {id: a, question: Q, kind: text}\n  - {id: b, question: Q, kind: text, when: {zz: 1}}\n",
            "« zz » n'est pas une étape précédente",
        ),
        (
            "id: x\ntitle: X\nsteps:\n  - id: a\n    question: Q\n    kind: choice\n    choices: [{value: o, label: Oui}, {value: n, label: Non}]\n"
            "  - {id: b, question: Q, kind: text, when: {a: peut-être}}\n",
            "« peut-être » n'est pas un choix",
        ),
        ("id: x\ntitle: X\nsteps:\n  - {id: a, question: Q, kind: number, min: 10, max: 1}\n", "min (10) est supérieur à max (1)"),
        ("id: x\ntitle: X\nsteps:\n  - {id: a, question: Q, kind: text}\n  - {id: a, question: R, kind: text}\n", "étape en double"),
        ("id: x\ntitle: X\nsteps:\n  - {id: a, question: Q, kind: text, colour: red}\n", "clé inconnue « colour »"),
        ("id: x\ntitle: X\nsteps: [\n", "YAML invalide"),
        (
            "id: x\ntitle: X\nsteps:\n  - id: a\n    question: Q\n    kind: choice\n    choices: [{value: o, label: Oui, d'accord}, {value: n, label: Non}]\n",
            "entre guillemets",
        ),
    ],
)
def test_each_problem_names_file_and_key(tmp_path, body, expected):
    message = problems_of(tmp_path, body)
    assert "dialogs/definitions/essai.yaml" in message
    assert expected in message


def test_a_step_the_features_need_cannot_be_removed(tmp_path):
    for path in DEFINITIONS_DIR.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    profile = tmp_path / "profil.yaml"
    text = profile.read_text(encoding="utf-8")
    start = text.index("  - id: region")
    end = text.index("  - id: purchases_meur")
    profile.write_text(text[:start] + text[end:], encoding="utf-8")
    problems, _ = check_dialogs(required_steps(), tmp_path)
    assert any("profil.yaml" in p and "« region »" in p for p in problems)


YEAR = Step(id="y", label="Année", question="?", kind="number", integer=True, min=2020, max=2050)
AMOUNT = Step(id="m", label="Montant", question="?", kind="number", min=0, max=100000, unit="M€ HT")


@pytest.mark.parametrize(
    "text, step, value",
    [("72,5", AMOUNT, 72.5), ("1 200", AMOUNT, 1200.0), ("50 M€", AMOUNT, 50.0), ("12.5", AMOUNT, 12.5), ("2026", YEAR, 2026)],
)
def test_numbers_written_the_french_way(text, step, value):
    assert parse_number(text, step) == value


@pytest.mark.parametrize("text", ["beaucoup", "-5", "1e308", "inf", "nan", "2026,5", "12 000 000 000 000 000", ""])
def test_numbers_refused_with_a_reason(text):
    step = YEAR if text == "2026,5" else AMOUNT
    with pytest.raises(InputError):
        parse_number(text, step)


def test_dates():
    assert parse_date("12/03/2026") == "2026-03-12"
    assert parse_date("1er mars 2026") == "2026-03-01"
    with pytest.raises(InputError):
        parse_date("31/02/2026")
    with pytest.raises(InputError):
        parse_date("demain")
