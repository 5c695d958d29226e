"""Telegram forgets an update only once it is applied.

Telegram keeps offering an update until the bot confirms it: by asking
getUpdates from a later offset (polling), or by answering the webhook's
request. python-telegram-bot confirms as soon as updates are fetched, while
they are still being handled, so a crash in between lost the person's
message for good. Here the offset asked for is the oldest update not yet
applied (its effect and the record that it was applied committed together),
and the webhook's request is answered once its update is applied. An update
offered again after a crash is recognised by its record (storage.events).

Replies are not waited for: they go out from the outbox (bot.telegram.outbox),
which resends what was applied but not sent when the bot starts again. A
person held by flood control therefore never holds the offset, and everybody
else's updates keep coming.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Update
from telegram.ext import ExtBot

log = logging.getLogger(__name__)

# While some fetched update is still being applied, how long to wait before asking Telegram again (from the
# oldest not applied, so it returns that one and those after it again, already in hand): a file being
# downloaded holds its update, and the others must not wait for it.
HELD_WAIT = 0.25  # seconds


class UpdateLedger:
    """The updates fetched and not yet applied, and the offset that confirms everything before them."""

    def __init__(self) -> None:
        self._open: set[int] = set()
        self._next = 0  # the update after the last one handed to the application
        self._changed = asyncio.Event()

    @property
    def offset(self) -> int:
        """What to ask getUpdates from: every update before it is applied (or was never ours to apply)."""
        return min(self._open) if self._open else self._next

    def fresh(self, updates) -> list:
        """The updates not handed out yet (the others are already being applied), now counted as open."""
        fresh = [u for u in updates if u.update_id >= self._next]
        for update in fresh:
            self._open.add(update.update_id)
        if fresh:
            self._next = fresh[-1].update_id + 1
        return fresh

    def opened(self, update_id: int) -> None:
        """An update received by the webhook, to apply before Telegram is answered."""
        self._open.add(update_id)

    def applied(self, update_id: int) -> None:
        """Applied, dropped as a flood, or ignored: Telegram may forget it."""
        self._open.discard(update_id)
        self._changed.set()

    def is_open(self, update_id: int) -> bool:
        return update_id in self._open

    async def wait_applied(self, timeout: float) -> None:
        """Until every update in hand is applied, or `timeout`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self._open:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except asyncio.TimeoutError:
                return

    async def wait_for(self, update_id: int) -> None:
        while update_id in self._open:
            self._changed.clear()
            await self._changed.wait()


class ConfirmingBot(ExtBot):
    """The bot whose getUpdates confirms only the updates already applied (see the module's docstring)."""

    __slots__ = ("_ledger",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._ledger = UpdateLedger()  # python-telegram-bot's objects take new attributes only if protected

    @property
    def ledger(self) -> UpdateLedger:
        return self._ledger

    async def get_updates(self, offset: int | None = None, *args, **kwargs) -> tuple[Update, ...]:
        # Asked from the oldest update still being applied, Telegram would return it at once: give the
        # updates in hand a moment to be applied first, so that each update is normally fetched once.
        await self.ledger.wait_applied(HELD_WAIT)
        updates = await super().get_updates(self.ledger.offset, *args, **kwargs)
        fresh = self.ledger.fresh(updates)
        if updates and not fresh:
            log.debug("Updates from %s are still being applied; asking again", self.ledger.offset)
        return tuple(fresh)


class ConfirmingQueue(asyncio.Queue):
    """The application's update queue; in webhook mode, Telegram's request is answered once its update is applied.

    python-telegram-bot's webhook handler answers when its `put` returns. The
    poller puts a whole batch at once, so only the webhook waits (`webhook`).
    """

    def __init__(self, ledger: UpdateLedger) -> None:
        super().__init__()
        self.ledger = ledger
        self.webhook = False

    async def put(self, item) -> None:
        if not self.webhook or not isinstance(item, Update):
            await super().put(item)
            return
        self.ledger.opened(item.update_id)
        await super().put(item)
        await self.ledger.wait_for(item.update_id)
