"""A broadcast to 5,000 subscribers, against the fake Bot API server limited to 30 messages/s.

The bot runs as in production (`spaser-bot run`, its own process) with
`broadcast.rate_per_second: 25`. Reports the achieved rate (target: at least
90 % of the configured rate), the duration, and losses (target: none).

Run: python benchmarks/broadcast.py [SUBSCRIBERS]   (needs the test extras: aiohttp)
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from storage import Storage  # noqa: E402
from domain.clock import now_iso  # noqa: E402
from tests.support.fake_telegram import FakeTelegram  # noqa: E402

SUBSCRIBERS = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
RATE = 25


async def main() -> None:
    fake = FakeTelegram()
    fake.flood_control = True  # 30 messages/s, then 429 with retry_after
    await fake.start()
    times: list[float] = []
    users = set(range(100_000, 100_000 + SUBSCRIBERS))
    fake.listeners.append(lambda msg: times.append(time.perf_counter()) if msg["chat"]["id"] in users else None)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        storage = Storage.open(folder / "b.db")
        for user_id in users:
            storage.db.execute(
                "INSERT INTO users (id, display_name, first_seen, last_seen, blocked) VALUES (?, 'x', ?, ?, 0)",
                [user_id, now_iso(), now_iso()],
            )
            storage.db.execute("INSERT INTO identities (channel, address, user_id, created_at) VALUES ('telegram', ?, ?, ?)",
                               [str(user_id), user_id, now_iso()])
            storage.db.execute("INSERT INTO subscriptions (user_id, topics, updated_at) VALUES (?, 'ressources', ?)",
                               [user_id, now_iso()])
        storage.db.conn.commit()
        broadcast_id = storage.announcements.create(None, "texte", "", "Nouvelle fiche ressource en ligne.",
                                                    ["ressources"], status="queued", scheduled_at=now_iso())
        storage.close()
        (folder / "config.yaml").write_text(
            f"telegram:\n  base_url: {fake.base_url}\nstorage:\n  path: {folder / 'b.db'}\n"
            f"broadcast:\n  rate_per_second: {RATE}\n", encoding="utf-8")
        env = {**os.environ, "SPASER_BOT_TOKEN": fake.token, "PYTHONPATH": str(ROOT)}
        bot = subprocess.Popen([sys.executable, "-m", "bot.cli", "run", "--config", str(folder / "config.yaml")],
                               env=env, cwd=folder, stderr=subprocess.DEVNULL)
        try:
            await fake.wait_for(lambda: len(times) >= SUBSCRIBERS, timeout=SUBSCRIBERS / RATE * 2 + 60)
        finally:
            bot.send_signal(signal.SIGINT)
            await asyncio.to_thread(bot.wait, 30)
        storage = Storage.open(folder / "b.db")
        counts = storage.announcements.counts(broadcast_id)
        storage.close()
    await fake.stop()
    received: dict[int, int] = {}
    for msg in fake.sent:
        if msg["chat"]["id"] in users:
            received[msg["chat"]["id"]] = received.get(msg["chat"]["id"], 0) + 1
    duration = times[-1] - times[0]
    rate = (len(times) - 1) / duration if duration else float("nan")
    missing = SUBSCRIBERS - len(received)
    print(f"Annonce à {SUBSCRIBERS} abonnés, rythme configuré {RATE}/s, faux serveur limité à 30/s")
    print(f"Durée : {duration:.1f} s ; débit obtenu : {rate:.1f} messages/s ({rate / RATE:.0%} du rythme configuré, cible ≥ 90 %)")
    print(f"Reçus : {len(received)} ; manquants : {missing} ; doublons : {sum(c - 1 for c in received.values())}")
    print(f"Refus 429 du faux serveur : {sum(1 for c in fake.rejected if c.error.startswith('429'))} ; "
          f"autres refus : {sum(1 for c in fake.rejected if not c.error.startswith('429'))}")
    print(f"État des envois en base : {counts}")


if __name__ == "__main__":
    asyncio.run(main())
