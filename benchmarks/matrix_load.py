"""The Tchap channel under load, against a local Synapse (the tests' homeserver), the bot as in production.

1. Conversations: USERS agents (50 by default), each in an encrypted direct
   room with the bot, ask 5 questions one after the other, reading each
   answer 5–10 s (THINK: a quick person's pace, fifty people talking at
   once). Reported apart: the bot's own processing per event (from reading it
   to its replies sent, from the bot's log) — target p95 < 100 ms — and the
   end-to-end time an agent waits, through the homeserver and both sides'
   encryption — target p95 < 300 ms. Then the same agents again at a pressed
   pace (PRESSED, 0.5–0.9 s of reading; "0" to leave it out): about ten times
   the load, reported without a target — it shows where the homeserver
   saturates, not what a person waits.
2. Announcements: SUBSCRIBERS (300) people subscribed, each with a direct room
   with the bot (not encrypted: setting up 300 encrypted clients is not what
   is measured), an announcement at matrix.rate_per_second (RATE, 10 by
   default): the pace achieved, target ≥ 90 % of the configured one. Then a
   second announcement during which the bot is killed (kill -9) and started
   again: every subscriber must end with exactly one copy of each, counted in
   the homeserver's own database.

Run: python benchmarks/matrix_load.py   (needs the test extras: matrix-synapse)
     USERS=20 SUBSCRIBERS=100 RATE=5 python benchmarks/matrix_load.py
     PRESSED=0 SUBSCRIBERS=0 python benchmarks/matrix_load.py   conversations only, at a person's pace
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nio import AsyncClient, RoomCreateResponse  # noqa: E402

from benchmarks.telegram_load import QUESTIONS  # noqa: E402  (the same questions on both messengers)
from tests.support.matrix_agent import Agent  # noqa: E402
from tests.support.synapse import Homeserver, environment_without_proxies  # noqa: E402

USERS = int(os.environ.get("USERS", "50"))
THINK = tuple(float(x) for x in os.environ.get("THINK", "5 10").split())
PRESSED = tuple(float(x) for x in os.environ.get("PRESSED", "0.5 0.9").split() if float(x)) or None
SUBSCRIBERS = int(os.environ.get("SUBSCRIBERS", "300"))
RATE = float(os.environ.get("RATE", "10"))
HANDLED = re.compile(r"Matrix event \S+ handled in ([0-9.]+) ms \(replies ready in ([0-9.]+) ms\)")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * share) - 1)]


class Bot:
    def __init__(self, folder: Path, homeserver: Homeserver, user_id: str):
        self.folder = folder
        self.config = folder / "config.yaml"
        self.config.write_text(
            f"matrix:\n  homeserver: {homeserver.url}\n  user_id: '{user_id}'\n  password: motdepasse-bot\n"
            f"  store_path: {folder / 'store'}\n  rate_per_second: {RATE}\n"
            f"storage:\n  path: {folder / 'bot.db'}\nexports_dir: {folder / 'exports'}\n"
            f"logging:\n  level: DEBUG\n  file: {folder / 'bot.log'}\n",
            encoding="utf-8",
        )
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run", "--canal", "tchap", "--config", str(self.config)],
            cwd=ROOT, env={**environment_without_proxies(), "SPASER_SOFFICE": ""},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )

    def stop(self, kill: bool = False) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGKILL if kill else signal.SIGINT)
        self.process.wait(60)

    def handled_ms(self) -> list[tuple[float, float]]:
        """(until the homeserver took the replies, until they were ready to leave), per event."""
        return [(float(a), float(b)) for a, b in HANDLED.findall((self.folder / "bot.log").read_text(errors="replace"))]

    def query(self, sql: str, params=()) -> list[tuple]:
        with sqlite3.connect(self.folder / "bot.db") as db:
            return db.execute(sql, params).fetchall()


async def conversations(homeserver: Homeserver, bot: Bot, bot_id: str, folder: Path) -> None:
    agents = []
    for n in range(USERS):
        agent = Agent(homeserver.url, homeserver.register_quickly(f"agent{n}", "motdepasse-agent"), "motdepasse-agent",
                      folder / f"agent{n}")
        await agent.login()
        await agent.open_direct_room(bot_id)
        # The first words: the greeting and the announcements' opt-in, answered « Passer ».
        got = await agent.exchange("bonjour", until=lambda g: any("Voulez-vous recevoir" in m.body for m in g), timeout=60)
        opt_in = next(m for m in got if "Voulez-vous recevoir" in m.body)
        number = next(int(x) for x, label in re.findall(r"^(\d+)\. (.+)$", opt_in.body, re.M) if label == "Passer")
        await agent.exchange(str(number), timeout=60)
        agents.append(agent)
    print(f"{USERS} agents dans une conversation chiffrée avec le bot")
    await questions(agents, bot, THINK, "au rythme d'une personne (lecture de la réponse "
                    f"{THINK[0]:g}–{THINK[1]:g} s)", target=True)
    if PRESSED:
        await questions(agents, bot, PRESSED, f"au pas de charge (lecture {PRESSED[0]:g}–{PRESSED[1]:g} s, "
                        "bien plus vite qu'une personne)", target=False)
    for agent in agents:
        await agent.close()


async def questions(agents: list[Agent], bot: Bot, think: tuple[float, float], pace_name: str, target: bool) -> None:
    """Each agent asks the questions one after the other, reading each answer `think` seconds."""
    before = len(bot.handled_ms())
    waits: list[float] = []

    async def ask(agent: Agent, n: int) -> None:
        pace = random.Random(n)
        await asyncio.sleep(pace.uniform(0, think[1]))
        for question in QUESTIONS:
            start = len(agent.received)
            sent = time.perf_counter()
            await agent.say(question)
            await agent.wait_for(lambda g: any(m.kind == "text" for m in g), timeout=60, after=start)
            waits.append((time.perf_counter() - sent) * 1000)
            await asyncio.sleep(pace.uniform(*think))

    started = time.perf_counter()
    await asyncio.gather(*(ask(agent, n) for n, agent in enumerate(agents)))
    elapsed = time.perf_counter() - started
    await asyncio.sleep(1)
    handled = bot.handled_ms()[before:]
    print(f"— {pace_name} : {len(agents)} agents × {len(QUESTIONS)} questions en {elapsed:.1f} s "
          f"({len(waits) / elapsed:.1f} questions/s)")
    ready = [b for _, b in handled]
    taken = [a for a, _ in handled]
    print(f"Traitement par le bot (lecture de l'événement → réponses prêtes à partir) : médiane "
          f"{statistics.median(ready):.1f} ms, p95 {percentile(ready, 0.95):.1f} ms"
          f"{' (cible < 100 ms)' if target else ''} sur {len(handled)} événements")
    print(f"… jusqu'à ce que le serveur les ait acceptées : médiane {statistics.median(taken):.1f} ms, "
          f"p95 {percentile(taken, 0.95):.1f} ms")
    print(f"Attente de bout en bout (envoi → réponse déchiffrée chez l'agent) : médiane {statistics.median(waits):.0f} ms, "
          f"p95 {percentile(waits, 0.95):.0f} ms{' (cible < 300 ms)' if target else ' (sans cible)'}, "
          f"max {max(waits):.0f} ms")


async def subscribers(homeserver: Homeserver, bot: Bot, bot_id: str) -> list[tuple[str, str]]:
    """SUBSCRIBERS people, each with a direct room the bot joined; returns (address, room)."""
    made = []
    for n in range(SUBSCRIBERS):
        user = homeserver.register_quickly(f"abonne{n}", "motdepasse-abonne")
        client = AsyncClient(homeserver.url, user)
        await client.login("motdepasse-abonne")
        room = await client.room_create(is_direct=True, invite=[bot_id])
        assert isinstance(room, RoomCreateResponse), room
        made.append((user, room.room_id))
        await client.close()
    deadline = time.monotonic() + 300
    while len(bot.query("SELECT 1 FROM channel_cursors")) == 0 or _joined(homeserver, bot_id) < SUBSCRIBERS:
        if time.monotonic() > deadline:
            raise RuntimeError("the bot did not join every room")
        await asyncio.sleep(1)
    return made


def _joined(homeserver: Homeserver, bot_id: str) -> int:
    with sqlite3.connect(homeserver.folder / "homeserver.db") as db:
        return db.execute("SELECT COUNT(*) FROM local_current_membership WHERE user_id = ? AND membership = 'join'",
                          [bot_id]).fetchone()[0]


def seed_subscribers(bot: Bot, made: list[tuple[str, str]]) -> None:
    """As if each had answered the opt-in « Webinaires » in their room: identity, person, subscription, room."""
    from storage import Storage

    storage = Storage.open(bot.folder / "bot.db")
    for address, room in made:
        user_id = storage.identities.user_for("matrix", address)
        storage.users.touch(user_id, address.split(":")[0].lstrip("@"), "fr")
        storage.announcements.subscribe(user_id, ["webinaires"])
        storage.conversations.set_direct_room("matrix", address, room, user_id)
    storage.close()


def copies(homeserver: Homeserver, bot_id: str, text: str) -> dict[str, int]:
    """Per room, how many messages of the bot carry `text`, read in the homeserver's own database."""
    with sqlite3.connect(homeserver.folder / "homeserver.db") as db:
        rows = db.execute(
            "SELECT e.room_id, j.json FROM events e JOIN event_json j ON j.event_id = e.event_id "
            "WHERE e.sender = ? AND e.type = 'm.room.message'", [bot_id]).fetchall()
    found: dict[str, int] = {}
    for room, event in rows:
        if text in json.loads(event).get("content", {}).get("body", ""):
            found[room] = found.get(room, 0) + 1
    return found


def queue(bot: Bot, text: str) -> None:
    path = bot.folder / "annonce.txt"
    path.write_text(text, encoding="utf-8")
    subprocess.run([sys.executable, "-m", "bot.cli", "broadcast", "--config", str(bot.config), "--text-file", str(path)],
                   cwd=ROOT, check=True, capture_output=True, env=environment_without_proxies())


async def announcements(homeserver: Homeserver, bot: Bot, bot_id: str) -> None:
    made = await subscribers(homeserver, bot, bot_id)
    bot.stop()
    seed_subscribers(bot, made)
    rooms = {room for _, room in made}
    first = "Webinaire SPASER n° 1 : inscriptions ouvertes."
    queue(bot, first)
    bot.start()
    started = None
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        found = copies(homeserver, bot_id, first)
        if started is None and found:
            started = time.perf_counter()
        if rooms <= set(found):
            break
        await asyncio.sleep(0.2)
    elapsed = time.perf_counter() - started
    pace = (len(rooms) - 1) / elapsed
    print(f"Annonce à {len(rooms)} abonnés Tchap : {elapsed:.1f} s du premier au dernier message, "
          f"{pace:.2f} messages/s pour {RATE:g} configurés ({pace / RATE * 100:.0f} %, cible ≥ 90 %)")

    second = "Webinaire SPASER n° 2 : la suite."
    queue(bot, second)
    deadline = time.monotonic() + 600
    while len(copies(homeserver, bot_id, second)) < len(rooms) // 3 and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    bot.stop(kill=True)
    cut = len(copies(homeserver, bot_id, second))
    bot.start()
    deadline = time.monotonic() + 600
    while not rooms <= set(copies(homeserver, bot_id, second)) and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
    await asyncio.sleep(3)
    found = copies(homeserver, bot_id, second)
    lost = len(rooms - set(found))
    twice = sum(1 for n in found.values() if n > 1)
    print(f"Tué (kill -9) après {cut} envois sur {len(rooms)}, relancé : {lost} abonné(s) sans l'annonce, "
          f"{twice} en double (cible : 0 et 0 ; les envois repris gardent leur identifiant de transaction)")
    print(f"État des envois : {dict(bot.query('SELECT status, COUNT(*) FROM deliveries GROUP BY status'))}")


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        homeserver = Homeserver(folder / "synapse")
        homeserver.start()
        bot_id = homeserver.register("assistant", "motdepasse-bot")
        bot = Bot(folder, homeserver, bot_id)
        bot.start()
        try:
            if USERS:
                await conversations(homeserver, bot, bot_id, folder)
            if SUBSCRIBERS:
                await announcements(homeserver, bot, bot_id)
        finally:
            bot.stop()
            homeserver.stop()


if __name__ == "__main__":
    asyncio.run(main())
