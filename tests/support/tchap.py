"""Tchap in the tests: one bot account and agents on the local Synapse, the bot run as a process, and
what an agent does in a room (greet, pick a numbered choice by number or reaction, fill the profile)."""

from __future__ import annotations

import itertools
import re
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.support.synapse import Homeserver, environment_without_proxies

ROOT = Path(__file__).resolve().parents[2]
NUMBERED = re.compile(r"^(\d+)\. (.+)$", re.MULTILINE)
_names = itertools.count(1)


def next_name() -> int:
    return next(_names)


class Tchap:
    """One bot account and one agent on the homeserver, the bot run as a process of its own."""

    def __init__(self, homeserver: Homeserver, folder: Path, allowed_domains=(), animator=False, telegram=None):
        from tests.support.matrix_agent import Agent

        n = next_name()
        self.homeserver = homeserver
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.bot_id = homeserver.register(f"assistant{n}", "motdepasse-bot")
        self.agent = Agent(homeserver.url, homeserver.register(f"agent{n}", "motdepasse-agent"),
                           "motdepasse-agent", folder / "agent")
        self.database = folder / "spaser.db"
        domains = "".join(f"\n    - {d}" for d in allowed_domains)
        self.config = folder / "config.yaml"
        self.config.write_text(
            f"matrix:\n  homeserver: {homeserver.url}\n  user_id: '{self.bot_id}'\n  password: motdepasse-bot\n"
            f"  store_path: {folder / 'store'}\n" + (f"  allowed_domains:{domains}\n" if domains else "")
            + f"storage:\n  path: {self.database}\nexports_dir: {folder / 'exports'}\n"
            + (f"admins:\n  - 'matrix:{self.agent.user_id}'\n" if animator else "")
            + (f"telegram:\n  base_url: {telegram.base_url}\n" if telegram else ""),
            encoding="utf-8",
        )
        self.process: subprocess.Popen | None = None
        self.starts = 0
        self.channel_args = [] if telegram else ["--canal", "tchap"]
        self.token = {"SPASER_BOT_TOKEN": telegram.token} if telegram else {}

    def start(self, **env) -> None:
        self.starts += 1
        with open(self.folder / f"bot-{self.starts}.log", "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "run", *self.channel_args, "--config", str(self.config)],
                cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                env={**environment_without_proxies(), "SPASER_SOFFICE": "", **self.token, **env},
            )

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in sorted(self.folder.glob("bot-*.log")))

    def query(self, sql: str, params=()) -> list[tuple]:
        with sqlite3.connect(self.database) as db:
            return db.execute(sql, params).fetchall()


def choices(message) -> dict[str, int]:
    """The numbered choices under a message of the bot: label → number."""
    return {label.strip(): int(number) for number, label in NUMBERED.findall(message.body)}


def number_of(message, label: str) -> int:
    found = [n for text, n in choices(message).items() if text.startswith(label) or label in text]
    assert found, f"no choice « {label} » in: {message.body[-600:]}"
    return found[0]


def last_text(got):
    from tests.support.matrix_agent import texts

    shown = texts(got)
    assert shown, [m.kind for m in got]
    return shown[-1]


async def meet(agent, bot_id: str, subscribe: str | None = None):
    """A first contact: the agent opens a direct room with the bot and greets it. Returns the greeting."""
    await agent.open_direct_room(bot_id)
    return await greet(agent, subscribe)


async def greet(agent, subscribe: str | None = None):
    """The first words to the bot: its greeting, then the announcements' opt-in, asked once, answered
    (« Passer », or a theme then « Valider la sélection »). Returns the greeting."""
    got = await agent.exchange("bonjour", until=lambda g: any("Voulez-vous recevoir les annonces" in m.body for m in g))
    greeting = next(m for m in got if m.kind == "text" and "Bonjour" in m.body)
    opt_in = next(m for m in got if "Voulez-vous recevoir les annonces" in m.body)
    if subscribe is None:
        await pick(agent, opt_in, "Passer", "number")
    else:
        edited = await pick(agent, opt_in, subscribe, "reaction")
        assert edited.kind == "edit"
        await pick(agent, opt_in, "Valider la sélection", "reaction")
    return greeting


async def pick(agent, message, label: str, by: str):
    """Choose a numbered choice by typing its number or by tapping its reaction; the bot's answer."""
    number = number_of(message, label)
    if by == "reaction":
        got = await agent.tap(message, number)
    else:
        got = await agent.exchange(str(number))
    return last_text(got)


async def fill_profile(agent, by=itertools.cycle(["number", "reaction"])):
    step = last_text(await agent.exchange("!profil"))
    step = await pick(agent, step, "Commune", next(by))
    step = last_text(await agent.exchange("Ville de Quimper"))
    step = await pick(agent, step, "Bretagne", next(by))
    step = last_text(await agent.exchange("72,5"))
    step = await pick(agent, step, "Non, aucun", next(by))
    step = last_text(await agent.exchange("2026"))
    step = last_text(await agent.exchange("2030"))
    if "SIRET" in step.body:
        step = last_text(await agent.exchange("!passer"))
    return await pick(agent, step, "Valider", next(by))


