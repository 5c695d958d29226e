"""What the screens say matches what happens: the next command named, the real audience, advice for this workspace."""

from __future__ import annotations

from bot.console import CONSOLE
from bot.replies import Event
from tests.support.chat import Chat
from tests.support.workspace import add_actor, answer_diagnostic


def test_cancelling_an_addition_names_the_way_back_to_it(chat):
    chat.say("/cartographie")
    chat.press("Ajouter un")
    chat.press("Facilitateur des clauses sociales")
    text = chat.say("/annuler")
    assert "/cartographie, puis « ➕ Ajouter un acteur » pour reprendre" in text


def test_the_export_message_names_how_to_import_on_each_channel(assistant, chat):
    add_actor(chat, "CRESS Bretagne")
    chat.say("/cartographie")
    assert "envoyez-le simplement dans cette conversation" in chat.press("CSV") and "/importer" in chat.text
    console = Chat(assistant, 0)
    console._send = lambda **kw: _console_send(assistant, console, **kw)
    add_actor(console, "Mairie")
    console.say("/cartographie")
    assert "/importer suivi du chemin du fichier" in console.press("CSV")


def _console_send(assistant, chat, **kwargs):
    chat.replies = assistant.handle(Event(user_id=0, chat_id=0, display_name="moi", capabilities=CONSOLE, address="", **kwargs))
    return chat.text


def test_send_now_says_when_nobody_can_receive_it_and_who_sends_from_the_console(make_assistant):
    assistant = make_assistant()
    store = assistant.services.storage.announcements
    broadcast_id = store.create(0, "ressource", "Guide", "Texte", ["ressources"], link="https://example.org")
    console = Chat(assistant, 0)
    console._send = lambda **kw: _console_send(assistant, console, **kw)
    text = console.press_payload(f"bc:go:{broadcast_id}")
    assert "personne ne la recevra" in text and "en cours d'envoi" not in text
    assistant.services.storage.users.touch(5, "Abonnée", "fr")
    store.subscribe(5, ["ressources"])
    other = store.create(0, "ressource", "Guide 2", "Texte", ["ressources"], link="https://example.org")
    text = console.press_payload(f"bc:go:{other}")
    assert "1 abonné" in text and "spaser-bot run" in text


def test_the_diagnostic_does_not_ask_to_map_actors_already_mapped(chat):
    first = answer_diagnostic(chat, 1)
    assert "(/cartographie)" in first and "déjà cartographié" not in first
    for name in ("A", "B", "C"):
        add_actor(chat, f"Structure {name}")
    again = answer_diagnostic(chat, 1)
    assert "Vous avez déjà cartographié 3 acteurs" in again
    assert "Repérer vos premiers partenaires" not in again


def test_stats_and_my_data_count_questions_the_same_way(make_assistant):
    from storage.stats import compute

    assistant = make_assistant(admins=(42,))
    chat = Chat(assistant, 42)
    chat.say("combien de pages fait un spaser ?")
    chat.say("qui doit adopter un spaser ?")
    chat.say("/faq")
    chat.press(assistant.services.kb.topics[0].label)
    chat.press(assistant.services.kb.entries_of(assistant.services.kb.topics[0].id)[0].question[:30])
    assert compute(assistant.services.storage.db).questions == 2
    assert "Questions : 2 —" in chat.say("/stats")
    assert "questions posées : 2 ; réponses ouvertes d'un bouton : 1" in chat.say("/mesdonnees")


def test_an_unanswered_question_attaches_to_any_entry_found_by_search(make_assistant):
    assistant = make_assistant(admins=(1,))
    Chat(assistant, 21).say("quelle est la capitale de l'australie")
    admin = Chat(assistant, 1)
    admin.say("/nonrepondues")
    text = admin.press("australie")
    assert "Aucune entrée de la base n'en est proche" in text
    assert not any(label.startswith("➕") for label in admin.labels)  # no « nearest entry » that is not near
    admin.press("Chercher une autre entrée")
    assert "Quels mots chercher" in admin.text
    text = admin.say("marchés réservés")
    assert "Entrées trouvées pour « marchés réservés »" in text
    attach = [label for label in admin.labels if label.startswith("➕")]
    assert attach and len(attach) <= 8
    admin.press(attach[0])
    assert "est désormais une reformulation" in admin.text
    entry = next(e for e in assistant.services.kb.entries if f"➕ {e.question}" == attach[0])
    assert "quelle est la capitale de l'australie" in assistant.services.storage.review.variants().get(entry.id, [])


def test_the_privacy_notice_never_shows_placeholders(make_assistant, event):
    import dataclasses

    from bot.config import PrivacySettings

    assistant = make_assistant()
    text = " ".join(r.html for r in assistant.handle(event(command="confidentialite")))
    assert "dpo@exemple.fr" not in text and "Nom de la structure" not in text
    assert "ne l'a pas encore indiqué" in text and "identifiant dans la messagerie" in text
    copied = PrivacySettings(controller="Nom de la structure responsable du traitement", contact="dpo@exemple.fr")
    assert copied.unset() == ["privacy.controller", "privacy.contact"]  # the example's values are not real ones
    filled = make_assistant(privacy=dataclasses.replace(copied, controller="Ville de Groix", contact="dpo@groix.fr"))
    text = " ".join(r.html for r in filled.handle(event(command="confidentialite")))
    assert "Ville de Groix" in text and "dpo@groix.fr" in text
    console = " ".join(r.html for r in filled.handle(Event(user_id=0, chat_id=0, capabilities=CONSOLE, address="", command="confidentialite")))
    assert "Telegram" not in console and "session de la console" in console
