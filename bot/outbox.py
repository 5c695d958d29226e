"""Replies leave apart from the events they answer: each chat's in order, recorded once out.

An event is applied (committed with its replies, storage.events) as soon as
its turn comes; sending its replies can take long (flood control, a document
to make). Once the event is applied, nothing makes the messenger offer it
again, so the replies must survive a crash on their own: they wait in the database until
the outbox records them sent, and what was not sent is sent when the bot
starts again. Meanwhile the person's next event is applied without waiting
for the previous replies to be out, which still arrive in order.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections import deque
from collections.abc import Awaitable, Callable

from bot.core_access import CoreAccess

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[object]]


class Outbox:
    def __init__(self, core: CoreAccess, events, channel: str):
        self.core = core
        self.events = events  # storage.events
        self.channel = channel
        self._chats: dict[str, deque[tuple[Job, str | None]]] = {}
        self._tasks: dict[str, asyncio.Task] = {}
        # Events whose replies are queued, being sent, or sent and not yet recorded as such:
        # offered again meanwhile, they are not sent a second time.
        self._pending: set[str] = set()
        self._sent: list[str] = []
        self._recording: asyncio.Task | None = None

    def waiting(self, chat: str) -> int:
        """Replies of this chat not out yet: a person's flood is counted with them."""
        queue = self._chats.get(chat)
        return len(queue) if queue else 0

    def push(self, chat: str, job: Job, event_id: str | None = None) -> None:
        """Send `job` after the chat's earlier ones; `event_id`: the applied event whose replies these are."""
        if event_id is not None:
            if event_id in self._pending:
                return  # already on its way (sent at start-up, and the same event offered again)
            self._pending.add(event_id)
        queue = self._chats.setdefault(chat, deque())
        queue.append((job, event_id))
        if chat not in self._tasks:
            self._tasks[chat] = asyncio.get_running_loop().create_task(self._send(chat, queue))

    async def _send(self, chat: str, queue: deque) -> None:
        try:
            while queue:
                job, event_id = queue[0]
                try:
                    await job()
                except asyncio.CancelledError:
                    raise
                except Exception:  # one reply's failure must not keep the next ones in
                    log.exception("Could not send a reply in chat %s", chat)
                finally:
                    queue.popleft()
                if event_id is not None:
                    self._record(event_id)
        finally:
            self._tasks.pop(chat, None)
            if self._chats.get(chat) is queue and not queue:
                del self._chats[chat]

    def _record(self, event_id: str) -> None:
        """Recorded in batches: while one is written, the replies sent meanwhile wait for the next."""
        self._sent.append(event_id)
        if self._recording is None or self._recording.done():
            self._recording = asyncio.get_running_loop().create_task(self._write())

    async def _write(self) -> None:
        while self._sent:
            batch, self._sent = self._sent, []
            try:
                await self.core.run(self.events.delivered, self.channel, batch)
            except sqlite3.OperationalError as exc:  # a full disk: they may be sent again after a restart
                log.error("Could not record %d replies as sent: %s", len(batch), exc)
            finally:
                self._pending.difference_update(batch)

    async def resume(self, send: Callable[[str, str], Job]) -> None:
        """Queue what was applied before a crash and never sent; `send(chat, replies)` makes its job."""
        try:
            rows = await self.core.run(self.events.undelivered, self.channel)
        except sqlite3.OperationalError as exc:
            log.error("Could not read the replies left to send: %s", exc)
            return
        for event_id, chat, replies in rows:
            self.push(chat, send(chat, replies), event_id)
        if rows:
            log.info("Sending the replies of %d events applied before the last stop", len(rows))

    async def close(self, timeout: float) -> None:
        """Let what is queued go out for up to `timeout` seconds; the rest is sent at the next start."""
        tasks = list(self._tasks.values())
        if tasks:
            done, unfinished = await asyncio.wait(tasks, timeout=timeout)
            for task in unfinished:
                task.cancel()
            if unfinished:
                log.warning("Stopping with the replies of %d chats not sent; they will be at the next start",
                            len(unfinished))
                await asyncio.gather(*unfinished, return_exceptions=True)
        if self._recording is not None:
            await asyncio.gather(self._recording, return_exceptions=True)
        await self._write()
