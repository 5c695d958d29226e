"""Users talking to the real Application through the fake Bot API server."""

from __future__ import annotations

import asyncio

import pytest
from tests.support.telegram import ask, buttons

USER = 1001


async def test_start_shows_menu_and_registers_french_commands(fake, start_bot):
    bot = await start_bot()
    [welcome] = await ask(fake, "/start")
    assert "Bonjour Camille" in welcome["text"]
    assert "/confidentialite" in welcome["text"]
    assert any(b["callback_data"] == "menu:ask" for b in buttons(welcome))
    # Telegram's command menu is the declarations: every command /aide shows a person, in the same order.
    assert [(c["command"], c["description"]) for c in fake.commands] == [
        (c.name, c.help) for c in bot.assistant.catalogue.listed(admin=False)
    ]
    assert {c["command"] for c in fake.commands} >= {"start", "aide", "faq", "confidentialite"}
    assert fake.rejected == []


async def test_question_gets_the_right_answer_with_source_and_buttons(fake, start_bot):
    await start_bot()
    [answer] = await ask(fake, "combien de pages fait un spaser ?")
    assert "petite trentaine de pages" in answer["text"]
    assert "Source : Mission SPASER" in answer["text"]
    assert "<b>" in answer["raw_text"]  # sent as HTML
    labels = [b["text"] for b in buttons(answer)]
    assert "👍 Oui" in labels and "👎 Non" in labels
    assert fake.rejected == []


async def test_a_follow_up_and_a_texted_question_in_telegram(fake, start_bot):
    await start_bot()
    [first] = await ask(fake, "Que dit la loi AGEC ?")
    assert "article 58" in first["text"]
    [then] = await ask(fake, "et la loi EGalim ?")  # the EGalim law in place of the AGEC law
    assert "20 % de produits bio" in then["text"]
    [texted] = await ask(fake, "chuis nouvelle, c koi un spaser")
    assert "schéma de promotion des achats socialement et écologiquement responsables" in texted["text"]
    [weather] = await ask(fake, "quelle est la météo demain à Lyon ?")
    assert "ne couvre pas" in weather["text"]
    assert fake.rejected == []


async def test_a_follow_up_after_stated_purchases_gets_the_verdict_in_telegram(fake, start_bot):
    await start_bot()
    [first] = await ask(fake, "avec 52 M€ d'achats on est dedans ?")
    assert "Avec 52 M€ d'achats par an, oui" in first["text"]
    [then] = await ask(fake, "et pour une commune ?")
    assert "Avec 52 M€ d'achats par an, oui" in then["text"] and "pour une commune" in then["text"]
    [long] = await ask(fake, "Le nouveau président veut un état des lieux de nos achats avant d'écrire quoi que ce "
                             "soit. Comment s'y prendre ?")
    assert "état des lieux" in long["text"] and "Source" in long["text"]
    assert fake.rejected == []


async def test_old_related_button_still_answers_and_every_query_is_answered(fake, start_bot):
    await start_bot()
    [answer] = await ask(fake, "combien de pages fait un spaser ?")
    await ask(fake, "qu'est-ce qu'une esus ?")
    related = next(b for b in buttons(answer) if b["callback_data"].startswith("faq:"))
    before = len(fake.sent_to(USER))
    fake.press(USER, answer, related["callback_data"])
    [shown] = (await fake.wait_for_messages(USER, before + 1))[before:]
    assert "Source" in shown["text"]
    await fake.wait_for(lambda: any(c.method == "answerCallbackQuery" for c in fake.calls))
    assert fake.rejected == []


@pytest.mark.parametrize(
    "text",
    [
        "x" * 5000,
        "<b>le spaser est-il obligatoire</b>",
        "clauses & critères",
        "<script>alert('x')</script>",
        "🙂🎉👍",
        "a" * 3000 + " <i> & </b> " + "é" * 2000,
    ],
)
async def test_hostile_or_odd_texts_get_a_valid_reply(fake, start_bot, text):
    await start_bot()
    replies = await ask(fake, text)
    assert replies and all(m["text"].strip() for m in replies)
    assert fake.rejected == []


async def test_sticker_photo_location_and_edits_get_a_short_message(fake, start_bot):
    await start_bot()
    sticker = {"file_id": "s1", "file_unique_id": "u1", "type": "regular", "width": 512, "height": 512,
               "is_animated": False, "is_video": False}
    [reply] = await ask(fake, None, sticker=sticker)
    assert "Je lis le texte" in reply["text"]
    [reply] = await ask(fake, None, location={"latitude": 48.85, "longitude": 2.35})
    assert "Je lis le texte" in reply["text"]
    fake.push_edit(USER, "texte modifié")
    [after] = await ask(fake, "merci")  # still alive and in order after the edit
    assert "Avec plaisir" in after["text"]
    assert fake.rejected == []


async def test_group_answers_faq_and_mentions_only(fake, start_bot):
    await start_bot()
    group = -5001
    fake.push_message(USER, "on mange où ce midi ?", chat_id=group, chat_type="group")
    fake.push_message(USER, "/aide", chat_id=group, chat_type="group")
    [answer] = await ask(fake, "/faq combien de pages fait un spaser", chat_id=group, chat_type="group")
    assert "trentaine" in answer["text"]
    [mention] = await ask(fake, "@spaser_test_bot qui doit adopter un spaser ?", chat_id=group, chat_type="group")
    assert "50 millions" in mention["text"]
    await asyncio.sleep(0.3)
    assert len(fake.sent_to(group)) == 2  # the chatter and the bare /aide were ignored
    assert fake.rejected == []


async def test_restart_keeps_users(fake, start_bot):
    first = await start_bot()
    await ask(fake, "/start")
    await first.stop()
    second = await start_bot()
    [again] = await ask(fake, "/start")
    assert "Bon retour" in again["text"]
    assert second.assistant.services.storage.users.count() == 1


async def test_blocked_user_is_marked(fake, start_bot):
    bot = await start_bot()
    fake.blocked.add(USER)
    fake.push_message(USER, "/start")
    await fake.wait_for(lambda: any(not c.ok and c.params.get("chat_id") == USER for c in fake.calls))
    await fake.wait_for(lambda: getattr(bot.assistant.services.storage.users.get(USER), "blocked", False))


async def test_flood_control_is_waited_out(fake, start_bot):
    await start_bot()
    fake.flood_control = True
    fake.flood_limit = 2
    for n in range(4):
        fake.push_message(2000 + n, "/start")
    await fake.wait_for(lambda: {m["chat"]["id"] for m in fake.sent} >= {2000, 2001, 2002, 2003}, timeout=10)
    refused = [c for c in fake.rejected if c.error.startswith("429")]
    assert refused, "flood control should have been triggered"


async def test_one_users_updates_are_processed_in_order(fake, start_bot):
    await start_bot()
    questions = ["seuil du spaser", "qu'est-ce qu'une esus", "combien de pages fait un spaser", "merci"]
    for q in questions:
        fake.push_message(USER, q)
    messages = await fake.wait_for_messages(USER, len(questions))
    assert "50 millions" in messages[0]["text"]
    assert "solidaire d'utilité sociale" in messages[1]["text"]
    assert "trentaine" in messages[2]["text"]
    assert "Avec plaisir" in messages[3]["text"]


async def test_personal_and_admin_commands_in_a_group_are_answered_in_private_only(fake, start_bot):
    await start_bot(admins=(USER,))
    group = -5002
    for command in ("/mesdonnees@spaser_test_bot", "/inviter@spaser_test_bot", "/stats@spaser_test_bot", "/espace@spaser_test_bot"):
        fake.push_message(USER, command, chat_id=group, chat_type="group")
    notes = await fake.wait_for(lambda: fake.sent_to(group) if len(fake.sent_to(group)) >= 4 else None, timeout=10)
    assert all("Je vous réponds en privé" in m["text"] for m in notes)
    private = await fake.wait_for(lambda: fake.sent_to(USER) if len(fake.sent_to(USER)) >= 4 else None, timeout=10)
    assert any("Statistiques" in m.get("text", "") for m in private)
    assert any("Code d'invitation" in m.get("text", "") for m in private)
    in_room = " ".join(m.get("text", "") for m in fake.sent_to(group))
    assert "Code d'invitation" not in in_room and "Statistiques" not in in_room
    assert fake.rejected == []


async def test_a_group_command_for_someone_the_bot_cannot_write_to_reveals_nothing(fake, start_bot):
    bot = await start_bot()
    group, stranger = -5003, 8_008
    fake.blocked.add(stranger)
    fake.push_message(stranger, "/mesdonnees@spaser_test_bot", chat_id=group, chat_type="group")
    [note] = await fake.wait_for_messages(group, 1, timeout=10)
    assert "je ne peux pas encore vous écrire" in note["text"]
    fake.blocked.discard(stranger)
    fake.blocked.add(group)  # the group removed the bot: its members are not « blocked »
    fake.push_message(USER, "/faq combien de pages", chat_id=group, chat_type="group")
    await asyncio.sleep(1.0)
    assert not bot.assistant.services.storage.users.get(USER).blocked


async def test_one_person_flooding_does_not_hold_up_another(fake, start_bot):
    """400 messages at once from one person: a bounded queue for them, a prompt answer for someone else."""
    bot = await start_bot()
    flooder, other = 7_777, 8_888
    for n in range(400):
        fake.push_message(flooder, f"combien de pages fait un spaser {n} ?")
    [answer] = await ask(fake, "combien de temps pour rédiger un spaser ?", other)
    assert "6 mois" in answer["text"]
    notices = await fake.wait_for(
        lambda: [m for m in fake.sent_to(flooder) if "plus vite que je ne peux" in m.get("text", "")], timeout=20)
    assert len(notices) == 1
    await asyncio.sleep(2)
    answered = [m for m in fake.sent_to(flooder) if "trentaine" in m.get("text", "")]
    dropped = bot.assistant.services.storage.stats.get("flood_dropped")
    assert dropped > 0 and len(answered) + dropped == 400
    assert fake.rejected == []


async def test_a_chat_waiting_on_flood_control_holds_no_slot_others_need(fake, start_bot, monkeypatch):
    """Two processing slots; one person's reply waits out a per-chat 429 while their next message queues:
    another person is answered meanwhile, not after the pause."""
    import bot.telegram.app

    monkeypatch.setattr(bot.telegram.app, "MAX_CONCURRENT_UPDATES", 2)
    fake.chat_flood_limit = 1
    await start_bot()
    flooder, other = 6_001, 6_002
    for n in range(3):
        fake.push_message(flooder, f"combien de pages fait un spaser {n} ?")
    await fake.wait_for(lambda: fake.chat_429 > 0, timeout=10)  # the second reply waits out « retry after 1 »
    fake.push_message(other, "combien de pages fait un spaser ?")
    await fake.wait_for(lambda: len(fake.sent_to(flooder)) == 3 and fake.sent_to(other), timeout=15)
    order = [m["chat"]["id"] for m in fake.sent if m["chat"]["id"] in (flooder, other)]
    assert order.index(other) < 2  # answered during the pause, before the flooder's second reply


async def test_a_persons_next_messages_are_applied_while_their_reply_waits_out_flood_control(fake, start_bot):
    """Replies leave from the outbox: a person's next messages are applied at once (and so may be forgotten
    by Telegram) while an earlier reply waits out a per-chat 429; the replies still arrive in order."""
    fake.chat_flood_limit = 1
    bot = await start_bot()
    person = 6_003
    for text in ("combien de pages fait un spaser ?", "seuil du spaser", "qu'est-ce qu'une esus"):
        fake.push_message(person, text)
    await fake.wait_for(lambda: fake.chat_429 > 0, timeout=10)  # the second reply waits out « retry after 1 »
    db = bot.assistant.services.storage.db
    await fake.wait_for(lambda: db.execute("SELECT COUNT(*) FROM applied_events WHERE user_id = ?",
                                           [person]).fetchone()[0] == 3, timeout=0.8)
    assert len(fake.sent_to(person)) < 3
    first, second, third = await fake.wait_for_messages(person, 3, timeout=10)
    assert "trentaine" in first["text"] and "50 millions" in second["text"] and "utilité sociale" in third["text"]


async def test_finder_and_unanswered_search_through_telegram(fake, start_bot):
    """/exemples by région and by an unknown name; an unanswered question attached by searching, via the Bot API."""
    await start_bot(admins=(1,))
    [listing] = await ask(fake, "/exemples Nouvelle-Aquitaine", 77)
    assert "Bordeaux Métropole" in listing["text"] and "Occitanie" not in listing["text"]
    [unknown] = await ask(fake, "/exemples poitiers", 77)
    assert "Aucun nom proche" in unknown["text"]
    await ask(fake, "quelle est la capitale de l'australie", 77)
    [pending] = await ask(fake, "/nonrepondues", 1)
    button = next(b for b in buttons(pending) if "australie" in b["text"])
    before = len(fake.sent_to(1))
    fake.press(1, pending, button["callback_data"])
    [group] = (await fake.wait_for_messages(1, before + 1))[before:]
    assert "Aucune entrée de la base n'en est proche" in group["text"]
    search = next(b for b in buttons(group) if "Chercher" in b["text"])
    before = len(fake.sent_to(1))
    fake.press(1, group, search["callback_data"])
    await fake.wait_for_messages(1, before + 1)
    [found] = await ask(fake, "marchés réservés", 1)
    attach = [b for b in buttons(found) if b["text"].startswith("➕")]
    assert attach and all(len(b["text"]) <= 60 for b in buttons(found))  # cut for Telegram, whole in the console
    assert fake.rejected == []
