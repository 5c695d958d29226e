"""The channel layer with a second messenger: text only, no buttons, no edits; identities and animators."""

from __future__ import annotations

import pytest

from bot.config import Settings, StorageSettings
from bot.core_access import CoreAccess
from bot.jobs import Jobs
from bot.router import Assistant
from bot.runtime import open_services
from domain.statuses import BroadcastStatus
from storage import Storage
from tests.support.text_channel import TEXT, TextChannel

ALICE = "alice@texte.example"


@pytest.fixture
async def text_channel(tmp_path):
    core = CoreAccess()
    settings = Settings(storage=StorageSettings(path=str(tmp_path / "texte.db")), exports_dir=str(tmp_path / "exports"),
                        admins=(7,))
    services = core.call(open_services, settings)
    channel = TextChannel(core, core.call(Assistant, services))
    yield channel
    core.call(services.storage.close)


async def test_a_text_only_channel_completes_the_profile_with_numbers_and_labels(text_channel):
    shown = await text_channel.type(ALICE, "/profil")
    step = shown[-1]
    assert "[1] Commune" in step and "[2] Intercommunalité" in step and "<" not in step
    assert "nom de votre structure" in (await text_channel.type(ALICE, "1"))[-1]  # 1 = Commune, as numbered
    assert "Dans quelle région" in (await text_channel.type(ALICE, "Ville de Quimper"))[-1]
    assert "montant total annuel" in " ".join(await text_channel.type(ALICE, "Bretagne"))  # a label typed whole
    for answer in ("72,5", "Non, aucun", "2026", "2030", "/passer"):
        shown = await text_channel.type(ALICE, answer)
    assert "Valider" in shown[-1]
    done = " ".join(await text_channel.type(ALICE, "Valider"))
    assert "SPASER est obligatoire pour vous" in done
    storage = text_channel.assistant.services.storage
    user_id = await text_channel.core.run(storage.identities.user_for, TEXT.name, ALICE)
    workspace = await text_channel.core.run(storage.workspaces.of_user, user_id)
    assert (workspace.structure_type, workspace.region, workspace.purchases_meur) == ("commune", "bretagne", 72.5)
    # a stale number, typed at a later screen, is not taken for the old step
    assert "SPASER est obligatoire" not in " ".join(await text_channel.type(ALICE, "/aide"))


async def test_a_text_only_person_subscribes_receives_an_announcement_and_unsubscribes_by_number(text_channel):
    first = await text_channel.type(ALICE, "/start")
    assert any("Voulez-vous recevoir" in m for m in first)  # the opt-in, asked where announcements reach
    toggled = " ".join(await text_channel.type(ALICE, "2"))  # 2 = Nouvelles ressources
    assert "✅" in toggled
    await text_channel.type(ALICE, "Valider la sélection")
    storage = text_channel.assistant.services.storage
    user_id = await text_channel.core.run(storage.identities.user_for, TEXT.name, ALICE)
    assert await text_channel.core.run(storage.announcements.subscription, user_id) == ["ressources"]
    broadcast_id = await text_channel.core.run(
        storage.announcements.create, None, "ressource", "Guide des achats", "Un guide en ligne.", ["ressources"],
        link="https://example.org/guide", status=BroadcastStatus.QUEUED, scheduled_at="2000-01-01T00:00:00+00:00")
    jobs = Jobs(text_channel.core, text_channel.assistant, {TEXT.name: text_channel.sender}, rate_per_second=30)
    await jobs.tick()
    assert await text_channel.core.run(storage.announcements.status, broadcast_id) == BroadcastStatus.DONE
    announcement = text_channel.sender.sent[ALICE][-1]
    assert "Guide des achats" in announcement and "[1] 🔕 Me désabonner" in announcement
    await text_channel.type(ALICE, "1")
    assert await text_channel.core.run(storage.announcements.subscription, user_id) == []


async def test_identities_keep_ids_separate_people_apart_and_go_with_an_erasure(tmp_path):
    storage = Storage.open(tmp_path / "id.db")
    telegram = storage.identities.user_for("telegram", "1001", preferred=1001)
    matrix = storage.identities.user_for("matrix", "@agent:agent.tchap.gouv.fr")
    assert telegram == 1001 and matrix not in (1001,) and matrix > 0
    assert storage.identities.user_for("matrix", "@agent:agent.tchap.gouv.fr") == matrix  # the same person again
    other = storage.identities.user_for("matrix", "@autre:agent.tchap.gouv.fr", preferred=1001)  # id taken: a new one
    assert other not in (1001, matrix)
    storage.users.touch(matrix, "Agent", "fr")
    storage.privacy.erase(matrix)
    assert storage.identities.addresses(matrix) == []
    assert storage.identities.addresses(1001) == [("telegram", "1001")]
    storage.close()


def test_an_existing_database_gives_every_person_their_identity(tmp_path):
    """The migration: Telegram users, the console's owner and a named console person keep their id and data."""
    from storage.db import m015_identities

    storage = Storage.open(tmp_path / "old.db")
    storage.db.execute("DROP TABLE identities")  # as before the migration, with people already here
    for user_id, name in ((555, "Camille"), (0, "moi"), (-42, "Bob Martin")):
        storage.db.execute("INSERT OR REPLACE INTO users (id, display_name, first_seen, last_seen, blocked) "
                           "VALUES (?, ?, '2026-01-01', '2026-01-01', 0)", [user_id, name])
    m015_identities(storage.db)
    assert storage.identities.user_for("telegram", "555", preferred=555) == 555
    assert storage.identities.user_for("console", "") == 0
    assert storage.identities.user_for("console", "bob martin") == -42
    storage.close()


def test_animators_are_identities_on_their_channel(make_assistant):
    from bot.replies import Event
    from bot.telegram import TELEGRAM

    assistant = make_assistant(admins=(7,), named_admins=("matrix:@anim:agent.tchap.gouv.fr",))
    matrix = TEXT.__class__(name="matrix")

    def stats(**where) -> str:
        return " ".join(r.html for r in assistant.handle(Event(chat_id=1, command="stats", **where)))

    assert "Statistiques" in stats(user_id=7, capabilities=TELEGRAM)
    assert "Statistiques" not in stats(user_id=8, capabilities=TELEGRAM)
    assert "Statistiques" in stats(user_id=None, address="@anim:agent.tchap.gouv.fr", capabilities=matrix)
    # the same number on another channel is someone else
    assert "Statistiques" not in stats(user_id=None, address="7", capabilities=matrix)


def test_the_console_runs_the_daily_retention_too(make_assistant, clock):
    """Old questions are purged where only the console is used; a warning is never marked as given there."""
    import io

    from bot.console import Console

    assistant = make_assistant()
    storage = assistant.services.storage
    storage.identities.user_for("telegram", "31", preferred=31)
    storage.users.touch(31, "Ancienne", "fr")
    storage.questions.record_question(31, 31, "une question d'il y a longtemps", None, 0.0, "not_covered")
    clock.advance(days=assistant.services.settings.privacy.retention_days + 1)
    Console(assistant, io.StringIO()).send("/aide")
    assert storage.questions.questions_of(31) == []
    assert storage.users.get(31).erasure_notice_at is None  # no channel here reaches her: not told, not erased


async def test_met_first_in_a_shared_room_the_person_is_asked_the_opt_in_at_their_first_private_words(text_channel):
    from bot.replies import Event
    from tests.support.text_channel import TEXT as CAPS

    group = Event(user_id=None, chat_id="salon-reseau", address=ALICE, display_name="alice", capabilities=CAPS,
                  event_id="groupe-1", chat_type="group", command="faq", args="combien de pages fait un spaser")
    in_room = await text_channel.core.run(text_channel.assistant.handle, group)
    assert "pages" in in_room[0].html and not any("Voulez-vous recevoir" in r.html for r in in_room)
    first = " ".join(await text_channel.type(ALICE, "combien de temps pour élaborer un spaser ?"))
    assert "Voulez-vous recevoir" in first  # after the answer, once
    assert "Voulez-vous recevoir" not in " ".join(await text_channel.type(ALICE, "qui pilote le spaser ?"))


async def test_a_first_private_command_that_opens_a_dialog_gets_the_opt_in_after_the_dialog_not_during(text_channel):
    during = await text_channel.type(ALICE, "/diagnostic")
    for _ in range(10):
        during += await text_channel.type(ALICE, "1")
    assert not any("Voulez-vous recevoir" in m for m in during)  # the steps' numbers answer the steps
    done = " ".join(await text_channel.type(ALICE, "Valider"))
    assert "Profil" in done and "Voulez-vous recevoir" in done  # asked once the dialog is over
    assert "Voulez-vous recevoir" not in " ".join(await text_channel.type(ALICE, "combien de pages fait un spaser ?"))
