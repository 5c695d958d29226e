"""The real bot process ended at each named commit point, restarted, and offered the same update again.

`SPASER_CRASH_AT` ends the process there at once (os._exit, as a kill -9
would): before the commit, nothing of the event may remain; after it, the
event may not be applied a second time. Either way the person gets their
answer once the update is offered again.
"""

from __future__ import annotations

import asyncio

import pytest

from storage import Storage
from storage.faults import CRASH_EXIT_STATUS
from tests.support.cli import BotProcess
from tests.support.telegram import DIALOG_USER as USER, ask, buttons, tap


@pytest.fixture
async def bot(fake, tmp_path):
    process = BotProcess(fake, tmp_path)
    yield process
    await process.stop()


async def _crash_then_offer_again(fake, bot, update_id: int, expect: int) -> list[dict]:
    """The process ends at its crash point; a new one gets the same update again and answers it."""
    assert await bot.crashed() == CRASH_EXIT_STATUS
    before = len(fake.sent_to(USER))
    await bot.start()
    fake.offer_again(update_id)
    return (await fake.wait_for_messages(USER, before + expect, timeout=20))[before:]


async def _profile_to_start_year(fake) -> None:
    [step] = await ask(fake, "/profil", USER)
    [name] = await tap(fake, step, "Commune")
    [region] = await ask(fake, "Ville de Groix", USER)
    [amount] = await tap(fake, region, "Bretagne")
    [existing] = await ask(fake, "80", USER)
    await tap(fake, existing, "Non, aucun")


async def _profile_summary(fake) -> dict:
    await _profile_to_start_year(fake)
    await ask(fake, "2026", USER)
    await ask(fake, "2031", USER)
    [summary] = await ask(fake, "/passer", USER)  # the SIRET, optional
    return summary


def _press(fake, message, fragment) -> int:
    button = next(b for b in buttons(message) if fragment in b["text"])
    return fake.press(USER, message, button["callback_data"])


def _count(db_path, sql) -> int:
    storage = Storage.open(db_path)
    try:
        return storage.db.execute(sql).fetchone()[0]
    finally:
        storage.close()


async def test_a_typed_year_committed_then_offered_again_is_not_the_end_year(fake, bot):
    await bot.start()
    await _profile_to_start_year(fake)
    await bot.stop()
    await bot.start(crash_at="event-committed")
    update_id = fake.push_message(USER, "2026")
    [again] = await _crash_then_offer_again(fake, bot, update_id, expect=1)
    assert "Jusqu'à quelle année" in again["text"]  # the end year is still asked: 2026 was not taken twice
    await bot.stop()
    assert _count(bot.db, "SELECT COUNT(*) FROM dialog_answers WHERE step = 'period_end'") == 0
    assert _count(bot.db, "SELECT COUNT(*) FROM dialog_answers WHERE step = 'period_start' AND value = '2026'") == 1


async def test_a_name_typed_after_a_restart_and_offered_again_after_a_crash_is_stored_once(fake, bot):
    """Free text right after its step is the answer, though the bot restarted in between; cut at its
    commit and offered again, it is not stored twice nor taken for the next step's answer."""
    await bot.start()
    [step] = await ask(fake, "/profil", USER)
    await tap(fake, step, "Commune")
    await bot.stop()
    await bot.start(crash_at="event-committed")
    update_id = fake.push_message(USER, "Ville de Groix")
    [again] = await _crash_then_offer_again(fake, bot, update_id, expect=1)
    assert "Nom : Ville de Groix" in again["text"] and "Dans quelle région" in again["text"]
    await bot.stop()
    assert _count(bot.db, "SELECT COUNT(*) FROM dialog_answers WHERE step = 'name' AND value LIKE '%Ville de Groix%'") == 1
    assert _count(bot.db, "SELECT COUNT(*) FROM dialog_answers WHERE step = 'region'") == 0


@pytest.mark.parametrize("point", ["dialog-finished", "event-committed"])
async def test_a_validation_cut_at_its_commit_completes_the_profile_once(fake, bot, point):
    await bot.start()
    summary = await _profile_summary(fake)
    await bot.stop()
    await bot.start(crash_at=point)
    update_id = _press(fake, summary, "Valider")
    [done] = await _crash_then_offer_again(fake, bot, update_id, expect=1)
    assert "Le SPASER est obligatoire pour vous" in done["text"]
    await bot.stop()
    assert _count(bot.db, "SELECT COUNT(*) FROM dialog_sessions WHERE dialog = 'profil' AND status = 'completed'") == 1
    assert _count(bot.db, "SELECT COUNT(*) FROM workspaces WHERE name = 'Ville de Groix' AND profile_done = 1") == 1


@pytest.mark.parametrize("point", ["import-applied", "event-committed"])
async def test_an_import_cut_at_its_commit_adds_its_rows_once(fake, bot, point):
    from tests.support.workspace import HEADER

    await bot.start()
    before = len(fake.sent_to(USER))
    fake.push_document(USER, "carto.csv", (HEADER + ";Élu·e;Mairie;;;Consultation;Autre;Social;\r\n").encode())
    [preview] = (await fake.wait_for_messages(USER, before + 1, timeout=10))[before:]
    assert "1 ligne à ajouter" in preview["text"]
    await bot.stop()
    await bot.start(crash_at=point)
    update_id = _press(fake, preview, "Importer")
    done, page = await _crash_then_offer_again(fake, bot, update_id, expect=2)
    assert "1 ajout" in done["text"] and "Mairie" in page["text"]
    await bot.stop()
    assert _count(bot.db, "SELECT COUNT(*) FROM actors WHERE name = 'Mairie'") == 1
    assert _count(bot.db, "SELECT COUNT(*) FROM pending_imports") == 0


async def test_a_plan_cut_before_its_commit_is_made_whole_when_offered_again(fake, bot):
    await bot.start()
    [axes] = await ask(fake, "/plan", USER)
    await tap(fake, axes, "Valider la sélection")
    await ask(fake, "/passer", USER)  # renames
    await ask(fake, "/passer", USER)  # moves
    [summary] = await ask(fake, "/passer", USER)  # the diagnostic annex
    await bot.stop()
    await bot.start(crash_at="plan-written")
    update_id = _press(fake, summary, "Valider")
    assert await bot.crashed() == CRASH_EXIT_STATUS
    # Nothing of the cut event remains: the dialog is still open at its summary, no outline recorded.
    assert _count(bot.db, "SELECT COUNT(*) FROM outlines") == 0
    assert _count(bot.db, "SELECT COUNT(*) FROM dialog_sessions WHERE dialog = 'plan' AND status = 'active'") == 1
    before = len(fake.sent_to(USER))
    await bot.start()
    fake.offer_again(update_id)
    ready, first, second = (await fake.wait_for_messages(USER, before + 3, timeout=20))[before:]
    assert "Votre SPASER de départ est prêt" in ready["text"]
    assert sorted(m["document"]["file_name"].rsplit(".", 1)[1] for m in (first, second)) == ["docx", "md"]
    await bot.stop()
    assert _count(bot.db, "SELECT COUNT(*) FROM outlines") == 1
    assert fake.rejected == []


async def test_a_decp_file_and_its_grid_lines_cut_at_their_commit_are_kept_once(fake, bot, tmp_path):
    """The baseline stored and the four grid lines added: each offered again after a kill -9, each kept once."""
    from tests.support.decp_samples import SIRET, decp_file

    await bot.start()
    await _profile_to_start_year(fake)
    await ask(fake, "2026", USER)
    await ask(fake, "2031", USER)
    [summary] = await ask(fake, SIRET, USER)
    await tap(fake, summary, "Valider")
    await bot.stop()
    await bot.start(crash_at="event-committed")
    update_id = fake.push_document(USER, "decp.json", decp_file(tmp_path))
    text, _chart = await _crash_then_offer_again(fake, bot, update_id, expect=2)
    assert "2024 : 12 marchés" in text["text"]
    assert _count(bot.db, "SELECT COUNT(*) FROM baselines") == 1
    await bot.stop()
    await bot.start(crash_at="event-committed")
    update_id = _press(fake, text, "Ajouter ces indicateurs")
    [grid] = await _crash_then_offer_again(fake, bot, update_id, expect=1)
    assert "4 indicateurs ajoutés" in grid["text"]  # the first answer, replayed
    await bot.stop()
    assert _count(bot.db, "SELECT COUNT(*) FROM indicators") == 4
    assert _count(bot.db, "SELECT COUNT(*) FROM indicators WHERE baseline_value IS NOT NULL") == 4
    assert fake.rejected == []


async def test_a_plan_with_a_move_cut_before_its_commit_keeps_nothing_until_offered_again(fake, bot):
    await bot.start()
    [page] = await ask(fake, "/cartographie", USER)
    [kind] = await tap(fake, page, "Ajouter un")
    [name] = await tap(fake, kind, "Fédération professionnelle")
    await ask(fake, "Fédération du BTP", USER)
    await ask(fake, "/passer", USER)  # description
    [role] = await ask(fake, "/passer", USER)  # contact
    [involvement] = await tap(fake, role, "Consultation")
    [themes] = await tap(fake, involvement, "Atelier")
    await tap(fake, themes, "Économique", expect=0)
    await fake.wait_for(lambda: any(b["text"].startswith("✅ Économique")
                                    for b in buttons(fake.messages[(USER, themes["message_id"])])))
    [comment] = await tap(fake, fake.messages[(USER, themes["message_id"])], "Valider la sélection")
    [summary] = await ask(fake, "/passer", USER)
    await tap(fake, summary, "Valider")
    [axes] = await ask(fake, "/plan", USER)
    await tap(fake, axes, "Valider la sélection")
    await ask(fake, "/passer", USER)  # renames
    [more] = await ask(fake, "A1 : 1", USER)  # from the economic axis (3) to the social one (1)
    [annex] = await tap(fake, more, "Non, c'est tout")
    [summary] = await ask(fake, "/passer", USER)
    await bot.stop()
    await bot.start(crash_at="plan-written")
    update_id = _press(fake, summary, "Valider")
    assert await bot.crashed() == CRASH_EXIT_STATUS
    assert _count(bot.db, "SELECT COUNT(*) FROM actors WHERE axis IS NOT NULL") == 0  # rolled back with the event
    before = len(fake.sent_to(USER))
    await bot.start()
    fake.offer_again(update_id)
    ready = (await fake.wait_for_messages(USER, before + 3, timeout=20))[before]
    assert "Votre SPASER de départ est prêt" in ready["text"]
    await bot.stop()
    assert _count(bot.db, "SELECT COUNT(*) FROM actors WHERE axis = 'social'") == 1
    assert _count(bot.db, "SELECT COUNT(*) FROM outlines") == 1
    assert fake.rejected == []


async def test_a_first_contact_cut_at_its_commit_makes_one_person_once(fake, bot):
    """The first /start creates the identity and the person; offered again after the cut, neither is made twice
    and the opt-in is asked once."""
    await bot.start(crash_at="event-committed")
    update_id = fake.push_message(USER, "/start")
    got = await _crash_then_offer_again(fake, bot, update_id, expect=2)
    assert sum("Voulez-vous recevoir" in m["text"] for m in got) == 1
    await bot.stop()
    assert _count(bot.db, f"SELECT COUNT(*) FROM identities WHERE channel = 'telegram' AND address = '{USER}'") == 1
    assert _count(bot.db, f"SELECT COUNT(*) FROM users WHERE id = {USER}") == 1
    assert _count(bot.db, "SELECT COUNT(*) FROM dialog_sessions WHERE dialog = 'abonnements'") == 1


@pytest.mark.parametrize("confirmed", [True, False], ids=["telegram-forgot-it", "offered-again"])
async def test_replies_applied_but_not_sent_before_a_kill_are_sent_once_at_the_next_start(fake, bot, confirmed):
    """Telegram may forget an update as soon as it is applied: if the bot dies before the reply is out,
    the reply is sent when it starts again — once, even if Telegram also offers the update again."""
    await bot.start(crash_at="event-committed")
    update_id = fake.push_message(USER, "/aide")
    assert await bot.crashed() == CRASH_EXIT_STATUS
    if confirmed:
        fake.forget(update_id)
    await bot.start()
    [reply] = await fake.wait_for_messages(USER, 1, timeout=20)
    assert "/profil" in reply["text"]
    await asyncio.sleep(1.5)  # time for a second copy to arrive, if one were coming
    assert len(fake.sent_to(USER)) == 1
    await bot.stop()
    assert _count(bot.db, "SELECT COUNT(*) FROM applied_events WHERE undelivered = 1") == 0


async def test_a_message_received_then_confirmed_before_a_kill_is_applied_at_the_next_start(fake, bot):
    """Telegram forgets an update once the next getUpdates call asks past it: the bot writes each batch down
    before that call, and applies what a kill left when it starts again."""
    await bot.start(crash_at="updates-kept")
    update_id = fake.push_message(USER, "/aide")
    assert await bot.crashed() == CRASH_EXIT_STATUS
    fake.forget(update_id)  # the confirmation reached Telegram
    await bot.start()
    [reply] = await fake.wait_for_messages(USER, 1, timeout=20)
    assert "/profil" in reply["text"]
    await asyncio.sleep(1.0)
    assert len(fake.sent_to(USER)) == 1
    await bot.stop()
    assert _count(bot.db, "SELECT COUNT(*) FROM received_batches") == 0  # applied, then dropped at the stop


async def test_a_file_being_fetched_when_the_bot_is_killed_is_read_after_the_restart(fake, bot):
    """The file a person sent while the bot died reading it is read, and answered, once it starts again,
    though Telegram was told it was received."""
    from tests.support.workspace import HEADER

    await bot.start()
    fake.downloads_open.clear()
    update_id = fake.push_document(USER, "carto.csv", (HEADER + ";Élu·e;Mairie;;;Consultation;Autre;Social;\r\n").encode())
    await fake.wait_for(lambda: fake.downloads_started >= 1, timeout=10)
    await fake.wait_for(lambda: not fake.unconfirmed(update_id), timeout=10)  # the bot asked for more meanwhile
    await bot.kill()
    fake.downloads_open.set()
    await bot.start()
    [preview] = await fake.wait_for_messages(USER, 1, timeout=20)
    assert "1 ligne à ajouter" in preview["text"]
    await bot.stop()
