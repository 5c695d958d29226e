"""An event offered again is answered, never applied twice; an import never undoes a colleague's work."""

from __future__ import annotations

import csv
import io
from tests.support.chat import Chat
from tests.support.workspace import HEADER, add_actor



def _profile_to_start_year(chat: Chat) -> None:
    chat.say("/profil")
    chat.press("Commune")
    chat.say("Ville de Groix")
    chat.press("Bretagne")
    chat.say("80")
    chat.press("Non, aucun")


def test_a_typed_year_offered_again_is_not_stored_as_the_next_answer(assistant, chat):
    _profile_to_start_year(chat)
    first = chat.say("2026")
    assert "Jusqu'à quelle année" in first
    again = chat.offer_again()
    assert again == first  # the same answer as the first time
    session = assistant.engine.pending(42)
    answers = assistant.services.storage.dialogs.answers(session.id)
    assert answers["period_start"] == 2026 and "period_end" not in answers
    chat.say("2031")
    assert "SIRET" in chat.text  # the next step: the earlier one was not taken for it
    chat.say("/passer")
    assert any("Valider" in label for label in chat.labels)


def test_a_validation_offered_again_completes_the_dialog_once(assistant, chat):
    _profile_to_start_year(chat)
    chat.say("2026")
    chat.say("2031")
    chat.say("/passer")  # SIRET
    done = chat.press("Valider")
    assert chat.offer_again() == done
    db = assistant.services.storage.db
    assert db.execute("SELECT COUNT(*) FROM dialog_sessions WHERE status = 'completed'").fetchone()[0] == 1


def test_an_import_confirmation_offered_again_adds_the_rows_once(assistant, chat):
    assert "1 ligne à ajouter" in chat.send_file("x.csv", (HEADER + ";Élu·e;Mairie;;;Consultation;Autre;Social;\r\n").encode())
    chat.press("Importer")
    assert "1 ajout" in chat.text
    chat.offer_again()
    assert "1 ajout" in chat.text
    workspace = assistant.services.storage.workspaces.of_user(42).id
    assert [a.name for a in assistant.services.storage.actors.list(workspace)] == ["Mairie"]


def test_a_feedback_vote_or_a_question_offered_again_is_logged_once(assistant, chat):
    chat.say("combien de pages fait un spaser ?")
    chat.offer_again()
    db = assistant.services.storage.db
    assert db.execute("SELECT COUNT(*) FROM questions").fetchone()[0] == 1


def test_events_without_an_id_are_applied_each_time(assistant, event):
    # The console has no redelivery: what is typed twice was typed twice.
    assistant.handle(event("combien de pages fait un spaser ?"))
    assistant.handle(event("combien de pages fait un spaser ?"))
    assert assistant.services.storage.db.execute("SELECT COUNT(*) FROM questions").fetchone()[0] == 2


def test_an_erasure_keeps_no_reply_that_quotes_the_person(assistant, chat):
    chat.say("ma question très personnelle sur le spaser de Groix ?")
    chat.say("/oublier")
    chat.press("Oui")
    db = assistant.services.storage.db
    assert db.execute("SELECT COUNT(*) FROM applied_events WHERE user_id = 42").fetchone()[0] == 0
    assert "Groix" not in " ".join(r[0] for r in db.execute("SELECT replies FROM applied_events"))


# -- imports that respect colleagues ----------------------------------------------------


def _export(chat: Chat) -> list[list[str]]:
    chat.say("/cartographie")
    chat.press("CSV")
    return list(csv.reader(io.StringIO(chat.documents[0].content.decode("utf-8-sig")), delimiter=";"))


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def test_the_number_in_a_file_is_the_number_in_the_list(assistant, chat):
    for name in ("Zeta", "Alpha", "Mu"):
        add_actor(chat, name)
    rows = _export(chat)
    assert rows[0][0] == "N°" and rows[0][-1].startswith("Réf.")
    assert [(r[0], r[2]) for r in rows[1:]] == [("1", "Alpha"), ("2", "Mu"), ("3", "Zeta")]
    chat.say("/cartographie")
    assert "1. Alpha" in chat.text and "3. Zeta" in chat.text


def test_unchanged_rows_are_not_counted_as_updates(assistant, chat):
    for name in ("Alpha", "Mu"):
        add_actor(chat, name)
    rows = _export(chat)
    text = chat.send_file("carto.csv", _csv(rows))
    assert "Aucune différence" in text and "2 lignes identiques" in text
    rows[1][2] = "Alpha bis"
    text = chat.send_file("carto.csv", _csv(rows))
    assert "1 ligne à mettre à jour" in text and "1 ligne inchangée" in text


def test_a_file_without_the_number_column_is_refused_with_the_reason(assistant, chat):
    add_actor(chat, "Alpha")
    rows = [r[1:] for r in _export(chat)]
    text = chat.send_file("carto.csv", _csv(rows))
    assert "La colonne « N° » manque" in text and "Rien n'a été modifié" in text
    workspace = assistant.services.storage.workspaces.of_user(42).id
    assert len(assistant.services.storage.actors.list(workspace)) == 1


def test_a_numbered_row_that_lost_its_reference_is_not_added_twice(assistant, chat):
    add_actor(chat, "Alpha")
    rows = [r[:-1] for r in _export(chat)]  # the reference column deleted
    text = chat.send_file("carto.csv", _csv(rows))
    assert "sans sa référence" in text and "rien n'a été modifié" in text


def test_an_older_export_never_overwrites_a_colleagues_newer_edit_without_a_choice(make_assistant):
    assistant = make_assistant()
    me, colleague = Chat(assistant, 42), Chat(assistant, 43, "Dominique")
    add_actor(me, "CRESS Bretagne")
    me.say("/inviter")
    code = next(word for word in me.text.split() if word.isupper() and len(word) >= 6)
    colleague.say(f"/rejoindre {code}")
    old = _export(me)
    # The colleague renames the row after my export.
    workspace = assistant.services.storage.workspaces.of_user(42).id
    [row] = assistant.services.storage.actors.list(workspace)
    assistant.services.storage.actors.update(workspace, row.id, {**assistant.services.storage.actors.values(row), "name": "CRESS de Bretagne"})
    old[1][3] = "Réseau de l'ESS"  # I changed the description in my old copy
    text = me.send_file("carto.csv", _csv(old))
    assert "modifiée par un·e collègue" in text
    assert "votre fichier : « CRESS Bretagne » / actuellement : « CRESS de Bretagne »" in text
    assert "0 ligne à mettre à jour" in text
    me.press("garder l'actuel")
    [kept] = assistant.services.storage.actors.list(workspace)
    assert kept.name == "CRESS de Bretagne" and kept.description is None
    text = me.send_file("carto.csv", _csv(old))
    me.press("prendre mon fichier")
    [mine] = assistant.services.storage.actors.list(workspace)
    assert mine.name == "CRESS Bretagne" and mine.description == "Réseau de l'ESS"


def test_a_list_filled_meanwhile_keeps_the_new_row_in_an_open_dialog(assistant, chat, monkeypatch):
    import bot.features.workspace_lists

    add_actor(chat, "Alpha")
    chat.say("/cartographie")
    chat.press("Ajouter un")
    chat.press("Facilitateur des clauses sociales")
    chat.say("Beta")
    chat.say("/passer")
    chat.say("/passer")
    chat.press("Consultation")
    chat.press("Atelier de travail")
    chat.press("Social")
    chat.press("Valider la sélection")
    chat.say("/passer")
    monkeypatch.setitem(bot.features.workspace_lists.LIMITS, "a", 1)  # as if colleagues had filled the list meanwhile
    assert "ne peut pas compter plus de 1" in chat.press("Valider")
    session = assistant.engine.pending(42)
    assert session is not None and assistant.services.storage.dialogs.answers(session.id)["name"] == "Beta"
    monkeypatch.setitem(bot.features.workspace_lists.LIMITS, "a", 2)
    assert "Beta" in chat.press("Valider")
    assert assistant.engine.pending(42) is None
