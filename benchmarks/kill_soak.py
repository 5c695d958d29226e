"""The Telegram bot killed with -9 at random moments while people talk to it, through the fake Bot API server.

USERS people (8) each ask two questions, fill in /profil step by step (typing
and pressing buttons, reading 0.1–0.6 s between steps), then ask ROUNDS × 2
more questions, while the bot process is killed every 2.5–4 s and started
again at once. Telegram's semantics are the fake server's: an update is
offered again until a getUpdates call asks from a later offset.

Reported: kills, people whose reply never came (and whether Telegram had
already been told the update was received), repeated messages (a send cut by
the kill is sent again), and whether every profile holds exactly the answers
given. Run it with several seeds: the kill moments change the outcome.

Run: python benchmarks/kill_soak.py   SEED=3 USERS=8 ROUNDS=8 python benchmarks/kill_soak.py
"""

from __future__ import annotations

import asyncio
import os
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.cli import BotProcess  # noqa: E402
from tests.support.fake_telegram import FakeTelegram  # noqa: E402
from tests.support.telegram import buttons  # noqa: E402

SEED = int(os.environ.get("SEED", "1"))
USERS = int(os.environ.get("USERS", "8"))
ROUNDS = int(os.environ.get("ROUNDS", "8"))
WAIT = 30.0  # seconds a person waits for a reply before counting it lost
pace = random.Random(SEED)


class Lost(Exception):
    pass


def from_user(update: dict) -> int | None:
    return (update.get("message") or update.get("callback_query") or {}).get("from", {}).get("id")


async def reply(fake: FakeTelegram, user: int, before: int, wanted, losses: list) -> dict:
    def found():
        return next((m for m in fake.sent_to(user)[before:] if wanted(m)), None)

    try:
        return await fake.wait_for(found, WAIT)
    except TimeoutError:
        last = max(u for u, update in fake.history.items() if from_user(update) == user)
        confirmed = all(u["update_id"] != last for u in fake.updates)
        losses.append((user, confirmed))
        raise Lost from None


def button(fragment):
    return lambda m: any(fragment in b["text"] for b in buttons(m))


def text(fragment):
    return lambda m: fragment.lower() in (m.get("text") or "").lower()


async def say(fake, user, words, wanted, losses):
    await asyncio.sleep(pace.uniform(0.1, 0.6))
    before = len(fake.sent_to(user))
    fake.push_message(user, words)
    return await reply(fake, user, before, wanted, losses)


async def press(fake, user, message, fragment, wanted, losses):
    await asyncio.sleep(pace.uniform(0.1, 0.6))
    choice = next(b for b in buttons(message) if fragment in b["text"])
    before = len(fake.sent_to(user))
    fake.press(user, message, choice["callback_data"])
    return await reply(fake, user, before, wanted, losses)


async def person(fake: FakeTelegram, user: int, losses: list, done: set) -> None:
    await asyncio.sleep(pace.uniform(0, 2))
    try:
        await say(fake, user, "combien de pages fait un spaser ?", text("pages"), losses)
        step = await say(fake, user, "/profil", button("Commune"), losses)
        step = await press(fake, user, step, "Commune", text("étape 2 sur"), losses)
        step = await say(fake, user, f"Ville de Soak {user}", button("Bretagne"), losses)
        step = await press(fake, user, step, "Bretagne", text("étape 4 sur"), losses)
        step = await say(fake, user, "80", button("Non, aucun"), losses)
        step = await press(fake, user, step, "Non, aucun", text("étape 6 sur"), losses)
        step = await say(fake, user, "2026", text("étape 7 sur"), losses)
        step = await say(fake, user, "2031", text("étape 8 sur"), losses)
        step = await press(fake, user, step, "Passer", text("récapitulatif"), losses)
        await press(fake, user, step, "Valider", text("obligatoire"), losses)
        for _ in range(ROUNDS):
            await say(fake, user, "quel est le seuil du spaser ?", text("50"), losses)
            await say(fake, user, "combien de pages fait un spaser ?", text("pages"), losses)
        done.add(user)
    except Lost:
        return


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        fake = FakeTelegram()
        await fake.start()
        bot = BotProcess(fake, folder, logs=True)
        await bot.start()
        users = [70_000 + n for n in range(USERS)]
        losses: list[tuple[int, bool]] = []
        done: set[int] = set()
        stop = asyncio.Event()
        kills = 0

        async def killer() -> None:
            nonlocal kills
            while not stop.is_set():
                await asyncio.sleep(2.5 + pace.uniform(0.0, 1.5))  # the bot is up again by then
                if not stop.is_set():
                    await bot.kill()
                    kills += 1
                    await bot.start()

        killing = asyncio.ensure_future(killer())
        started = time.monotonic()
        await asyncio.gather(*(person(fake, user, losses, done) for user in users))
        stop.set()
        await killing
        await asyncio.sleep(1.5)
        await bot.stop()
        with sqlite3.connect(bot.db) as db:
            profiles = db.execute("SELECT name, region, purchases_meur, period_start, period_end FROM workspaces").fetchall()
        wrong = [p for p in profiles if p[1:] != ("bretagne", 80.0, 2026, 2031)]
        repeated = 0
        for user in users:
            texts = [m.get("text") or "" for m in fake.sent_to(user)]
            repeated += sum(1 for a, b in zip(texts, texts[1:]) if a == b)
        print(f"Graine {SEED} : {USERS} personnes, {time.monotonic() - started:.0f} s, {kills} arrêts brutaux (kill -9)")
        print(f"Parcours menés au bout : {len(done)}/{USERS}")
        print(f"Réponses jamais venues : {len(losses)}"
              + "".join(f"\n  personne {u} : mise à jour {'déjà confirmée à Telegram' if c else 'non confirmée'}"
                        for u, c in losses))
        print(f"Messages répétés (un envoi coupé par l'arrêt, refait) : {repeated}")
        print(f"Profils enregistrés : {len(profiles)}, dont {len(wrong)} avec une réponse fausse {wrong or ''}")
        print(f"Appels refusés par le faux serveur : {len(fake.rejected)}")
        await fake.stop()


if __name__ == "__main__":
    asyncio.run(main())
