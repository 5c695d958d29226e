"""Throughput and reply latency of the Telegram bot under load, through the fake Bot API server.

The bot runs as it does in production — `spaser-bot run`, in its own process —
pointed at the fake Bot API server through `telegram.base_url`. This process
hosts the fake server and plays 200 users at the same time, each asking 5
questions one after the other as a person would: the next question once the
previous one was answered and read. Reading takes 0.5–0.9 s (far quicker than a
person, to load the bot), which makes 200 users offer about 280 updates/s (THINK="0.4 0.8" in the environment changes it).
Flood control is off in the fake server.
Targets: >= 200 updates/s and p95 < 100 ms on a 2-core machine.

A second run with no reading time at all, each person asking the questions
4 times over (ROUNDS), shows the bot's capacity when saturated — targets:
>= 800 updates/s and <= 1.2 ms of the bot's CPU per update; latency there is
only queueing (users / throughput).

Run: python benchmarks/telegram_load.py [USERS]   (needs the test extras: aiohttp)
     FLOOD=400 python benchmarks/telegram_load.py 50   one person sends 400 messages at once
     while the others ask, with the per-chat flood limit on (3 messages a second
     per chat, then 429 « retry after 1 »): the others' latency must hold.
     PLANS=2 python benchmarks/telegram_load.py   two people run /plan in a loop (and
     LibreOffice, when installed, converts each plan in the background) meanwhile.
     MIXED=1 python benchmarks/telegram_load.py   the mixed scenario: of 200 people, one in ten
     runs /plan in a loop on a full workspace (50 actors, 30 indicators) while the others ask;
     target: the questions' p95 under 100 ms.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.fake_telegram import FakeTelegram  # noqa: E402

PROFILE = os.environ.get("BOT_PROFILE", "").split()
THINK = tuple(float(x) for x in os.environ.get("THINK", "0.5 0.9").split())
USERS = int(sys.argv[1]) if len(sys.argv) > 1 else 200
FLOOD = int(os.environ.get("FLOOD", "0"))
MIXED = os.environ.get("MIXED") == "1"
# The saturated run asks the questions this many times over: a second of load says little.
SATURATED_ROUNDS = int(os.environ.get("ROUNDS", "4"))
if MIXED:
    PLANS, USERS = USERS // 10, USERS - USERS // 10
else:
    PLANS = int(os.environ.get("PLANS", "0"))  # people generating /plan in a loop meanwhile
PLANNERS = range(90_000, 90_000 + PLANS)
QUESTIONS = [
    "combien de pages fait un spaser ?",
    "le spaser est il obligatoire pour nous",
    "exemples d'indicateurs svp",
    "a quel rythme reunir le copil",
    "quelle est la capitale de l'australie",
]


def full_workspaces(path: Path, people: range, actors: int = 50, indicators: int = 30) -> None:
    """The planners' workspaces, as they would have filled them: a profile, a map and a grid."""
    from storage import Storage

    themes = ["environnement", "social", "economique", "gouvernance"]
    storage = Storage.open(path)
    for person in people:
        if hasattr(storage, "identities"):  # (older versions, for a before/after comparison)
            storage.identities.user_for("telegram", str(person), preferred=person)
        storage.users.touch(person, "Cheffe de projet", "fr")
        workspace = storage.workspaces.ensure(person).id
        storage.workspaces.save_profile(workspace, {
            "structure_type": "metropole", "name": f"Métropole {person}", "region": "bretagne", "purchases_meur": 420.0,
            "existing_spaser": "adopte", "existing_years": "2020-2024", "period_start": 2026, "period_end": 2031})
        for n in range(actors):
            storage.actors.add(workspace, person, {
                "name": f"Structure partenaire n° {n}", "typology": "ess_thematique", "role": "consultation",
                "involvement": "atelier", "themes": themes[n % 4: n % 4 + 2], "description": "Réseau du territoire"})
        for n in range(indicators):
            storage.indicators.add(workspace, person, {
                "theme": themes[n % 4], "indicator": f"Indicateur de suivi n° {n}", "unit": "contrats", "target": "30 %",
                "target_year": 2028, "priority": 1 + n % 3, "objective": f"Objectif n° {n}", "schemes": ["PCAET"]})
    storage.close()


async def start_bot(fake: FakeTelegram, folder: Path) -> subprocess.Popen:
    if MIXED:
        full_workspaces(folder / "load.db", PLANNERS)
    config = folder / "config.yaml"
    config.write_text(
        f"telegram:\n  base_url: {fake.base_url}\nstorage:\n  path: {folder / 'load.db'}\n"
        f"exports_dir: {folder / 'exports'}\n",
        encoding="utf-8",
    )
    env = {**os.environ, "SPASER_BOT_TOKEN": fake.token, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, *PROFILE, "-m", "bot.cli", "run", "--config", str(config)], env=env, cwd=folder
    )
    # Ready once it polls for updates.
    await fake.wait_for(lambda: any(c.method == "getUpdates" for c in fake.calls), timeout=30)
    return process


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process, from /proc on Linux."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def load(think: tuple[float, float], rounds: int = 1) -> None:
    fake = FakeTelegram()
    if FLOOD:
        fake.chat_flood_limit = 3  # Telegram answers 429 to a chat flooded past a short burst
    await fake.start()
    waiting: dict[int, asyncio.Future] = {}

    def on_sent(msg: dict) -> None:
        future = waiting.pop(msg["chat"]["id"], None)
        if future is not None and not future.done():
            future.set_result(time.perf_counter())

    fake.listeners.append(on_sent)
    latencies: list[float] = []
    plans: list[float] = []  # how long each /plan took, from « Valider » to its two documents
    with tempfile.TemporaryDirectory() as tmp:
        bot = await start_bot(fake, Path(tmp))
        try:

            async def user(user_id: int) -> None:
                loop = asyncio.get_running_loop()
                pace = random.Random(user_id)
                await asyncio.sleep(pace.uniform(0, think[1]))
                for number, question in enumerate(QUESTIONS * rounds):
                    if number:
                        await asyncio.sleep(pace.uniform(*think))
                    future = loop.create_future()
                    waiting[user_id] = future
                    sent_at = time.perf_counter()
                    fake.push_message(user_id, question)
                    answered_at = await asyncio.wait_for(future, timeout=60)
                    latencies.append((answered_at - sent_at) * 1000)

            done = asyncio.Event()

            async def planner(user_id: int) -> None:
                """/plan again and again, as taps: the documents are made while the others ask."""
                from tests.support.telegram import buttons

                pace = random.Random(user_id)

                async def step(act) -> list[dict]:
                    if MIXED:  # a person reads each step before answering, as the others read their answers
                        await asyncio.sleep(pace.uniform(*think))
                    before = len(fake.sent_to(user_id))
                    act()
                    return (await fake.wait_for_messages(user_id, before + 1, timeout=60))[before:]

                def tap(message: dict, label: str):
                    button = next(b for b in buttons(message) if label in b["text"])
                    return lambda: fake.press(user_id, message, button["callback_data"])

                while not done.is_set():
                    [axes] = await step(lambda: fake.push_message(user_id, "/plan"))
                    await step(tap(axes, "Valider la sélection"))
                    await step(lambda: fake.push_message(user_id, "/passer"))  # renames
                    await step(lambda: fake.push_message(user_id, "/passer"))  # moves
                    [summary] = await step(lambda: fake.push_message(user_id, "/passer"))  # diagnostic annex
                    before = len(fake.sent_to(user_id))
                    started = time.perf_counter()
                    tap(summary, "Valider")()
                    await fake.wait_for_messages(user_id, before + 3, timeout=60)
                    plans.append((time.perf_counter() - started) * 1000)

            if FLOOD:
                for n in range(FLOOD):
                    fake.push_message(1, f"combien de pages fait un spaser {n} ?")
            planners = [asyncio.ensure_future(planner(person)) for person in PLANNERS]
            cpu_before = process_cpu(bot.pid)
            own_before = time.process_time()
            polls_before = sum(1 for c in fake.calls if c.method == "getUpdates")
            start = time.perf_counter()
            await asyncio.gather(*(user(10_000 + n) for n in range(USERS)))
            elapsed = time.perf_counter() - start
            bot_cpu = process_cpu(bot.pid) - cpu_before
            own_cpu = time.process_time() - own_before
            polls = sum(1 for c in fake.calls if c.method == "getUpdates") - polls_before
            done.set()
            await asyncio.gather(*planners, return_exceptions=True)
        finally:
            bot.send_signal(signal.SIGINT)
            await asyncio.to_thread(bot.wait, 30)
    await fake.stop()

    latencies.sort()
    if PLANS:
        from bot import office

        print(f"Pendant que {PLANS} personne(s) génèrent des plans en boucle{' (espaces de 50 acteurs, 30 indicateurs)' if MIXED else ''} : "
              f"{len(plans)} plans, médiane {statistics.median(plans) if plans else float('nan'):.0f} ms du « Valider » aux "
              f"documents (LibreOffice {'présent : ODT et PDF en arrière-plan' if office.available() else 'absent'})")
    if FLOOD:
        print(f"Pendant qu'une personne envoie {FLOOD} messages d'un coup :")
    print(f"Temps de lecture entre deux questions : {think[0]}–{think[1]} s")
    updates = USERS * len(QUESTIONS) * rounds
    saturated = think == (0.0, 0.0)
    print(f"{USERS} utilisateurs × {len(QUESTIONS) * rounds} questions = {updates} mises à jour en {elapsed:.2f} s")
    print(f"Débit : {updates / elapsed:.0f} mises à jour/s (cible ≥ {800 if saturated else 200})")
    print(
        f"Latence de réponse : médiane {statistics.median(latencies):.1f} ms, "
        f"p95 {latencies[int(len(latencies) * 0.95) - 1]:.1f} ms"
        f"{' (file d’attente : utilisateurs ÷ débit)' if saturated else ' (cible < 100 ms)'}, max {latencies[-1]:.1f} ms"
    )
    print(f"Temps processeur du bot : {bot_cpu / updates * 1000:.2f} ms par mise à jour"
          f"{' (cible ≤ 1,2 ms)' if saturated else ' (lecture comprise : le bot attend entre deux questions)'}")
    # On two cores, the fake server and its users have one to themselves: near 100 % of it, they bound the figure.
    print(f"Faux serveur et utilisateurs : {own_cpu / elapsed * 100:.0f} % d'un cœur ; "
          f"{updates / max(polls, 1):.1f} mises à jour par getUpdates en moyenne")
    print(f"Appels refusés par le faux serveur : {len(fake.rejected)}"
          + (f" (dont {fake.chat_429} « 429 » de la limite par conversation)" if FLOOD else ""))


async def main() -> None:
    await load(THINK)
    if FLOOD or PLANS:
        return
    print()
    await load((0.0, 0.0), rounds=SATURATED_ROUNDS)


if __name__ == "__main__":
    asyncio.run(main())
