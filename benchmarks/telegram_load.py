"""Throughput and reply latency of the Telegram bot under load, through the fake Bot API server.

200 simulated users each ask 5 questions, one after the other as a person
would (the next once the previous was answered), all users at the same time.
Flood control is off in the fake server. Targets: >= 200 updates/s and
p95 < 100 ms on a 2-core machine.

Run: python benchmarks/telegram_load.py   (needs the test extras: aiohttp)
"""

from __future__ import annotations

import asyncio
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.config import Settings, StorageSettings, TelegramSettings  # noqa: E402
from bot.conversation import Assistant  # noqa: E402
from bot.runtime import open_services  # noqa: E402
from bot.telegram_app import build_application  # noqa: E402
from tests.e2e.fake_telegram import FakeTelegram  # noqa: E402

USERS = int(sys.argv[1]) if len(sys.argv) > 1 else 200
QUESTIONS = [
    "combien de pages fait un spaser ?",
    "le spaser est il obligatoire pour nous",
    "exemples d'indicateurs svp",
    "a quel rythme reunir le copil",
    "quelle est la capitale de l'australie",
]


async def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    fake = FakeTelegram()
    await fake.start()
    waiting: dict[int, asyncio.Future] = {}

    def on_sent(msg: dict) -> None:
        future = waiting.pop(msg["chat"]["id"], None)
        if future is not None and not future.done():
            future.set_result(time.perf_counter())

    fake.listeners.append(on_sent)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            telegram=TelegramSettings(base_url=fake.base_url),
            storage=StorageSettings(path=str(Path(tmp) / "load.db")),
        )
        services = open_services(settings)
        application, _ = build_application(Assistant(services), fake.token)
        await application.initialize()
        await application.start()
        await application.updater.start_polling(poll_interval=0, timeout=1)
        latencies: list[float] = []

        async def user(user_id: int) -> None:
            loop = asyncio.get_running_loop()
            for question in QUESTIONS:
                future = loop.create_future()
                waiting[user_id] = future
                sent_at = time.perf_counter()
                fake.push_message(user_id, question)
                answered_at = await asyncio.wait_for(future, timeout=30)
                latencies.append((answered_at - sent_at) * 1000)

        start = time.perf_counter()
        await asyncio.gather(*(user(10_000 + n) for n in range(USERS)))
        elapsed = time.perf_counter() - start
        await application.updater.stop()
        await application.stop()
        await application.shutdown()
        services.storage.close()
    await fake.stop()

    latencies.sort()
    updates = USERS * len(QUESTIONS)
    print(f"{USERS} utilisateurs × {len(QUESTIONS)} questions = {updates} mises à jour en {elapsed:.2f} s")
    print(f"Débit : {updates / elapsed:.0f} mises à jour/s (cible ≥ 200)")
    print(
        f"Latence de réponse : médiane {statistics.median(latencies):.1f} ms, "
        f"p95 {latencies[int(len(latencies) * 0.95) - 1]:.1f} ms (cible < 100 ms), max {latencies[-1]:.1f} ms"
    )
    print(f"Appels refusés par le faux serveur : {len(fake.rejected)}")


if __name__ == "__main__":
    asyncio.run(main())
