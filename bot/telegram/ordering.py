"""One person's updates in order, different people's at once; floods dropped before they queue.

A quick double tap must not run two steps of the same dialog at once, while
a slow reply to one person must not hold up everyone else.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# Updates one person may have waiting; more are a flood, dropped with one notice.
MAX_WAITING_PER_USER = 8

MAX_CONCURRENT_UPDATES = 256
# python-telegram-bot's own semaphore also counts updates waiting for their
# person's turn; it is made wide, and the real limit taken once it is their turn.
MAX_QUEUED_UPDATES = 8192
# The processing slot of the update being handled, so that a wait on flood control can give it back.
PROCESSING_SLOT: ContextVar[asyncio.Semaphore | None] = ContextVar("processing_slot", default=None)


async def pause_without_slot(seconds: float) -> None:
    """Wait out a flood-control pause without holding a processing slot others could use."""
    slot = PROCESSING_SLOT.get()
    if slot is None:
        await asyncio.sleep(seconds)
        return
    slot.release()
    try:
        await asyncio.sleep(seconds)
    finally:
        await slot.acquire()


class PerUserUpdateProcessor(BaseUpdateProcessor):
    """Process different people's updates concurrently, one person's in arrival order.

    A quick double tap must not run two steps of the same dialog at once,
    while a slow reply to one user must not hold up everyone else. A slot is
    taken only when it is the update's turn (waiting behind the same person's
    earlier update holds none), and given back while a reply waits on
    Telegram's flood control.
    """

    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT_UPDATES):
        super().__init__(MAX_QUEUED_UPDATES)
        self._slots = asyncio.Semaphore(max_concurrent_updates)
        self._locks: dict[int, list[Any]] = {}
        # Called with the update and the person's id when their flood is dropped.
        self.on_flood: Callable[[Update, int], None] | None = None

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = None
        if isinstance(update, Update):
            user = update.effective_user
            chat = update.effective_chat
            key = user.id if user else (chat.id if chat else None)
        if key is None:
            await coroutine
            return
        slot = self._locks.setdefault(key, [asyncio.Lock(), 0])
        if slot[1] >= MAX_WAITING_PER_USER:
            # One person's flood waits in their own queue, not in everyone's slots:
            # past a few waiting messages, theirs are dropped (and they are told once).
            coroutine.close()
            if self.on_flood is not None:
                self.on_flood(update, key)
            return
        slot[1] += 1
        try:
            async with slot[0], self._slots:
                token = PROCESSING_SLOT.set(self._slots)
                try:
                    await coroutine
                finally:
                    PROCESSING_SLOT.reset(token)
        finally:
            slot[1] -= 1
            if slot[1] == 0:
                self._locks.pop(key, None)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""
