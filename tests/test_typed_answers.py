"""What a person types in a dialog means what they meant, and nothing wrong is stored silently.

Typed text goes through the conversation core as in Telegram (no console
numbering): the engine itself resolves numbers and labels against the buttons
of the step on screen.
"""

from __future__ import annotations

import time

import pytest
from tests.support.chat import Chat



def answers_of(assistant, user_id=42) -> dict:
    session = assistant.engine.sessions.active(user_id)
    return assistant.engine.sessions.answers(session.id)


def test_number_and_near_miss_labels_choose_buttons(assistant, chat):
    chat.say("/profil")
    assert "Enregistré" in chat.say("comune")  # a typo for « Commune »
    chat.say("Ville de Poitiers")
    text = chat.say("nouvelle aquitaine")  # no hyphen
    assert "Nouvelle-Aquitaine" in text and "Enregistré" in text
    assert answers_of(assistant)["structure_type"] == "commune"
    assert answers_of(assistant)["region"] == "nouvelle_aquitaine"
    assert assistant.services.storage.questions.questions_of(42) == []  # nothing went to the FAQ


def test_every_typed_answer_is_echoed_in_its_stored_form(chat):
    chat.say("/profil")
    chat.say("1")
    assert "Enregistré — Nom de la structure : <b>" not in chat.say("Ville de Quimper")  # plain text here
    assert "Enregistré" in chat.text and "Ville de Quimper" in chat.text
    chat.say("Bretagne")
    text = chat.say("120")
    assert "Enregistré" in text and "120 M€ HT" in text


def test_a_number_that_could_be_a_button_at_a_numeric_step_asks_which_was_meant(assistant, chat):
    chat.say("/profil")
    for typed in ("Commune", "Ville de Quimper", "Bretagne", "120", "Non, aucun", "2026", "2030", "/passer"):
        chat.say(typed)
    chat.press("Achats annuels")  # edit the purchases from the summary: « Garder la réponse actuelle » is button 1
    text = chat.say("1")
    assert "voulez-vous enregistrer 1 M€ HT" in text
    assert answers_of(assistant)["purchases_meur"] == 120  # nothing stored yet
    assert "récapitulatif" in chat.say("2")  # « 2 » counts the buttons of that question: keep
    assert answers_of(assistant)["purchases_meur"] == 120
    chat.press("Achats annuels")
    chat.say("1")
    chat.say("1")  # « Enregistrer 1 M€ HT », chosen knowingly
    assert answers_of(assistant)["purchases_meur"] == 1


def test_a_free_text_step_with_examples_takes_a_number_as_the_example(assistant, chat):
    chat.say("/indicateurs")
    chat.press("Ajouter un")
    chat.say("Social")
    for _ in range(4):
        chat.say("/passer")  # sub-theme, schemes, objective, link
    text = chat.say("2")
    assert "j'ai retenu l'exemple 2" in text and "Nombre d'heures d'insertion" in text
    assert answers_of(assistant)["indicator"] == "Nombre d'heures d'insertion"


def test_a_small_number_at_a_free_text_step_is_an_answer_not_a_navigation_button(assistant, chat):
    chat.say("/profil")
    chat.say("Commune")
    chat.say("3")  # a name, oddly, but never « Annuler »
    assert assistant.engine.sessions.active(42) is not None
    assert answers_of(assistant)["name"] == "3"


def test_several_numbers_at_a_multiple_choice_do_what_each_would(assistant, chat):
    chat.say("/plan")
    before = list(answers_of(assistant)["axes"])
    chat.say("6,7")
    after = list(answers_of(assistant)["axes"])
    chat.say("6")
    chat.say("7")
    assert list(answers_of(assistant)["axes"]) == before
    assert after != before


def test_yes_words_answer_a_yes_no_confirmation(assistant, chat):
    chat.say("combien de pages fait un spaser ?")
    chat.say("/oublier")
    chat.say("oui")
    assert assistant.services.storage.users.get(42) is None


def test_an_end_year_before_the_start_year_is_refused_at_the_step(assistant, chat):
    chat.say("/profil")
    for typed in ("Commune", "Ville de Quimper", "Bretagne", "120", "Non, aucun", "2030"):
        chat.say(typed)
    text = chat.say("2026")
    assert "avant de commencer" in text and "period_end" not in answers_of(assistant)


def test_emoji_only_is_not_a_name(assistant, chat):
    chat.say("/profil")
    chat.say("Commune")
    assert "au moins un mot" in chat.say("🙂🙂")
    assert "name" not in answers_of(assistant)


def test_after_a_restart_a_greeting_is_not_taken_as_an_answer(make_assistant):
    first = make_assistant()
    chat = Chat(first, 42)
    chat.say("/indicateurs")
    chat.press("Ajouter un")
    chat.say("Social")
    time.sleep(1.1)  # the bot comes back at least a second after the last step
    restarted = make_assistant()
    chat = Chat(restarted, 42)
    text = chat.say("bonjour")
    assert "Vous étiez en train de remplir" in text
    assert "sub_theme" not in answers_of(restarted)
    chat.say("Clauses d'insertion")
    assert answers_of(restarted)["sub_theme"] == "Clauses d'insertion"


def _typed_at(assistant, text: str, sent_at):
    """A message as Telegram hands it over, with the date it was sent."""
    from bot.replies import Event
    from bot.telegram import TELEGRAM

    event = Event(user_id=42, chat_id=42, text=text, event_id=f"typed-{text}-{sent_at}", capabilities=TELEGRAM,
                  sent_at=sent_at)
    return "\n".join(r.html for r in assistant.handle(event))


def test_an_answer_typed_right_after_the_step_is_taken_even_if_the_bot_restarted_meanwhile(make_assistant):
    from domain import clock

    first = make_assistant()
    chat = Chat(first, 42)
    chat.say("/profil")
    chat.say("Commune")
    time.sleep(1.1)  # the bot comes back at least a second after the step was shown
    restarted = make_assistant()
    text = _typed_at(restarted, "Ville de Groix", clock.now())
    assert "Vous étiez en train de remplir" not in text and "Dans quelle région" in text
    assert answers_of(restarted)["name"] == "Ville de Groix"


def test_a_message_typed_long_after_the_step_recalls_it(make_assistant):
    from datetime import timedelta

    from domain import clock

    assistant = make_assistant()
    chat = Chat(assistant, 42)
    chat.say("/profil")
    chat.say("Commune")
    text = _typed_at(assistant, "Ville de Groix", clock.now() + timedelta(minutes=40))
    assert "Vous étiez en train de remplir" in text
    assert "name" not in answers_of(assistant)


def test_a_question_in_a_dialog_goes_to_the_faq_only_when_clearly_one(assistant, chat):
    chat.say("/profil")
    text = chat.say("combien de pages fait un spaser ?")
    assert "trentaine" in text and "Quel type de structure représentez-vous" in text
    chat.say("Commune")
    chat.say("Comment associer les acteurs.")  # a name, if odd: stays an answer
    assert answers_of(assistant)["name"] == "Comment associer les acteurs."


def _steps():
    from dialogs.definitions import load_dialogs

    for dialog in load_dialogs().values():
        for step in dialog.steps:
            yield pytest.param(dialog.id, step.id, id=f"{dialog.id}.{step.id}")


def _typo(label: str) -> str:
    """The label as typed in a hurry: lower case, no accents or hyphens, one letter dropped."""
    from domain.text import fold

    text = fold(label).replace("-", " ")
    middle = len(text) // 2
    return text[:middle] + text[middle + 1:] if len(text) > 8 else text


@pytest.mark.parametrize("dialog_id, step_id", list(_steps()))
def test_every_step_of_every_dialog_reads_typed_input_as_meant(make_assistant, event, dialog_id, step_id):
    """Derived from the dialog files: each step kind takes what a person would type, and refuses the rest."""
    assistant = make_assistant(admins=(42,))
    engine = assistant.engine
    dialog = assistant.services.dialogs[dialog_id]
    step = dialog.step(step_id)
    session = engine.sessions.start(42, None, dialog_id, step_id, None, {})

    def typed(text):
        current = engine.sessions.get(session.id)
        return engine.on_text(event(text), current, text)

    def stored():
        return engine.sessions.answers(session.id).get(step_id)

    if step.kind == "choice":
        typed("1")
        assert stored() == step.choices[0].value
        engine.sessions.move(engine.sessions.get(session.id), step_id)
        typed(_typo(step.choices[-1].label))
        assert stored() == step.choices[-1].value
    elif step.kind == "multi":
        typed("1")
        one = list(stored() or [])
        typed("1")
        assert list(stored() or []) != one  # toggled back
        if len(step.choices) >= 2:
            typed("1,2")
            assert set(stored() or []) >= {step.choices[0].value, step.choices[1].value} or stored() == []
    elif step.kind == "yesno":
        typed("oui")
        after = engine.sessions.get(session.id)
        assert stored() is True or after is None or after.status != "active"  # a last step completes the dialog
    elif step.kind == "number":
        low = step.min if step.min is not None else 0
        value = int(low) + 1 if step.max is None or low + 1 <= step.max else int(low)
        replies = typed(str(value))
        assert stored() == value and "Enregistré" in replies[0].html
    elif step.kind in ("text", "list"):
        replies = typed("🙂🙂")
        assert "au moins un mot" in replies[0].html and stored() in (None, [])
        sample = {"contact": "contact@exemple.fr", "url": "https://www.exemple.fr"}.get(step.validate, "Réponse de test 42")
        replies = typed(sample)
        hooks = engine.hooks.get(dialog_id)
        if stored() is None and hooks is not None and hooks.check is not None:
            assert "⚠️" in replies[0].html  # refused by the dialog's own check, and said so
        else:
            assert stored() in (sample, [sample])
    elif step.kind in ("date", "datetime"):
        replies = typed("bonjour")
        assert stored() is None and replies is not None
    else:  # a new kind must get its own case here
        pytest.fail(f"step kind {step.kind!r} has no typed-input test")


@pytest.mark.parametrize("greeting", ["bonjour", "Merci !", "salut"])
def test_a_greeting_is_never_stored_as_an_answer(assistant, chat, greeting):
    chat.say("/indicateurs")
    chat.press("Ajouter un")
    chat.say("Social")
    assert "Vous étiez en train de remplir" in chat.say(greeting)
    assert "sub_theme" not in answers_of(assistant)
