"""Chat in a terminal: one line in, the replies printed, through a pipe or a TTY.

The console user is id 0 and an admin: the terminal belongs to whoever runs
it. `spaser-bot console --user NOM` is another person in the same database
(an invitation, a colleague's view of a shared workspace, a second animator),
animator only if the configuration lists « console:NOM ». Buttons are
numbered; typing the number or the label chooses one.
"""

from __future__ import annotations

import asyncio
import getpass
import hashlib
import os
import sys
from pathlib import Path
from typing import TextIO

from bot import office
from bot.access import CONSOLE_OWNER_ID, OWNER_ADDRESS
from bot.router import Assistant
from bot.rendering import to_plain_text
from bot.core_access import CoreAccess
from bot.documents_out import made_now
from bot.numbered import Choices
from bot.jobs import Jobs
from bot.replies import Button, Capabilities, Document, Event, Reply
from domain import clock
from domain.text import name_key

# A terminal: choices are numbered, documents land in a folder, files are given by their path,
# and nothing arrives unasked (announcements go to the messengers).
CONSOLE = Capabilities(name="console", buttons=False, edits=False, files=False, html=False, max_length=1_000_000,
                       announcements=False, local=True)


def console_user_id(name: str) -> int:
    """A stable id for a named console person: negative, so never a Telegram user's."""
    digest = hashlib.sha256(name_key(name).encode("utf-8")).digest()
    return -(int.from_bytes(digest[:6], "big") + 1)


class Console:
    def __init__(self, assistant: Assistant, out: TextIO = sys.stdout, user: str | None = None):
        self.assistant = assistant
        self.out = out
        self.choices = Choices()
        named = " ".join((user or "").split())
        self.name = named or os.environ.get("USER") or _safe_user()
        self.user_id = console_user_id(named) if named else CONSOLE_OWNER_ID
        self.address = name_key(named) if named else OWNER_ADDRESS
        self._retention_day = None

    def event_for(self, line: str) -> Event:
        """Turn a typed line into a command, a button choice or plain text."""
        base = dict(user_id=self.user_id, chat_id=self.user_id, display_name=self.name, capabilities=CONSOLE,
                    address=self.address)
        stripped = line.strip()
        if stripped.startswith("/") and len(stripped) > 1:
            name, _, args = stripped[1:].partition(" ")
            return Event(**base, command=name, args=args.strip())
        chosen = self.choose_button(stripped)
        if chosen is not None:
            return Event(**base, payload=chosen.payload)
        return Event(**base, text=line)

    def choose_button(self, typed: str) -> Button | None:
        return self.choices.choose(typed)

    def show(self, replies: list[Reply]) -> None:
        replies = [made_now(r) for r in replies]  # no one else is waiting in a terminal
        for reply, lines in zip(replies, self.choices.shown(replies)):
            self.out.write(to_plain_text(reply.html).rstrip() + "\n")
            for line in lines:
                self.out.write(f"  {line}\n")
            if reply.document is not None:
                self.out.write(f"📄 Fichier enregistré : {self.save(reply.document)}\n")
            self.out.write("\n")
        self.out.flush()
        for reply in replies:
            if reply.document is not None and reply.document.convert:
                self.show(office.converted(reply.document))  # no one else is waiting in a terminal

    def save(self, document: Document) -> Path:
        """Documents land in the exports folder; a second export of the same day gets a suffix."""
        folder = Path(self.assistant.services.settings.exports_dir)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / document.filename
        stem, suffix, n = target.stem, target.suffix, 2
        while target.exists():
            target = folder / f"{stem}-{n}{suffix}"
            n += 1
        target.write_bytes(document.content)
        return target

    def send(self, line: str) -> None:
        self.keep_retention()
        self.show(self.assistant.handle(self.event_for(line)))

    def keep_retention(self) -> None:
        """The daily retention run, here too: old logs purged and overdue erasures done even where only the
        console is used. (Warnings go out from the messengers' bot; the console reaches no one.)"""
        today = clock.now().date()
        if self._retention_day == today:
            return
        self._retention_day = today
        settings = self.assistant.services.settings
        jobs = Jobs(CoreAccess(), self.assistant, {}, settings.broadcast.rate_per_second)
        asyncio.run(jobs.run_retention(clock.now()))

    def run(self, lines: TextIO = sys.stdin) -> int:
        """Read until end of input; show the welcome first unless line one is a command."""
        interactive = lines.isatty()
        if interactive:
            self.send("/start")
            self.out.write("(Ctrl-D pour quitter)\n\n")
        first = True
        while True:
            if interactive:
                self.out.write("› ")
                self.out.flush()
            line = lines.readline()
            if not line:
                return 0
            line = line.rstrip("\r\n")
            if first and not interactive and not line.strip().startswith("/"):
                self.send("/start")
            first = False
            self.send(line)


def _safe_user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "vous"
