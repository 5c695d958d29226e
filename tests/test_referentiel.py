"""/referentiel: the buyer's DECP export becomes their état des lieux, their grid's baselines and the plan's figures."""

from __future__ import annotations

import json
from dataclasses import asdict

import pytest

from dialogs.inputs import InputError, siret_or_siren
from tests.support.chat import Chat
from tests.support.decp_samples import HOLDER, SIRET, decp_file
from tests.support.workspace import PROFILE, fill_profile, make_plan


def profile_with_siret(chat, siret: str = SIRET) -> str:
    chat.say("/profil")
    for answer in PROFILE:
        chat.press(answer) if answer in chat.labels else chat.say(answer)
    chat.say(siret)
    return chat.press("Valider")


def test_the_siret_is_checked_with_its_key():
    assert siret_or_siren("213 300 635 00017") == "21330063500017"
    assert siret_or_siren("213300635") == "213300635"
    assert siret_or_siren("35600000000001") == "35600000000001"  # La Poste: digits add up to a multiple of 5
    for wrong in ("21330063500018", "1234", "2133006350001A"):
        with pytest.raises(InputError):
            siret_or_siren(wrong)


def test_a_wrong_siret_is_refused_at_the_step_and_the_right_one_kept(chat, assistant):
    chat.say("/profil")
    for answer in PROFILE:
        chat.press(answer) if answer in chat.labels else chat.say(answer)
    assert "clé de contrôle" in chat.say("21330063500018")
    chat.say("213 300 635 00017")
    chat.press("Valider")
    assert assistant.services.storage.workspaces.of_user(42).siret == SIRET


def test_a_buyer_gets_their_baseline_with_a_chart_and_the_grid_and_plan_use_it(chat, assistant, tmp_path):
    profile_with_siret(chat)
    assert "Vos marchés y sont retrouvés par votre SIRET 21330063500017" in chat.say("/referentiel")
    text = chat.send_file("decp.json", decp_file(tmp_path))
    assert "2024 : 12 marchés, 1\u202f260\u202f000 € HT" in text
    assert "considération sociale : 33,3 % des marchés, 30,2 % du montant" in text
    assert "2025 : 9 marchés" in text and "100,0 % des marchés" in text and "Méthode" in text
    [chart] = chat.documents
    assert chart.picture and chart.content[:8] == b"\x89PNG\r\n\x1a\n"
    stored = json.dumps(asdict(assistant.services.storage.baselines.get(assistant.services.storage.workspaces.of_user(42).id)))
    assert HOLDER not in stored and "A24-1" not in stored  # aggregates only: no holder, no contract

    text = chat.press("Ajouter ces indicateurs")
    assert "4 indicateurs ajoutés" in text and "55,6 % en 2025" in text
    chat.say("/referentiel")
    chat.press("Ajouter ces indicateurs")  # again: the same lines are updated, not added twice
    workspace = assistant.services.storage.workspaces.of_user(42)
    rows = assistant.services.storage.indicators.list(workspace.id)
    assert len(rows) == 4
    social = next(r for r in rows if "sociale, en nombre" in r.indicator)
    assert (social.baseline_value, social.baseline_year) == ("55,6 %", 2025)
    assert social.baseline_source.startswith("DECP, fichier decp.json reçu le ")

    chat.say("/referentiel")  # shows the stored figures again, with the exports
    chat.press("Export XLSX")
    assert chat.documents[0].filename.endswith(".xlsx") and chat.documents[0].content[:2] == b"PK"
    assert "✅ État des lieux DECP : « decp.json »" in chat.say("/avancement")

    markdown, _ = make_plan(chat)
    figures = markdown.split("#### Quelques chiffres sur les achats")[1].split("####")[0]
    assert "- 2025 : 9 marchés notifiés pour 900\u202f000 € HT" in figures and "*Méthode : " in figures
    assert "Valeur de départ : 55,6 % en 2025 (DECP, fichier decp.json" in markdown


@pytest.mark.parametrize("case", ["other_buyer", "format_1", "truncated", "no_siret"])
def test_a_file_that_gives_nothing_says_why_and_stores_nothing(chat, assistant, tmp_path, case):
    if case == "no_siret":
        fill_profile(chat)
    else:
        profile_with_siret(chat)
    content = decp_file(tmp_path)
    if case == "other_buyer":
        content = decp_file(tmp_path, buyer="21860194400013")
    elif case == "format_1":
        content = json.dumps({"marches": [{"id": "1", "acheteur": {"id": SIRET}, "dateNotification": "2019-01-01",
                                           "montant": 1, "titulaires": [{"denominationSociale": "X", "id": "1"}]}]}).encode()
    elif case == "truncated":
        content = content[: len(content) // 2]
    text = chat.send_file("decp.json", content)
    expected = {"other_buyer": "Aucun marché de 21330063500017", "format_1": "1.", "truncated": "tronqué",
                "no_siret": "j'ai besoin du SIRET"}[case]
    assert expected in text and "Rien n'a été enregistré" in text
    if case == "no_siret":
        assert "21330063500017 (21 marchés)" in text
    workspace = assistant.services.storage.workspaces.of_user(42)
    assert assistant.services.storage.baselines.get(workspace.id) is None


def test_in_the_console_the_file_is_given_by_its_path(assistant, tmp_path):
    from bot.console import CONSOLE, Console

    console = Console(assistant)
    profile_with_siret(Chat(assistant, console.user_id, capabilities=CONSOLE, address=console.address))
    path = tmp_path / "export.json"
    path.write_bytes(decp_file(tmp_path))
    event = console.event_for(f"/referentiel {path}")
    text = " ".join(r.html for r in assistant.handle(event))
    assert "<b>2025</b> : 9 marchés" in text
    event = type(event)(**{**event.__dict__, "args": str(tmp_path / "absent.json")})
    assert "je ne trouve pas le fichier" in " ".join(r.html for r in assistant.handle(event))
