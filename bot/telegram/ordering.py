"""One person's updates in order, different people's at once; floods dropped before they queue.

A quick double tap must not run two steps of the same dialog at once, while
a slow reply to one person must not hold up everyone else.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# Updates one person may have waiting; more are a flood, dropped with one notice.
MAX_WAITING_PER_USER = 8

MAX_CONCURRENT_UPDATES = 256
# python-telegram-bot's own semaphore also counts updates waiting for their
# person's turn; it is made wide, and the real limit taken once it is their turn.
MAX_QUEUED_UPDATES = 8192


class PerUserUpdateProcessor(BaseUpdateProcessor):
    """Process different people's updates concurrently, one person's in arrival order.

    A quick double tap must not run two steps of the same dialog at once,
    while a slow reply to one user must not hold up everyone else. A slot is
    taken only when it is the update's turn (waiting behind the same person's
    earlier update holds none). Replies leave through the outbox, after the
    update is applied, so a person's next update does not wait for them.
    """

    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT_UPDATES):
        super().__init__(MAX_QUEUED_UPDATES)
        self._slots = asyncio.Semaphore(max_concurrent_updates)
        self._locks: dict[int, list[Any]] = {}
        # Called with the update and the person's id when their flood is dropped.
        self.on_flood: Callable[[Update, int], None] | None = None
        # A person's replies not sent yet (the outbox): counted with their updates waiting here.
        self.backlog: Callable[[int], int] = lambda key: 0
        # Called with each update once it is applied, dropped or ignored (bot.telegram.confirming).
        self.on_done: Callable[[Update], None] | None = None

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        try:
            await self._process(update, coroutine)
        finally:
            if self.on_done is not None and isinstance(update, Update):
                self.on_done(update)

    async def _process(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = None
        if isinstance(update, Update):
            user = update.effective_user
            chat = update.effective_chat
            key = user.id if user else (chat.id if chat else None)
        if key is None:
            await coroutine
            return
        slot = self._locks.setdefault(key, [asyncio.Lock(), 0])
        if slot[1] + self.backlog(key) >= MAX_WAITING_PER_USER:
            # One person's flood waits in their own queue, not in everyone's slots:
            # past a few waiting messages, theirs are dropped (and they are told once).
            coroutine.close()
            if self.on_flood is not None:
                self.on_flood(update, key)
            return
        slot[1] += 1
        try:
            async with slot[0], self._slots:
                await coroutine
        finally:
            slot[1] -= 1
            if slot[1] == 0:
                self._locks.pop(key, None)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""
