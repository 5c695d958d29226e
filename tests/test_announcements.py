"""Subscriptions and composing announcements, through the conversation core."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.console import CONSOLE
from bot.features.announcements import ics
from bot.replies import Event
from dialogs.inputs import InputError, parse_datetime
from domain.statuses import BroadcastStatus
from storage.rows import Broadcast
from tests.support.chat import Chat

ADMIN = 1


@pytest.fixture
def admin_assistant(make_assistant):
    return make_assistant(admins=(ADMIN,))


def test_first_start_asks_once_without_blocking_and_defaults_to_no(assistant):
    chat = Chat(assistant, 7)
    text = chat.say("/start")
    assert "Voulez-vous recevoir les annonces" in text
    assert assistant.services.storage.announcements.subscription(7) == []  # asked: no until they choose
    answer = chat.say("combien de pages fait un spaser ?")
    assert "trentaine de pages" in answer and "Voulez-vous recevoir" not in answer  # never blocking
    assert "Voulez-vous recevoir" not in chat.say("/start")  # asked once
    chat.say("/abonnements")
    chat.press("Webinaires")
    chat.press("Valider la sélection")
    assert assistant.services.storage.announcements.subscription(7) == ["webinaires"]
    assert "vous ne recevrez plus" in chat.press_payload("sub:off").lower()
    assert assistant.services.storage.announcements.subscription(7) == []


def test_the_console_is_never_asked(assistant):
    event = Event(user_id=0, chat_id=0, capabilities=CONSOLE, address="", command="start")
    text = " ".join(r.html for r in assistant.handle(event))
    assert "Voulez-vous recevoir" not in text


def test_a_dialog_in_progress_is_not_pushed_aside_by_the_opt_in(assistant):
    chat = Chat(assistant, 8)
    assistant.services.storage.users.touch(8, "x", "fr")
    chat.say("/profil")
    chat.press("Commune")
    chat.say("/start")
    assert assistant.engine.pending(8).dialog == "profil"


def test_composing_previews_exactly_and_counts_recipients(admin_assistant):
    store = admin_assistant.services.storage.announcements
    for user in (20, 21, 22):
        admin_assistant.services.storage.users.touch(user, "x", "fr")
        store.subscribe(user, ["webinaires"] if user != 22 else ["ressources"])
    admin = Chat(admin_assistant, ADMIN)
    admin.say("/annonce")
    admin.press("Nouvelle annonce")
    admin.press("Un webinaire")
    admin.say("Le SPASER <en> 1 h & plus")
    assert "déjà passée" in admin.say("12/03/2020 14h30")
    when = (datetime.now(ZoneInfo("Europe/Paris")) + timedelta(days=10)).strftime("%d/%m/%Y 14h30")
    admin.say(when)
    assert "https://" in admin.say("pas un lien")
    admin.say("https://example.org/webinaire")
    admin.say("Tout comprendre en une heure.")
    admin.press("webinaires")
    admin.press("Valider la sélection")
    admin.say("/passer")
    admin.say("/passer")
    text = admin.press("Valider")
    assert "Aperçu" in text and "Le SPASER <en> 1 h & plus" in text and "2 destinataires" in text
    assert admin.replies[1].document is not None and admin.replies[1].document.filename.endswith(".ics")
    admin.press("Envoyer maintenant")
    broadcast = store.recent()[0]
    assert broadcast.status == "queued" and broadcast.kind == "webinaire"
    admin.say("/annonce")
    assert any(label.startswith("⏹ Annuler n°") for label in admin.labels)
    admin.press("Annuler n°")
    assert store.get(broadcast.id).status == "cancelled"


def test_scheduling_refuses_the_past_and_queues_in_utc(admin_assistant):
    store = admin_assistant.services.storage.announcements
    broadcast_id = store.create(ADMIN, "ressource", "Guide", "Texte", ["ressources"], link="https://example.org")
    admin = Chat(admin_assistant, ADMIN)
    admin.press_payload(f"bc:at:{broadcast_id}")
    assert "déjà passée" in admin.say("01/01/2021 10h")
    later = datetime.now(ZoneInfo("Europe/Paris")) + timedelta(days=2)
    assert "programmée" in admin.say(later.strftime("%d/%m/%Y %Hh%M"))
    row = store.get(broadcast_id)
    assert row.status == "queued" and row.scheduled_at.endswith("+00:00")


def test_non_admins_get_a_refusal_that_reveals_nothing(admin_assistant):
    stranger = Chat(admin_assistant, 99)
    assert "n'est pas disponible" in stranger.say("/annonce")
    assert "n'est pas disponible" in stranger.press_payload("bc:go:1")


@pytest.mark.parametrize("text", ["12/03/2030 14h30", "12/03/2030 à 14:30", "2030-03-12 14h30", "12 mars 2030 14h30"])
def test_french_date_times(text):
    assert parse_datetime(text, ZoneInfo("Europe/Paris")) == "2030-03-12T14:30+01:00"


def test_bad_date_times():
    for text in ("demain", "12/03/2030", "12/03/2030 25h00", "31/02/2030 10h"):
        with pytest.raises(InputError):
            parse_datetime(text, ZoneInfo("Europe/Paris"))


def test_ics_is_a_valid_calendar_with_folded_lines():
    data = ics(Broadcast(id=3, kind="webinaire", status=BroadcastStatus.QUEUED, created_at="2030-01-01T00:00:00+00:00",
                         title="Un titre, avec ; des signes", starts_at="2030-03-12T14:30+01:00", body="x" * 200,
                         link="https://example.org")).decode()
    assert data.startswith("BEGIN:VCALENDAR\r\n") and "DTSTART:20300312T133000Z" in data
    assert "SUMMARY:Un titre\\, avec \\; des signes" in data
    assert all(len(line.encode()) <= 75 for line in data.split("\r\n"))


def test_the_opt_in_buttons_still_work_after_another_dialog(assistant):
    chat = Chat(assistant, 9)
    chat.say("/start")
    old_toggle = chat.button("Webinaires").payload
    chat.say("/profil")  # the opt-in is set aside
    text = chat.press_payload(old_toggle)
    assert "n'est plus actif" not in text and "Voulez-vous recevoir" in text


def test_only_recipients_of_a_sent_webinar_can_ask_for_its_reminder(admin_assistant):
    store = admin_assistant.services.storage.announcements
    starts = (datetime.now(ZoneInfo("UTC")) + timedelta(days=5)).isoformat(timespec="minutes")
    draft = store.create(ADMIN, "webinaire", "Brouillon secret", "Pas encore envoyé", ["webinaires"],
                         link="https://example.org/secret", starts_at=starts)
    sent = store.create(ADMIN, "webinaire", "Webinaire envoyé", "Texte", ["webinaires"],
                        link="https://example.org/ok", starts_at=starts, status="queued", scheduled_at=starts)
    admin_assistant.services.storage.users.touch(8, "Abonnée", "fr")
    store.subscribe(8, ["webinaires"])
    store.start(store.get(sent))
    [row] = store.pending(sent, 10)
    store.record(row.id, "sent")
    stranger, recipient = Chat(admin_assistant, 9), Chat(admin_assistant, 8)
    for forged in (f"rem:{draft}", f"rem:{sent}", "rem:99999999999999999999", "rem:²"):
        text = stranger.press_payload(forged)
        assert "Brouillon" not in text and "secret" not in text and "rappel" not in text.lower()
    assert "rappel" in recipient.press_payload(f"rem:{sent}").lower()
    assert admin_assistant.services.storage.db.execute("SELECT COUNT(*) FROM reminders WHERE user_id = 9").fetchone()[0] == 0
