"""Announcements through the fake Bot API server, flood control on: nobody missed, nobody twice."""

from __future__ import annotations

import asyncio
import signal
import sys
from datetime import timedelta

from bot.config import BroadcastSettings
from storage import Storage
from domain.clock import now_iso
from tests.support.cli import bot_environment

ADMIN = 500


def seed(storage: Storage, users: range, topics=("webinaires",)) -> None:
    for user_id in users:  # as their first message to the bot would: their Telegram identity, then them
        storage.identities.user_for("telegram", str(user_id), preferred=user_id)
        storage.users.touch(user_id, f"Abonné {user_id}", "fr")
        storage.announcements.subscribe(user_id, list(topics))


def copies(fake, users) -> dict[int, int]:
    counts = {u: 0 for u in users}
    for msg in fake.sent:
        if msg["chat"]["id"] in counts:
            counts[msg["chat"]["id"]] += 1
    return counts


async def wait_status(storage: Storage, broadcast_id: int, wanted: str, timeout: float) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while storage.announcements.status(broadcast_id) != wanted:
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"broadcast {broadcast_id} is {storage.announcements.status(broadcast_id)}")
        await asyncio.sleep(0.2)


async def test_thousand_subscribers_flood_control_and_blocked_users(fake, start_bot):
    # Time compressed tenfold: the server takes 300 messages a second (Telegram, 30) and the bot is set
    # to 400 (above the limit on purpose, as 40 would be against Telegram): the same collisions, in seconds.
    fake.flood_control = True
    fake.flood_limit = 300
    bot = await start_bot(admins=(ADMIN,), broadcast=BroadcastSettings(rate_per_second=400))
    storage = bot.assistant.services.storage
    users = range(10_000, 11_000)
    await bot.core.run(seed, storage, users)
    await bot.core.run(seed, storage, [ADMIN], topics=())  # the author, who talked to the bot before: the report goes to them
    blocked = {10_003, 10_500, 10_999}
    fake.blocked |= blocked
    broadcast_id = await bot.core.run(
        storage.announcements.create, ADMIN, "ressource", "Guide <achats> & clauses", "Un nouveau guide est en ligne.", ["webinaires"],
        link="https://www.ecologie.gouv.fr", status="queued", scheduled_at=now_iso(),
    )
    await wait_status(storage, broadcast_id, "done", timeout=120)
    counts = copies(fake, users)
    assert all(counts[u] == 1 for u in users if u not in blocked)
    assert all(counts[u] == 0 for u in blocked)
    assert all(storage.users.get(u).blocked for u in blocked)
    reasons = {c.error.split()[0] for c in fake.rejected}
    assert reasons <= {"429", "403"} and "429" in reasons  # flood control was hit and respected, nothing else refused
    assert storage.announcements.counts(broadcast_id) == {"sent": 997, "blocked": 3}
    report = await fake.wait_for(lambda: [m for m in fake.sent_to(ADMIN) if "Bilan" in m.get("text", "")], timeout=10)
    assert "envoyés : 997" in report[0]["text"] and "bloqués (l'utilisateur a bloqué le bot) : 3" in report[0]["text"]


async def test_webinar_carries_ics_uploaded_once_and_reminders_fire(fake, start_bot, clock):
    bot = await start_bot(admins=(ADMIN,))
    storage = bot.assistant.services.storage
    users = range(20_000, 20_005)
    await bot.core.run(seed, storage, users)
    starts = (clock.now() + timedelta(days=3)).isoformat(timespec="minutes")
    broadcast_id = await bot.core.run(
        storage.announcements.create, ADMIN, "webinaire", "Le SPASER, quézaco ?", "Une heure pour tout comprendre.", ["webinaires"],
        link="https://example.org/inscription", starts_at=starts, status="queued", scheduled_at=now_iso(),
    )
    await wait_status(storage, broadcast_id, "done", timeout=30)
    documents = [c for c in fake.calls if c.method == "sendDocument" and c.params["chat_id"] in users]
    assert len(documents) == 5
    assert sum(isinstance(c.params["document"], dict) for c in documents) == 1  # uploaded once, then its file_id
    message = next(m for m in fake.sent_to(20_000) if "document" in m)
    assert b"BEGIN:VCALENDAR" in fake.uploads[message["document"]["file_id"]][1]
    assert "Webinaire" in message["caption"]
    labels = [b["text"] for row in message["reply_markup"]["inline_keyboard"] for b in row]
    assert "⏰ Me le rappeler" in labels and "🔕 Me désabonner" in labels
    own = next(m for m in fake.sent_to(20_001) if "document" in m)
    before = len(fake.sent_to(20_001))
    fake.press(20_001, own, next(b["callback_data"] for row in message["reply_markup"]["inline_keyboard"] for b in row if b["text"].startswith("⏰")))
    [confirmation] = (await fake.wait_for_messages(20_001, before + 1))[before:]
    assert "la veille et une heure avant" in confirmation["text"]
    assert not [m for m in fake.sent_to(20_001) if "Rappel" in m.get("text", "")]
    clock.advance(days=2, hours=1)  # the eve of the webinar
    reminders = await fake.wait_for(lambda: [m for m in fake.sent_to(20_001) if "Rappel" in m.get("text", "")], timeout=10)
    assert len(reminders) == 1 and "Le SPASER, quézaco ?" in reminders[0]["text"]
    clock.advance(hours=22, minutes=30)  # half an hour before it starts
    await fake.wait_for(lambda: len([m for m in fake.sent_to(20_001) if "Rappel" in m.get("text", "")]) == 2, timeout=10)
    # one tap unsubscribes, on any old announcement
    fake.press(20_002, next(m for m in fake.sent_to(20_002) if "document" in m), "sub:off")
    await fake.wait_for(lambda: storage.announcements.subscription(20_002) == [], timeout=5)
    assert fake.rejected == []


async def test_cancel_stops_a_broadcast_in_progress(fake, start_bot):
    bot = await start_bot(broadcast=BroadcastSettings(rate_per_second=20))
    storage = bot.assistant.services.storage
    users = range(30_000, 30_300)
    await bot.core.run(seed, storage, users)
    broadcast_id = await bot.core.run(storage.announcements.create, None, "texte", "", "Annonce à arrêter", ["webinaires"],
                                                status="queued", scheduled_at=now_iso())
    await fake.wait_for(lambda: sum(copies(fake, users).values()) >= 20, timeout=20)
    assert await bot.core.run(storage.announcements.cancel, broadcast_id)
    await asyncio.sleep(1.0)  # within seconds, nothing more leaves
    stopped_at = sum(copies(fake, users).values())
    await asyncio.sleep(1.5)
    assert sum(copies(fake, users).values()) == stopped_at < 100
    assert storage.announcements.counts(broadcast_id)["cancelled"] == 300 - stopped_at


async def test_a_killed_bot_resumes_the_broadcast_and_leaves_nobody_out(fake, tmp_path):
    db = tmp_path / "kill.db"
    storage = Storage.open(db)
    users = range(40_000, 40_400)
    seed(storage, users)
    storage.close()
    config = tmp_path / "config.yaml"
    config.write_text(f"telegram:\n  base_url: {fake.base_url}\nstorage:\n  path: {db}\nbroadcast:\n  rate_per_second: 25\n",
                      encoding="utf-8")
    text = tmp_path / "annonce.txt"
    text.write_text("Nouvelle fiche ressource en ligne.", encoding="utf-8")
    env = bot_environment(fake.token)

    async def spaser_bot(*args, wait=True):
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", *args, "--config", str(config), cwd=tmp_path, env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )
        if wait:
            assert await asyncio.wait_for(proc.wait(), 60) == 0
        return proc

    await spaser_bot("broadcast", "--text-file", str(text))
    bot = await spaser_bot("run", wait=False)
    await fake.wait_for(lambda: sum(copies(fake, users).values()) >= 100, timeout=60)
    bot.send_signal(signal.SIGKILL)  # no chance to clean up
    await bot.wait()
    sent_before_restart = sum(copies(fake, users).values())
    assert sent_before_restart < len(users)
    bot = await spaser_bot("run", wait=False)
    try:
        await fake.wait_for(lambda: all(c >= 1 for c in copies(fake, users).values()), timeout=90)
    finally:
        bot.send_signal(signal.SIGINT)
        await asyncio.wait_for(bot.wait(), 30)
    counts = copies(fake, users)
    duplicates = sum(c - 1 for c in counts.values())
    assert all(c >= 1 for c in counts.values())  # nobody left out
    assert duplicates <= 8  # at most the messages in flight at the kill (IN_FLIGHT)
    assert fake.rejected == []


async def test_an_admin_composes_previews_and_sends_in_telegram(fake, start_bot):
    from tests.support.telegram import ask, tap

    bot = await start_bot(admins=(ADMIN,))
    storage = bot.assistant.services.storage
    await bot.core.run(seed, storage, range(50_000, 50_003), topics=("ressources",))
    [listing] = await ask(fake, "/annonce", ADMIN)
    [kind] = await tap(fake, listing, "Nouvelle annonce", user=ADMIN)
    [title] = await tap(fake, kind, "Une ressource", user=ADMIN)
    await ask(fake, "Fiche « Mobiliser les acteurs »", ADMIN)
    await ask(fake, "https://example.org/fiche", ADMIN)
    [topics] = await ask(fake, "Comment associer les acteurs du territoire.", ADMIN)
    await tap(fake, topics, "ressources", user=ADMIN, expect=0)
    await fake.wait_for(lambda: "✅ Abonnés « nouvelles" in str(fake.messages[(ADMIN, topics["message_id"])]))
    [types] = await tap(fake, fake.messages[(ADMIN, topics["message_id"])], "Valider la sélection", user=ADMIN)
    [regions] = await ask(fake, "/passer", ADMIN)
    [summary] = await ask(fake, "/passer", ADMIN)
    intro, preview, outro = await tap(fake, summary, "Valider", user=ADMIN, expect=3)
    assert "Fiche « Mobiliser les acteurs »" in preview["text"] and "3 destinataires" in outro["text"]
    await tap(fake, outro, "Envoyer maintenant", user=ADMIN)
    await fake.wait_for(lambda: all(any("Mobiliser" in m.get("text", "") for m in fake.sent_to(u)) for u in range(50_000, 50_003)),
                        timeout=15)
    report = await fake.wait_for(lambda: [m for m in fake.sent_to(ADMIN) if "Bilan" in m.get("text", "")], timeout=10)
    assert "envoyés : 3" in report[0]["text"]
    assert fake.rejected == []


async def test_a_long_announcement_arrives_whole_in_order(fake, start_bot, tmp_path):
    """3,400 typed characters, many of them escaped in HTML: every part is delivered, in order."""
    fake.flood_control = True
    bot = await start_bot(admins=(ADMIN,))
    storage = bot.assistant.services.storage
    users = range(40_000, 40_003)
    await bot.core.run(seed, storage, users)
    paragraphs = [f"Paragraphe {i} : clauses <sociales> & critères « environnementaux » — " + "x & y " * 36 for i in range(12)]
    body = "\n\n".join(paragraphs)
    assert 3300 < len(body) <= 3500
    broadcast_id = await bot.core.run(
        storage.announcements.create, ADMIN, "ressource", "Guide long", body, ["webinaires"], status="queued", scheduled_at=now_iso(),
    )
    await wait_status(storage, broadcast_id, "done", timeout=60)
    assert storage.announcements.counts(broadcast_id) == {"sent": 3}
    for user in users:
        texts = [m["text"] for m in fake.sent_to(user) if "text" in m]
        assert len(texts) >= 2
        received = "\n\n".join(texts)
        positions = [received.index(f"Paragraphe {i} :") for i in range(12)]
        assert positions == sorted(positions)
        assert received.count("x & y") == 12 * 36
        last = [m for m in fake.sent_to(user) if "text" in m][-1]
        assert "reply_markup" in last  # the unsubscribe button goes with the last part
    assert all(c.error.split()[0] == "429" for c in fake.rejected)


async def test_a_delivery_cut_after_its_first_part_resumes_at_the_second(fake, start_bot, tmp_path):
    """A bot that died mid-announcement left one delivery claimed with one part sent: only the rest follows."""
    from storage import Storage

    storage = Storage.open(tmp_path / "bot.db")
    users = range(41_000, 41_002)
    seed(storage, users)
    paragraphs = [f"Paragraphe {i} : " + "clauses sociales et critères environnementaux " * 8 for i in range(12)]
    broadcast_id = storage.announcements.create(
        ADMIN, "ressource", "Guide long", "\n\n".join(paragraphs), ["webinaires"], status="queued", scheduled_at=now_iso(),
    )
    broadcast = storage.announcements.get(broadcast_id)
    storage.announcements.start(broadcast)
    [cut, whole] = storage.announcements.pending(broadcast_id, 10)
    assert storage.announcements.claim(cut.id) and not storage.announcements.claim(cut.id)
    storage.announcements.part_sent(cut.id, 1)  # then the process died
    storage.close()
    bot = await start_bot(admins=(ADMIN,))
    await wait_status(bot.assistant.services.storage, broadcast_id, "done", timeout=30)
    assert bot.assistant.services.storage.announcements.counts(broadcast_id) == {"sent": 2}
    resumed = [m["text"] for m in fake.sent_to(cut.user_id) if "text" in m]
    complete = [m["text"] for m in fake.sent_to(whole.user_id) if "text" in m]
    assert len(complete) >= 2 and resumed == complete[1:]  # the first part is not sent twice
    assert fake.rejected == []
