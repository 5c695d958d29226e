"""Telegram forgets an update only once it is safe with us.

Telegram keeps offering an update until the bot confirms it: by asking
getUpdates from a later offset (polling), or by answering the webhook's
request. python-telegram-bot confirms as soon as updates are fetched, while
they are still being handled, so a crash in between lost the person's
message for good.

Polling: each batch is written as received (storage.received) before the
call that confirms it, and the batches a crash left are applied when the bot
starts again (an update applied already is recognised by its record,
storage.events). Holding the offset at the oldest update not yet applied was
tried: every call then fetched again the updates being applied, or waited
for them, which added a few milliseconds to every reply under load.

Webhook: Telegram's request is answered once its update is applied.

Replies are not part of it: they go out from the outbox (bot.outbox), which
sends at the next start what was applied but not sent.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.ext import ExtBot

from bot.telegram.http_client import AiohttpRequest
from storage.faults import crash_point

log = logging.getLogger(__name__)


class UpdateLedger:
    """The updates handed to the application and not yet applied."""

    def __init__(self) -> None:
        self._open: set[int] = set()
        self.next = 0  # the update after the last one handed to the application
        self._changed = asyncio.Event()

    @property
    def applied_below(self) -> int:
        """Every update before this one is applied (or was never ours to apply)."""
        return min(self._open) if self._open else self.next

    def fresh(self, updates) -> list:
        """The updates not handed out yet (the others are already being applied), now counted as open."""
        fresh = [u for u in updates if u.update_id >= self.next]
        for update in fresh:
            self._open.add(update.update_id)
        if fresh:
            self.next = fresh[-1].update_id + 1
        return fresh

    def opened(self, update_id: int) -> None:
        """An update received by the webhook, to apply before Telegram is answered."""
        self._open.add(update_id)

    def applied(self, update_id: int) -> None:
        """Applied, dropped as a flood, or ignored."""
        self._open.discard(update_id)
        self._changed.set()

    async def wait_for(self, update_id: int) -> None:
        while update_id in self._open:
            self._changed.clear()
            await self._changed.wait()


# Writes a batch as received: (its body, its last update id, the id below which every update is applied).
KeepBatch = Callable[[str, int, int], Awaitable[None]]


class ConfirmingBot(ExtBot):
    """The bot whose getUpdates confirms a batch only once it is written down (see the module's docstring)."""

    __slots__ = ("_ledger", "_updates_request", "_keep")

    def __init__(self, token: str, get_updates_request: AiohttpRequest, **kwargs):
        super().__init__(token, get_updates_request=get_updates_request, **kwargs)
        # python-telegram-bot's objects take new attributes only if protected.
        self._ledger = UpdateLedger()
        self._updates_request = get_updates_request  # its last body: the batch as received
        self._keep: KeepBatch | None = None

    @property
    def ledger(self) -> UpdateLedger:
        return self._ledger

    def keep_batches_with(self, keep: KeepBatch) -> None:
        self._keep = keep

    async def get_updates(self, offset: int | None = None, *args, **kwargs) -> tuple[Update, ...]:
        # From the last update handed out: those a restart read from the database are confirmed too.
        updates = await super().get_updates(max(offset or 0, self.ledger.next), *args, **kwargs)
        fresh = self.ledger.fresh(updates)
        if fresh and self._keep is not None:
            # Written before python-telegram-bot's next call tells Telegram to forget them.
            try:
                await self._keep(self._updates_request.last_body.decode("utf-8"), fresh[-1].update_id,
                                 self.ledger.applied_below)
            except sqlite3.OperationalError as exc:  # a full disk: applied all the same, only not kept
                log.error("Could not keep a batch of %d updates: %s", len(fresh), exc)
            crash_point("updates-kept")
        return tuple(fresh)

    def read_again(self, bodies: list[str]) -> list[Update]:
        """The updates of batches a stop left, not yet handed out, as the application takes them."""
        updates = []
        for body in bodies:
            try:
                batch = Update.de_list(json.loads(body).get("result") or [], self)
            except (ValueError, TypeError, KeyError) as exc:
                log.error("A batch of updates kept before the stop cannot be read again: %s", exc)
                continue
            updates.extend(self.ledger.fresh(sorted(batch, key=lambda u: u.update_id)))
        return updates


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
