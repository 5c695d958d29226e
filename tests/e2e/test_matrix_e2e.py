"""Tchap as an agent lives it: a real Synapse on loopback, the bot as `spaser-bot run --canal tchap`, and a
scripted Matrix client in an encrypted direct room — typing, tapping reactions, sending and receiving files."""

from __future__ import annotations

import itertools
import os
import re
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.support.matrix_agent import settle
from tests.support.synapse import environment_without_proxies, unavailable
from tests.support.tchap import ROOT, choices, fill_profile, last_text, meet, next_name, number_of, pick

REASON = unavailable()
pytestmark = pytest.mark.skipif(REASON is not None, reason=REASON or "")

@pytest.mark.slow
async def test_an_agent_in_an_encrypted_direct_room_asks_and_completes_the_profile_by_numbers_and_reactions(tchap):
    session = await tchap()
    agent = session.agent
    welcome = await meet(agent, session.bot_id)
    assert "Bonjour" in welcome.body and "!aide" in welcome.body and "/aide" not in welcome.body
    assert agent.room_id and agent.client.rooms[agent.room_id].encrypted and welcome.encrypted
    help_text = last_text(await agent.exchange("!aide"))
    assert "!profil" in help_text.body and "/profil" not in help_text.body
    assert "<br>" in (help_text.html or "")  # lines kept in the HTML Tchap shows
    answer = last_text(await agent.exchange("combien de pages fait un spaser ?"))
    assert "pages" in answer.body and answer.encrypted and "👍 Oui" in answer.body
    # The feedback is the client's own quick reaction (any skin tone); a 🎉 means nothing.
    start = len(agent.received)
    await agent.react(answer.event_id, "🎉")
    await agent.react(answer.event_id, "👍🏽")
    got = await agent.wait_for(lambda g: any(m.kind == "text" for m in g), after=start)
    [thanks] = [m for m in got if m.kind == "text"]
    assert thanks.body.startswith("Merci pour votre retour")
    assert session.query("SELECT helpful FROM feedback") == [(1,)]
    assert last_text(await agent.exchange("aide")).body.startswith("Ce que je sais faire")  # a bare word
    assert "1. ❓ Poser une question" in last_text(await agent.exchange("menu")).body
    start = len(agent.received)
    await agent.say("!mesdonnees")
    [export] = [m for m in await agent.wait_for(lambda g: any(m.kind == "file" for m in g), after=start)
                if m.kind == "file"]
    assert export.encrypted and b'"identites"' in await agent.download(export)

    done = await fill_profile(agent)
    assert "Le SPASER est obligatoire pour vous" in done.body
    [(name, purchases)] = session.query("SELECT name, purchases_meur FROM workspaces")
    assert (name, purchases) == ("Ville de Quimper", 72.5)
    # Choices are offered as reactions under the message that shows them; not under an answer,
    # whose feedback is one quick reaction away.
    menu = welcome
    assert agent.offered(menu)[:3] == ["1️⃣", "2️⃣", "3️⃣"]
    assert agent.offered(answer) == []
    # A reaction on a message whose step is over gets the polite refusal, nothing changes.
    old_step = next(m for m in agent.received if m.kind == "text" and "Quel type de structure" in m.body)
    stale = last_text(await agent.tap(old_step, number_of(old_step, "Intercommunalité")))
    assert "plus" in stale.body.lower()
    assert session.query("SELECT structure_type FROM workspaces") == [("commune",)]
    assert "Traceback" not in session.log()


@pytest.mark.slow
async def test_the_map_filled_by_reactions_then_the_plan_documents_arrive_encrypted(tchap):
    session = await tchap()
    agent = session.agent
    await meet(agent, session.bot_id)
    await fill_profile(agent, itertools.repeat("number"))
    lists = last_text(await agent.exchange("!cartographie"))
    step = await pick(agent, lists, "Ajouter un", "reaction")
    step = await pick(agent, step, "Facilitateur des clauses sociales", "reaction")
    step = last_text(await agent.exchange("Maison de l'emploi de Cornouaille"))
    step = last_text(await agent.exchange("!passer"))  # description
    step = last_text(await agent.exchange("!passer"))  # contact
    step = await pick(agent, step, "Consultation", "reaction")
    step = await pick(agent, step, "Atelier de travail", "reaction")
    selection = step
    edited = await pick(agent, selection, "Social", "reaction")  # a selection is built in place
    assert edited.kind == "edit" and edited.event.source["content"]["m.relates_to"]["event_id"] == selection.event_id
    step = await pick(agent, selection, "Valider la sélection", "reaction")
    step = last_text(await agent.exchange("!passer"))  # comment
    saved = await pick(agent, step, "Valider", "reaction")
    assert "Maison de l'emploi de Cornouaille" in saved.body
    assert session.query("SELECT name, themes FROM actors") == [("Maison de l'emploi de Cornouaille", "social")]

    axes = last_text(await agent.exchange("!plan"))
    step = await pick(agent, axes, "Valider la sélection", "number")
    step = last_text(await agent.exchange("!passer"))  # renames
    step = last_text(await agent.exchange("!passer"))  # moves
    summary = last_text(await agent.exchange("!passer"))  # the diagnostic annex
    start = len(agent.received)
    await agent.react(summary.event_id, "1️⃣" if number_of(summary, "Valider") == 1 else
                      "1️⃣ 2️⃣ 3️⃣ 4️⃣ 5️⃣ 6️⃣ 7️⃣ 8️⃣ 9️⃣ 🔟".split()[number_of(summary, "Valider") - 1])
    got = await agent.wait_for(lambda g: sum(m.kind == "file" for m in g) >= 2, timeout=60, after=start)
    assert any("Votre SPASER de départ est prêt" in m.body for m in got)
    files = {m.event.source["content"].get("filename", m.body): m for m in got if m.kind == "file"}
    docx = next(m for name, m in files.items() if name.endswith(".docx"))
    markdown = next(m for name, m in files.items() if name.endswith(".md"))
    assert docx.encrypted and "file" in docx.event.source["content"] or hasattr(docx.event, "key")
    assert (await agent.download(docx)).startswith(b"PK")
    assert "Ville de Quimper" in (await agent.download(markdown)).decode("utf-8")


@pytest.mark.slow
async def test_an_exported_grid_sent_back_in_the_room_is_read_as_an_import(tchap):
    session = await tchap()
    agent = session.agent
    await meet(agent, session.bot_id)
    lists = last_text(await agent.exchange("!cartographie"))
    assert "CSV" not in lists.body  # nothing to export yet
    from tests.support.workspace import HEADER

    data = (HEADER + ";Facilitateur des clauses sociales;Réseau Alliance Villes Emploi;;;Consultation;"
            "Atelier de travail;Social;\r\n").encode("utf-8")
    start = len(agent.received)
    await agent.send_file("cartographie.csv", data, "text/csv")
    preview = last_text(await agent.wait_for(lambda g: any(m.kind == "text" for m in g), after=start))
    assert "1 ligne à ajouter" in preview.body
    done = await pick(agent, preview, "Importer", "reaction")
    assert session.query("SELECT name FROM actors") == [("Réseau Alliance Villes Emploi",)], done.body


@pytest.mark.slow
@pytest.mark.parametrize("crash_at", ["event-committed", "event-answered"])
async def test_a_bot_killed_around_an_answer_resumes_without_applying_or_sending_it_twice(tchap, crash_at):
    session = await tchap()
    agent = session.agent
    await meet(agent, session.bot_id)
    step = last_text(await agent.exchange("!profil"))
    step = await pick(agent, step, "Commune", "reaction")
    # The answer is committed, then the bot dies before sending its reply (event-committed), or once it
    # is sent but before its reading position is saved (event-answered): the event is read again at the
    # next start. The name typed right after the step is still its answer after the restart.
    session.stop()
    session.start(SPASER_CRASH_AT=crash_at)
    await agent.say("Ville de Quimper")
    session.process.wait(60)
    assert session.process.returncode == 70, session.log()
    session.start()
    await agent.wait_for(lambda g: any("Enregistré — Nom : Ville de Quimper" in m.body for m in g),
                         after=len(agent.received) - 2, timeout=60)
    await settle(3)  # time for a second copy to arrive, if there were one
    await agent.sync(500)
    # Sent before the crash and again after it with the same transaction id, or sent once after it:
    # either way one copy.
    stored = [m for m in agent.received if m.kind == "text" and "Enregistré — Nom" in m.body]
    assert len(stored) == 1, [m.body[:60] for m in agent.received if m.kind == "text"]
    if crash_at == "event-answered":  # the event was indeed read and answered a second time
        assert "was already applied; its replies are sent now" in session.log()
    region = stored[0]
    assert "Dans quelle région" in region.body
    step = await pick(agent, region, "Bretagne", "number")
    assert "achats" in step.body.lower()
    [(name,)] = session.query("SELECT value FROM dialog_answers WHERE step = 'name'")
    assert "Ville de Quimper" in name
    applied = session.query("SELECT event_id, COUNT(*) FROM applied_events WHERE channel = 'matrix' GROUP BY event_id")
    assert applied and all(count == 1 for _, count in applied)


@pytest.mark.slow
async def test_a_person_typing_or_reading_does_not_wake_the_bot(tchap):
    session = await tchap()
    agent = session.agent
    welcome = await meet(agent, session.bot_id)
    await settle(0.5)
    before = session.homeserver.reads_by(session.bot_id)
    for _ in range(6):  # what a client sends while its user reads, types and pauses
        await agent.client.room_read_markers(agent.room_id, welcome.event_id, welcome.event_id)
        await agent.client.room_typing(agent.room_id, True, 5000)
        await settle(0.15)
        await agent.client.room_typing(agent.room_id, False)
        await settle(0.15)
    await settle(0.5)
    assert session.homeserver.reads_by(session.bot_id) - before <= 1, session.log()
    assert "pages" in last_text(await agent.exchange("combien de pages fait un spaser ?")).body


@pytest.mark.slow
async def test_an_invitation_from_a_server_not_allowed_is_declined(tchap):
    session = await tchap(allowed_domains=["agent.tchap.gouv.fr"])
    agent = session.agent
    from tests.support.matrix_agent import ENCRYPTION

    created = await agent.client.room_create(is_direct=True, invite=[session.bot_id], initial_state=[ENCRYPTION])
    deadline = time.monotonic() + 30
    left = False
    while time.monotonic() < deadline and not left:
        await agent.sync(500)
        room = agent.client.rooms.get(created.room_id)
        left = room is not None and session.bot_id not in room.users and session.bot_id not in room.invited_users
    assert left, session.log()
    assert session.query("SELECT COUNT(*) FROM applied_events") == [(0,)]
    assert "declined" in session.log()
    assert os.environ.get("SPASER_MATRIX_PASSWORD") is None


@pytest.mark.slow
async def test_in_a_shared_room_only_faq_and_mentions_are_answered_and_personal_commands_go_private(tchap):
    session = await tchap()
    agent = session.agent
    colleague = session.homeserver.register(f"collegue{next_name()}", "motdepasse-collegue")
    from tests.support.matrix_agent import ENCRYPTION

    created = await agent.client.room_create(invite=[session.bot_id, colleague], initial_state=[ENCRYPTION],
                                             name="Réseau achats responsables")
    await agent.enter(created.room_id, session.bot_id)
    start = len(agent.received)
    await agent.say("bonjour à tous")
    await agent.say("!profil")
    answer = last_text(await agent.exchange("!faq combien de pages fait un spaser ?"))
    assert "pages" in answer.body
    assert not any("Bonjour" in m.body or "Mon profil" in m.body for m in agent.received[start:])
    localpart = session.bot_id.partition(":")[0]
    mentioned = last_text(await agent.exchange(f"{localpart} : qui doit adopter un spaser ?"))
    assert "SPASER" in mentioned.body
    note = last_text(await agent.exchange(f"{localpart} !profil"))
    assert "en privé" in note.body  # the step itself went to a direct room the bot opened
    [(room,)] = session.query("SELECT room FROM direct_rooms")
    assert room != agent.room_id


@pytest.mark.slow
async def test_the_decp_baseline_with_its_chart_the_diagnostic_examples_and_an_animators_command(tchap, tmp_path):
    from tests.support.decp_samples import SIRET, decp_file

    session = await tchap(animator=True)
    agent = session.agent
    await meet(agent, session.bot_id)
    step = last_text(await agent.exchange("!profil"))
    step = await pick(agent, step, "Commune", "number")
    step = last_text(await agent.exchange("Ville de Bordeaux"))
    step = await pick(agent, step, "Nouvelle-Aquitaine", "reaction")
    step = last_text(await agent.exchange("120"))
    step = await pick(agent, step, "Non, aucun", "number")
    last_text(await agent.exchange("2026"))
    last_text(await agent.exchange("2031"))
    summary = last_text(await agent.exchange(SIRET))
    await pick(agent, summary, "Valider", "number")
    how = last_text(await agent.exchange("!referentiel"))
    assert SIRET in how.body and "/referentiel" not in how.body
    start = len(agent.received)
    await agent.send_file("decp-bordeaux.json", decp_file(tmp_path), "application/json")
    got = await agent.wait_for(lambda g: any(m.kind == "image" for m in g), after=start, timeout=60)
    baseline = next(m for m in got if m.kind == "text" and "2024 : 12 marchés" in m.body)
    chart = next(m for m in got if m.kind == "image")
    assert (await agent.download(chart))[:4] == b"\x89PNG" and chart.encrypted
    grid = await pick(agent, baseline, "Ajouter ces indicateurs", "reaction")
    assert "4 indicateurs ajoutés" in grid.body
    assert session.query("SELECT source FROM baselines") == [("decp-bordeaux.json",)]

    step = last_text(await agent.exchange("!diagnostic"))
    for _ in range(10):
        yes = next(label for label in choices(step) if label.startswith("Oui") or label in (
            "Des objectifs sur quelques familles d'achats", "Pour la plupart des actions", "Elle conseille les services",
            "La plupart des acheteurs", "Un·e élu·e référent·e identifié·e", "Ils valident les orientations",
            "Une cartographie réalisée", "Des indicateurs suivis chaque année"))
        step = await pick(agent, step, yes, "reaction")
    result = await pick(agent, step, "Valider", "number")
    assert "Profil : Intermédiaire" in result.body
    found = last_text(await agent.exchange("!exemples nantes"))
    assert "Nantes Métropole" in found.body
    stats = last_text(await agent.exchange("!stats"))
    assert "question" in stats.body.lower() and "inconnue" not in stats.body.lower()


@pytest.mark.slow
async def test_one_process_serves_telegram_and_tchap_when_both_are_configured(tchap, fake):
    from tests.support.telegram import ask

    session = await tchap(telegram=fake)
    await fake.wait_for(lambda: any(c.method == "getUpdates" for c in fake.calls), timeout=30)
    agent = session.agent
    await meet(agent, session.bot_id)
    on_tchap = last_text(await agent.exchange("combien de pages fait un spaser ?"))
    [on_telegram] = await ask(fake, "combien de pages fait un spaser ?", 4242)
    assert "pages" in on_tchap.body and "pages" in on_telegram["text"]
    assert sorted(c for (c,) in session.query("SELECT channel FROM identities")) == ["matrix", "telegram"]
    assert "!aide" not in on_telegram["text"]

    # The same person links the two: a code asked for on Telegram, typed in Tchap; one workspace.
    from tests.support.telegram import tap

    [step] = await ask(fake, "/profil", 4242)
    [step] = await tap(fake, step, "Commune", user=4242)
    [step] = await ask(fake, "Ville de Quimper", 4242)
    [step] = await tap(fake, step, "Bretagne", user=4242)
    [step] = await ask(fake, "72,5", 4242)
    [step] = await tap(fake, step, "Non, aucun", user=4242)
    await ask(fake, "2026", 4242)
    [step] = await ask(fake, "2030", 4242)
    if "SIRET" in step["text"]:
        [step] = await ask(fake, "/passer", 4242)
    await tap(fake, step, "Valider", user=4242)
    [given] = await ask(fake, "/lier", 4242)
    code = re.search(r"\b([A-Z0-9]{4}-[A-Z0-9]{4})\b", given["text"]).group(1)
    linked = last_text(await agent.exchange(f"!lier {code}"))
    assert "Comptes reliés" in linked.body and "Ville de Quimper" in linked.body
    assert "Ville de Quimper" in last_text(await agent.exchange("!avancement")).body
    assert len(set(session.query("SELECT user_id FROM identities"))) == 1


async def wait_until(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await settle(0.2)


def queue_announcement(session, text: str) -> None:
    """As an animator does from the server: « spaser-bot broadcast --text-file F »; the running bot sends it."""
    path = session.folder / "annonce.txt"
    path.write_text(text, encoding="utf-8")
    subprocess.run([sys.executable, "-m", "bot.cli", "broadcast", "--config", str(session.config), "--text-file",
                    str(path)], cwd=ROOT, check=True, capture_output=True, timeout=60, env=environment_without_proxies())


@pytest.mark.slow
async def test_an_announcement_reaches_telegram_and_tchap_subscribers_alike(tchap, fake):
    from tests.support.telegram import ask, tap

    session = await tchap(telegram=fake)
    await fake.wait_for(lambda: any(c.method == "getUpdates" for c in fake.calls), timeout=30)
    welcome, opt_in = await ask(fake, "/start", 4242, expect=2)
    await tap(fake, opt_in, "Webinaires", user=4242, expect=0)
    await fake.wait_for(lambda: "✅ Webinaires" in str(fake.messages[(4242, opt_in["message_id"])]))
    await tap(fake, fake.messages[(4242, opt_in["message_id"])], "Valider la sélection", user=4242)
    agent = session.agent
    await meet(agent, session.bot_id, subscribe="Webinaires")
    assert sorted(session.query("SELECT topics FROM subscriptions")) == [("webinaires",), ("webinaires",)]

    start = len(agent.received)
    queue_announcement(session, "Webinaire SPASER le 12 mars : inscrivez-vous.")
    got = await agent.wait_for(lambda g: any("Webinaire SPASER le 12 mars" in m.body for m in g), after=start, timeout=60)
    on_tchap = next(m for m in got if "Webinaire SPASER le 12 mars" in m.body)
    on_telegram = await fake.wait_for(
        lambda: [m for m in fake.sent_to(4242) if "Webinaire SPASER le 12 mars" in m.get("text", "")], timeout=30)
    assert len(on_telegram) == 1 and on_tchap.encrypted
    await wait_until(lambda: session.query("SELECT status, COUNT(*) FROM deliveries GROUP BY status") == [("sent", 2)])


@pytest.mark.slow
async def test_a_bot_killed_mid_announcement_resumes_and_each_agent_gets_it_once(tchap):
    from tests.support.matrix_agent import Agent

    session = await tchap()
    agents = [session.agent]
    for n in range(2):
        name = f"abonne{next_name()}"
        agent = Agent(session.homeserver.url, session.homeserver.register(name, "motdepasse-abonne"),
                      "motdepasse-abonne", session.folder / name)
        await agent.login()
        agents.append(agent)
    try:
        for agent in agents:
            await meet(agent, session.bot_id, subscribe="Webinaires")
        session.stop()
        queue_announcement(session, "Nouvelle fiche : les clauses sociales pas à pas.")
        # The first part sent, then the bot dies before writing it down: the next start sends it again.
        session.start(SPASER_CRASH_AT="part-sent")
        session.process.wait(60)
        assert session.process.returncode == 70, session.log()
        session.start()
        await wait_until(lambda: session.query("SELECT status, COUNT(*) FROM deliveries GROUP BY status") == [("sent", 3)],
                         timeout=60)
        await settle(2)
        for agent in agents:
            await agent.sync(500)
            copies = [m for m in agent.received if "les clauses sociales pas à pas" in m.body]
            assert len(copies) == 1, (agent.user_id, len(copies))
    finally:
        for agent in agents[1:]:
            await agent.close()


@pytest.mark.slow
async def test_a_webinar_reaches_each_agent_with_its_calendar_file_uploaded_once(tchap):
    from storage import Storage
    from tests.support.matrix_agent import Agent

    session = await tchap()
    other = f"abonne{next_name()}"
    agents = [session.agent, Agent(session.homeserver.url, session.homeserver.register(other, "motdepasse-abonne"),
                                   "motdepasse-abonne", session.folder / other)]
    await agents[1].login()
    try:
        for agent in agents:
            await meet(agent, session.bot_id, subscribe="Webinaires")
        starts = len(agents[0].received), len(agents[1].received)
        # As the animator's « Envoyer » does: a webinar, queued for now.
        storage = Storage.open(session.database)
        webinar = storage.announcements.create(None, "webinaire", "Le SPASER en 45 minutes", "Inscriptions ouvertes.",
                                               ["webinaires"], starts_at="2030-03-12T14:00:00+01:00",
                                               link="https://example.org/webinaire")
        storage.announcements.queue(webinar, "2020-01-01T00:00:00+00:00")
        storage.close()
        calendars = []
        for agent, start in zip(agents, starts):
            got = await agent.wait_for(lambda g: any(m.kind == "file" for m in g), after=start, timeout=60)
            assert any("Le SPASER en 45 minutes" in m.body for m in got if m.kind == "text")
            [calendar] = [m for m in got if m.kind == "file"]
            assert calendar.encrypted
            calendars.append(await agent.download(calendar))
        assert calendars[0] == calendars[1] and calendars[0].startswith(b"BEGIN:VCALENDAR")
        with sqlite3.connect(session.homeserver.folder / "homeserver.db") as db:
            uploads = db.execute("SELECT COUNT(*) FROM local_media_repository WHERE upload_name LIKE '%.ics' "
                                 "AND user_id = ?", [session.bot_id]).fetchone()[0]
        assert uploads == 1  # one encrypted copy, its key sent in each room's own encrypted event
    finally:
        await agents[1].close()


@pytest.mark.slow
@pytest.mark.parametrize("crash_at", ["event-committed", "event-answered"])
async def test_a_bot_killed_around_the_first_words_asks_the_opt_in_once(tchap, crash_at):
    session = await tchap(start=False)
    session.start(SPASER_CRASH_AT=crash_at)
    agent = session.agent
    await agent.open_direct_room(session.bot_id)
    await agent.say("bonjour")
    session.process.wait(60)
    assert session.process.returncode == 70, session.log()
    session.start()
    await agent.wait_for(lambda g: any("Voulez-vous recevoir les annonces" in m.body for m in g), timeout=60)
    await settle(3)  # time for a second copy to arrive, if there were one
    await agent.sync(500)
    shown = [m.body for m in agent.received if m.kind == "text"]
    assert sum("Voulez-vous recevoir les annonces" in b for b in shown) == 1, shown
    assert sum(b.startswith("Bonjour") for b in shown) == 1, shown
    [(spoke,)] = session.query("SELECT spoke_privately_at FROM users")
    assert spoke is not None
    applied = session.query("SELECT event_id, COUNT(*) FROM applied_events WHERE channel = 'matrix' GROUP BY event_id")
    assert len(applied) == 1 and applied[0][1] == 1
