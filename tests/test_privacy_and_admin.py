"""Personal data rights, retention, and the animators' tools."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from storage.retention import Retention
from tests.support.chat import Chat
from tests.support.workspace import add_actor, answer_diagnostic, fill_profile, make_plan

GONE = 987654321  # an id no row can hold by chance
ROOT = Path(__file__).resolve().parents[1]


def rich_history(assistant, user_id=GONE) -> Chat:
    chat = Chat(assistant, user_id, "Dominique")
    fill_profile(chat)
    add_actor(chat, "CRESS Bretagne")
    answer_diagnostic(chat, 2)
    make_plan(chat)
    chat.say("combien de pages fait un spaser ?")
    chat.press("Oui")  # 👍
    chat.say("quelle est la capitale de l'australie")
    chat.say("/inviter")
    chat.say("/profil")  # an unfinished dialog
    chat.say("/annuler")
    store = assistant.services.storage.announcements
    store.subscribe(user_id, ["webinaires"])
    authored = store.create(user_id, "ressource", "Guide", "Texte", ["webinaires"], status="queued", scheduled_at="2000")
    store.start(store.get(authored))  # a delivery row for them (they are a subscriber)
    store.add_reminders(authored, user_id, [("veille", "2100-01-01T00:00:00+00:00")])
    return chat


def tables_holding(db, value: int) -> list[str]:
    found = []
    for table in db.table_names():
        for column in db[table].columns:
            if db.execute(f'SELECT COUNT(*) FROM "{table}" WHERE "{column.name}" = ?', [value]).fetchone()[0]:
                found.append(f"{table}.{column.name}")
    return found


def test_my_data_sends_everything_as_json_and_a_summary(assistant):
    chat = rich_history(assistant)
    text = chat.say("/mesdonnees")
    assert "questions posées : 2" in text and "autodiagnostics : 1" in text
    data = json.loads(chat.documents[0].content)
    assert data["compte"][0]["id"] == GONE
    assert data["espaces"][0]["name"] == "Ville de Quimper"
    assert [a["name"] for a in data["acteurs_ajoutes"]] == ["CRESS Bretagne"]
    assert {q["text"] for q in data["questions"]} >= {"combien de pages fait un spaser ?"}
    assert data["avis"][0]["helpful"] == 1
    assert data["abonnements"][0]["topics"] == "webinaires" and len(data["envois_recus"]) == 1
    assert any(s["dialog"] == "profil" and s["answers"] for s in data["dialogues"])


def test_forget_erases_every_row_about_the_person(assistant):
    chat = rich_history(assistant)
    chat.say("/oublier")
    assert "Effacer définitivement" in chat.text
    assert "Rien n'a été effacé" in chat.press("Non")
    assert tables_holding(assistant.services.storage.db, GONE)
    chat.say("/oublier")
    assert "vos données sont effacées" in chat.press("Oui").lower()
    assert tables_holding(assistant.services.storage.db, GONE) == []
    assert assistant.services.storage.db.execute("SELECT COUNT(*) FROM workspaces").fetchone()[0] == 0
    broadcast = assistant.services.storage.announcements.recent()[0]
    assert broadcast.author_id is None and broadcast.title == "Guide"  # the broadcast stays, unsigned


def test_in_a_shared_workspace_what_they_added_stays_as_membre_parti(make_assistant):
    assistant = make_assistant()
    lead = rich_history(assistant)
    colleague = Chat(assistant, 5, "Sam")
    code = lead.say("/inviter").split("/rejoindre ")[1].split()[0]
    colleague.say(f"/rejoindre {code}")
    lead.say("/oublier")
    lead.press("Oui")
    assert tables_holding(assistant.services.storage.db, GONE) == []
    colleague.say("/cartographie")
    colleague.press("CRESS Bretagne")
    assert "Ajouté par membre parti" in colleague.text
    assert assistant.services.storage.workspaces.of_user(5).role == "creator"


def test_retention_purges_old_questions_and_warns_then_erases_silent_accounts(assistant, clock):
    storage = assistant.services.storage
    clock.advance(days=-400)  # someone asked once, long ago, and never came back
    Chat(assistant, 11).say("combien de pages fait un spaser ?")
    now = clock.advance(days=400)
    Chat(assistant, 12).say("qui doit adopter un spaser ?")
    retention = Retention(storage.db, 365)
    assert retention.purge_logs(now) == 2  # the old question, and the record that its message was applied
    assert [r["user_id"] for r in storage.db.query("SELECT user_id FROM questions")] == [12]
    assert retention.to_notify(now) == [11]
    retention.mark_notified(11, now)
    assert retention.to_notify(now) == []
    assert retention.erase_overdue(now + timedelta(days=10)) == []
    assert retention.erase_overdue(now + timedelta(days=31)) == [11]
    assert storage.users.get(11) is None and storage.users.get(12) is not None


def test_coming_back_cancels_the_erasure(assistant, clock):
    storage = assistant.services.storage
    clock.advance(days=-400)
    Chat(assistant, 13).say("/start")
    now = clock.advance(days=400)
    retention = Retention(storage.db, 365)
    retention.mark_notified(13, now - timedelta(days=31))
    Chat(assistant, 13).say("/start")  # they come back
    assert retention.erase_overdue(now) == [] and storage.users.get(13) is not None


@pytest.fixture
def admin_assistant(make_assistant):
    return make_assistant(admins=(1,))


def test_admin_commands_refuse_non_admins_politely(admin_assistant):
    stranger = Chat(admin_assistant, 2)
    for command in ("/nonrepondues", "/recharger", "/stats"):
        text = stranger.say(command)
        assert "n'est pas disponible" in text and "animateur" not in text
    assert "/stats" not in stranger.say("/aide")
    assert "/stats" in Chat(admin_assistant, 1).say("/aide")
    Chat(admin_assistant, 1).say("/nonrepondues")
    assert "n'est pas disponible" in stranger.press_payload("nr:x:1")


def test_unanswered_grouped_attached_and_then_answered(admin_assistant):
    users = [Chat(admin_assistant, n) for n in (21, 22, 23)]
    question = "le spaser coute t il cher a la collectivite"
    assert admin_assistant.services.matcher.decide(question).kind != "answered"
    users[0].say(question)
    users[1].say("Le SPASER coûte-t-il cher à la collectivité ?")
    users[2].say("quelle est la capitale de l'australie")
    admin = Chat(admin_assistant, 1)
    text = admin.say("/nonrepondues")
    assert "2 fois" in text
    admin.press("cher à la collectivité")
    admin.press_payload(next(b.payload for r in admin.replies for row in r.buttons for b in row if b.payload.startswith("nr:a:")))
    assert "est désormais une reformulation" in admin.text
    assert admin_assistant.services.matcher.decide(question).kind == "answered"
    assert "cher à la collectivité" not in admin.say("/nonrepondues")  # handled
    admin.press("australie")
    admin.press("Écarter")
    assert "Aucune question en attente" in admin.say("/nonrepondues")


def test_attached_paraphrases_survive_restart_and_reach_ask_and_export(make_assistant, tmp_path, monkeypatch):
    assistant = make_assistant(admins=(1,))
    question = "le spaser coute t il cher a la collectivite"
    Chat(assistant, 21).say(question)
    admin = Chat(assistant, 1)
    admin.say("/nonrepondues")
    admin.press("cher a la collectivite")
    attach = next(b.payload for r in admin.replies for row in r.buttons for b in row if b.payload.startswith("nr:a:"))
    entry_id = attach.rsplit(":", 1)[1]
    admin.press_payload(attach)
    db_path = assistant.services.settings.storage.path
    config = tmp_path / "config.yaml"
    config.write_text(f"storage:\n  path: {db_path}\n", encoding="utf-8")
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-m", "bot.cli", "ask", "--json", "--config", str(config), question],
                            capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert json.loads(result.stdout)["answer_id"] == entry_id
    # export-variants into a copy of the knowledge folder: only the new line is added
    import shutil

    from knowledge.loader import KNOWLEDGE_DIR, load_knowledge
    from knowledge.variants_export import export_variants

    copy = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, copy, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    before = {p.name: p.read_text(encoding="utf-8").splitlines() for p in (copy / "faq").glob("*.yaml")}
    written, missing = export_variants(assistant.services.storage.review.variants(), copy)
    assert written == [entry_id] and missing == []
    after = {p.name: p.read_text(encoding="utf-8").splitlines() for p in (copy / "faq").glob("*.yaml")}
    changed = [name for name in before if before[name] != after[name]]
    assert len(changed) == 1
    added = [line for line in after[changed[0]] if line not in before[changed[0]]]
    assert len(added) == 1 and question in added[0]
    assert len(after[changed[0]]) == len(before[changed[0]]) + 1
    assert question in load_knowledge(copy).get(entry_id).variants


def test_reload_keeps_the_old_base_when_the_files_are_broken(admin_assistant, monkeypatch):
    admin = Chat(admin_assistant, 1)
    assert "Base rechargée" in admin.say("/recharger")
    import bot.features.admin as admin_module

    monkeypatch.setattr(admin_module, "check_knowledge", lambda: (["knowledge/faq/x.yaml : YAML invalide"], ""))
    old = admin_assistant.services.kb
    text = admin.say("/recharger")
    assert "n'a pas été rechargée" in text and "YAML invalide" in text
    assert admin_assistant.services.kb is old


def test_stats_match_a_scripted_history(admin_assistant):
    chats = [Chat(admin_assistant, n) for n in (31, 32, 33)]
    chats[0].say("combien de pages fait un spaser ?")
    chats[0].press("Oui")
    chats[1].say("combien de pages fait un spaser ?")
    chats[1].press("Non")
    chats[2].say("quelle est la capitale de l'australie")
    chats[2].say("/profil")
    chats[2].say("/annuler")
    text = Chat(admin_assistant, 1).say("/stats")
    assert "Utilisateurs : 4" in text  # three users and the admin
    assert "Questions : 3" in text and "répondues 67 %" in text and "non couvertes 33 %" in text
    assert "👍 1 · 👎 1" in text
    assert "Combien de pages" in text
    assert "Mon profil : 1 / 0 / 1" in text


def test_a_paraphrase_taken_from_a_question_is_the_askers_data_until_rewritten(make_assistant, tmp_path):
    assistant = make_assistant(admins=(1,))
    storage = assistant.services.storage
    asker, other = Chat(assistant, 31), Chat(assistant, 32)
    mine = "Marie Dupont de Trifouilly demande si le spaser coûte cher à la commune"
    theirs = "est ce que ca coute cher de faire un spaser"
    asker.say(mine)
    other.say(theirs)
    admin = Chat(assistant, 1)
    for text in ("Trifouilly", "ca coute cher"):
        admin.say("/nonrepondues")
        admin.press(text)
        admin.press("Chercher une autre entrée")  # an entry by its words, near or not
        admin.say("adoption du spaser par l'assemblée délibérante")
        admin.press_payload(next(b.payload for r in admin.replies for row in r.buttons for b in row if b.payload.startswith("nr:a:")))
    # /mesdonnees lists the question kept in the base
    asker.say("/mesdonnees")
    data = json.loads(asker.documents[-1].content)
    assert [v["text"] for v in data["questions_reprises_dans_la_base"]] == [mine]
    # the animator rewrites the other one: it is no longer that person's words
    admin.press_payload(next(b.payload for r in admin.replies for row in r.buttons for b in row if b.payload.startswith("nr:e:")))
    admin.say("le spaser doit-il être voté par l'assemblée délibérante")
    assert "Reformulation enregistrée" in admin.text
    # only rewritten paraphrases may be written into the base's files
    assert [t for ts in storage.review.variants(only_new=True).values() for t in ts] == ["le spaser doit-il être voté par l'assemblée délibérante"]
    # both people erase their data: the unedited paraphrase goes, the rewritten one stays
    for person in (asker, other):
        person.say("/oublier")
        person.press("Oui")
    texts = [t for ts in storage.review.variants().values() for t in ts]
    assert mine not in texts and "le spaser doit-il être voté par l'assemblée délibérante" in texts
    assert not any("trifouilly" in p.text for d in assistant.services.matcher.docs for p in d.phrasings)
    assert storage.db.execute("PRAGMA secure_delete").fetchone()[0] == 1
    wal = Path(str(assistant.services.settings.storage.path) + "-wal")
    assert not wal.exists() or b"Trifouilly" not in wal.read_bytes()
    assert b"Trifouilly" not in Path(assistant.services.settings.storage.path).read_bytes()


def test_an_animator_mutes_and_unmutes_an_abusive_user_who_keeps_their_rights(admin_assistant):
    admin, abuser = Chat(admin_assistant, 1), Chat(admin_assistant, 66)
    abuser.say("bonjour")
    assert "ignorés" in admin.say("/muet 66")
    assert "ne sont plus traités" in abuser.say("combien de pages fait un spaser ?")
    assert admin_assistant.services.storage.questions.questions_of(66) == []
    abuser.say("/mesdonnees")
    assert abuser.documents  # rights stay
    assert "animateur" in admin.say("/muet 1")
    assert "Usage" in admin.say("/muet quelqu'un")
    assert "de nouveau" in admin.say("/muet -66")
    assert "trentaine" in abuser.say("combien de pages fait un spaser ?")
    assert "pas disponible" in abuser.say("/muet 1")  # the same neutral refusal as every admin command


def test_a_muted_user_can_still_confirm_an_erasure(admin_assistant):
    admin, abuser = Chat(admin_assistant, 1), Chat(admin_assistant, 67)
    abuser.say("bonjour")
    admin.say("/muet 67")
    abuser.say("/oublier")
    abuser.say("oui")
    assert admin_assistant.services.storage.users.get(67) is None
