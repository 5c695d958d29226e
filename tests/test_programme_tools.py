"""The maturity self-diagnosis and the finder of published SPASERs, as users meet them."""

from __future__ import annotations

import re

import pytest
import yaml

from bot.console import CONSOLE
from dialogs.diagnostic import PROFILES_FILE, score
from knowledge.examples import EXAMPLES_FILE, check_examples, load_examples, search
from tests.support.workspace import DIAGNOSTIC_STEPS, answer_diagnostic, fill_profile, make_plan

STEPS = DIAGNOSTIC_STEPS


@pytest.mark.parametrize(
    "levels, overall, profile",
    [
        ("1111111111", 0.0, "Débutant"),
        ("2222222222", 33.3, "Débutant"),
        ("2233232322", 46.7, "Administratif"),
        ("3333333333", 66.7, "Intermédiaire"),
        ("4444444444", 100.0, "Avancé"),
        ("4444443333", 86.7, "Avancé"),
    ],
)
def test_scores_and_profiles_for_scripted_answer_sets(levels, overall, profile):
    result = score(dict(zip(STEPS, levels)))
    assert result.overall == overall and result.profile.label == profile
    assert set(result.rubrics) == {"politique", "strategie", "organisation", "proces", "impact"}


def test_weak_rubrics_add_advice_without_repeating_a_command():
    result = score(dict(zip(STEPS, "4444444411")))  # impact at 0
    assert result.rubrics["impact"] == 0.0
    commands = [c for a in result.advice for c in re.findall(r"\(/\w+", a)]
    assert commands.count("(/cartographie") == 1


def test_diagnostic_in_chat_retaking_keeps_history_and_shows_the_previous_score(chat, assistant):
    first = answer_diagnostic(chat, 2)
    assert "33/100" in first and "Profil : Débutant" in first and "sont rédigés par l'assistant" in first
    second_intro = chat.say("/diagnostic")
    assert "Votre dernier autodiagnostic" in second_intro and "33/100" in second_intro
    chat.say("4")
    chat.say("/annuler")
    chat.say("/diagnostic")
    chat.press("Recommencer")
    for _ in STEPS:
        chat.say("3")
    second = chat.press("Valider")
    assert "67/100" in second and "(précédent" in second and "33/100" in second and "(avant : 33)" in second
    workspace = assistant.services.storage.workspaces.of_user(42)
    assert [row.profile for row in assistant.services.storage.diagnostics.history(workspace.id)] == [
        "Débutant", "Intermédiaire"]


def test_plan_puts_the_diagnostic_profile_in_an_internal_annex_only_when_asked(chat):
    answer_diagnostic(chat, 3)
    markdown, _ = make_plan(chat)
    assert "67/100" not in markdown and "Intermédiaire" not in markdown  # an internal figure: left out by default
    markdown, _ = make_plan(chat, annex=True)
    maturity = markdown.split("### Autodiagnostic de maturité (usage interne)")[1].split("###")[0]
    assert "67/100" in maturity and "Intermédiaire" in maturity and "4 à 5 axes" in maturity


def test_every_faq_pointer_in_the_advice_is_answered(matcher):
    data = yaml.safe_load(PROFILES_FILE.read_text(encoding="utf-8"))
    texts = [a for p in data["profiles"] for a in p["first"]] + list(data["weak_rubric"].values())
    questions = {q for t in texts for q in re.findall(r"/faq ([^)]+)\)", t)}
    assert questions
    for question in questions:
        assert matcher.decide(question).kind == "answered", question


@pytest.mark.parametrize(
    "query, expected",
    [("nantes", "Nantes Métropole et Ville de Nantes"), ("ile et vilaine", "Département d'Ille-et-Vilaine"),
     ("grand lyon", "Métropole de Lyon (Grand Lyon)"), ("strasbourg", "Eurométropole de Strasbourg"),
     ("bordeau metropole", "Bordeaux Métropole"), ("SEDIF", "SEDIF (Syndicat des eaux d'Île-de-France)")],
)
def test_name_search_finds_the_structure(query, expected):
    matches, _ = search(query)
    assert matches and matches[0].name == expected


def test_a_question_on_a_named_scheme_offers_its_card_from_the_directory(chat):
    """« Où trouver le SPASER de la Ville de Lyon ? » gets the base's answer and the directory's card."""
    text = chat.say("Où trouver le SPASER de la Ville de Lyon ?")
    assert "annuaire des SPASER publiés" in text
    assert "🔎 Ville de Lyon" in chat.labels
    card = chat.press("🔎 Ville de Lyon")
    assert "Ville de Lyon" in card and "30 septembre 2021" in card
    # « d'Ille-et-Vilaine » after the elision, a name followed by more words
    chat.say("Combien de pages fait le SPASER d'Ille-et-Vilaine ?")
    assert "🔎 Département d'Ille-et-Vilaine" in chat.labels
    chat.say("le schéma de Nantes est-il en ligne ?")
    assert "🔎 Nantes Métropole et Ville de Nantes" in chat.labels
    # no structure named: no directory message
    for question in ("Combien de pages fait le SPASER de ma commune ?", "le spaser des régions ?",
                     "Qu'est-ce qu'un schéma de promotion des achats socialement et écologiquement responsables ?"):
        assert "annuaire des SPASER publiés" not in chat.say(question), question


def test_an_unknown_structure_is_honestly_not_in_the_list_with_closest_names(chat):
    text = chat.say("/exemples Bordo")
    assert "ne figure pas dans ma liste" in text and "Noms proches" in text
    assert any("Bordeaux" in label for label in chat.labels)


def test_filters_by_type_and_region_and_like_mine(chat):
    chat.say("/exemples")
    assert "Région Bretagne" in chat.press("Région")
    chat.say("/exemples")
    chat.press("Par région")
    text = chat.press("Bretagne")
    assert "Département d'Ille-et-Vilaine" in text and "Région Bretagne" in text and "Lyon" not in text
    chat.say("/exemples")
    assert "remplissez votre profil" in chat.press("Comme le mien")
    fill_profile(chat)  # a commune in Bretagne
    chat.say("/exemples")
    text = chat.press("Comme le mien")
    names = [label for label in chat.labels]
    assert names[0] in ("Ville de Lyon", "Ville de Paris", "Ville de Saint-Denis", "Nantes Métropole et Ville de Nantes")
    assert "Région Bretagne" not in names  # a région is not like a commune
    assert "\n   pourquoi : même type de structure" in text and "\n• Ville de" in text
    chat.press("Ville de Paris")
    assert "Idée.Paris" in chat.text and "Source" in chat.text
    assert "Où le lire" in chat.text and "achats-durables.gouv.fr" in chat.text


@pytest.mark.parametrize("query", ["nouvelle aquitaine", "Nouvelle-Aquitaine", "NOUVELLE AQUITAINE"])
def test_a_region_name_lists_the_region(chat, query):
    text = chat.say(f"/exemples {query}")
    assert all(f"\n• {name} (" in text for name in ("Bordeaux Métropole", "Région Nouvelle-Aquitaine"))  # a line each
    assert "Département de la Gironde" in text and "Occitanie" not in text


def test_a_kind_of_structure_lists_it_and_a_joint_schema_belongs_to_both(chat):
    communes = chat.say("/exemples communes")
    assert "Ville de Lyon" in communes and "Nantes Métropole et Ville de Nantes" in communes
    assert "Nantes Métropole et Ville de Nantes" in chat.say("/exemples métropole")


@pytest.mark.parametrize("query", ["poitiers", "rennes", "marseille"])
def test_a_name_with_no_match_says_so_without_an_unrelated_suggestion(chat, query):
    text = chat.say(f"/exemples {query}")
    assert "ne figure pas dans ma liste" in text and "Aucun nom proche" in text and "Noms proches" not in text
    assert not any(label.startswith(("Région", "Ville", "Métropole", "Département")) for label in chat.labels)


def test_like_mine_ranks_type_and_region_then_type_then_similar_purchases():
    from knowledge.examples import like

    shown = like("commune", "nouvelle_aquitaine", 120)
    names = [e.name for e, _ in shown]
    assert names[:2] == ["Ville de Lyon", "Nantes Métropole et Ville de Nantes"]  # same type, nearest purchases first
    assert not any(e.region == "nouvelle_aquitaine" and "commune" not in e.types for e, _ in shown[:4])
    reasons = dict((e.name, why) for e, why in shown)
    assert reasons["Département du Puy-de-Dôme"].startswith("achats comparables ; 106 M€")
    metropole = like("metropole", "pdl", None)
    assert metropole[0] == (metropole[0][0], "même type de structure et même région")
    assert metropole[0][0].name == "Nantes Métropole et Ville de Nantes"


def test_the_examples_file_matches_facts_and_is_checked(tmp_path):
    assert len(load_examples()) == 21
    broken = tmp_path / "examples.yaml"
    broken.write_text(EXAMPLES_FILE.read_text(encoding="utf-8").replace("type: commune", "type: village", 1), encoding="utf-8")
    problems = check_examples({"commune", "metropole", "departement", "region", "etablissement_public"},
                              {"ara", "idf", "bretagne"}, broken)
    assert any("type « village »" in p for p in problems)


def test_long_labels_are_whole_in_the_console_and_cut_for_telegram(assistant):
    import io

    from bot.console import Console
    from bot.replies import Event
    from bot.telegram.markup import keyboard as _keyboard

    long = next(e for e in assistant.services.kb.entries if len(e.question) > 70)
    replies = assistant.handle(Event(user_id=0, chat_id=0, capabilities=CONSOLE, address="", payload=f"topic:{long.topic}"))
    out = io.StringIO()
    Console(assistant, out).show(replies)
    assert f"] {long.question}\n" in out.getvalue()  # the button, whole
    labels = [b["text"] for r in replies for row in _keyboard(r)["inline_keyboard"] for b in row]
    assert long.question not in labels and all(len(label) <= 60 for label in labels)
