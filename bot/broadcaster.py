"""Sending announcements from the Telegram bot: paced, resumable, stoppable.

The broadcaster is the only sender. Every second it looks for broadcasts to
work on (queued and due, or left `sending` by a previous run), writes their
delivery rows, then sends what is pending:

- at most `rate_per_second` messages per second, with a few in flight at once
  (Telegram answers in tens of milliseconds; waiting for each would cap the
  rate far below the limit);
- `RetryAfter` pauses every send for the time Telegram asks;
- `Forbidden` marks the person as blocked, never retried;
- network errors are retried with a growing delay, then counted as failed;
- a delivery is claimed (pending → sending) before its first call, and each
  part of a long announcement is written as sent when Telegram confirms it,
  so after a kill only the parts in flight (at most IN_FLIGHT) can arrive
  twice, and a resumed delivery starts at the first part the person lacks.

Reminders of webinars are rows too, sent when due, so a restart re-arms them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime

from telegram import InputFile
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from bot.features.announcements import announcement_reply
from bot.rendering import message, split_html, to_plain_text
from bot.replies import Reply
from bot.telegram.markup import keyboard
from dialogs.inputs import format_moment
from domain.clock import now_iso
from domain import clock
from domain.statuses import BroadcastStatus, DeliveryStatus
from storage.rows import Broadcast, Delivery

log = logging.getLogger(__name__)

IN_FLIGHT = 8
MAX_ATTEMPTS = 5
STATUS_EVERY = 0.5  # how often a broadcast in progress checks it was not cancelled


class Broadcaster:
    def __init__(self, channel, rate_per_second: float, poll_seconds: float = 1.0):
        self.channel = channel
        self.assistant = channel.assistant
        self.store = channel.assistant.services.storage.announcements
        self.users = channel.assistant.services.storage.users
        self.interval = 1.0 / max(rate_per_second, 0.1)
        self.poll = poll_seconds
        self.resume_at = 0.0  # RetryAfter: nothing leaves before this monotonic time
        self.next_slot = 0.0

    @property
    def bot(self):
        return self.channel.application.bot

    async def run(self) -> None:
        while True:
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("Broadcaster error; trying again shortly")
            await asyncio.sleep(self.poll)

    async def tick(self) -> None:
        for broadcast in self.store.due(now_iso()):
            if broadcast.status == BroadcastStatus.QUEUED:
                count = self.store.start(broadcast)
                log.info("Broadcast %s: %d recipients", broadcast.id, count)
            await self.send_broadcast(broadcast.id)
        await self.send_reminders()
        await self.send_reports()

    # -- one broadcast ----------------------------------------------------------------

    async def send_broadcast(self, broadcast_id: int) -> None:
        broadcast = self.store.get(broadcast_id)
        if self.store.reclaim(broadcast_id):
            log.info("Broadcast %s: resuming deliveries left in progress by a stopped bot", broadcast_id)
        reply = announcement_reply(broadcast)
        in_flight: dict[int, asyncio.Task] = {}
        not_before: dict[int, float] = {}
        checked = 0.0
        while True:
            now = time.monotonic()
            if now - checked > STATUS_EVERY:
                checked = now
                if self.store.status(broadcast_id) != BroadcastStatus.SENDING:
                    break  # cancelled: pending rows were dropped by the cancel itself
            rows = [
                r for r in self.store.pending(broadcast_id, IN_FLIGHT * 4 + len(in_flight))
                if r.id not in in_flight and not_before.get(r.id, 0) <= now
            ]
            if not rows:
                if in_flight:
                    await asyncio.wait(in_flight.values(), return_when=asyncio.FIRST_COMPLETED)
                    continue
                if not self.store.pending(broadcast_id, 1):
                    self.store.finish(broadcast_id)
                    break
                await asyncio.sleep(0.2)  # only rows waiting out a retry delay
                continue
            for row in rows:
                while len(in_flight) >= IN_FLIGHT:
                    await asyncio.wait(in_flight.values(), return_when=asyncio.FIRST_COMPLETED)
                await self.pace()
                if broadcast.file_id is None and reply.document is not None:
                    # Upload the calendar file once, then reuse Telegram's file_id (stored by the first send).
                    if in_flight:
                        await asyncio.wait(in_flight.values())
                    broadcast = self.store.get(broadcast_id)
                if not self.store.claim(row.id):
                    continue  # cancelled or taken meanwhile
                task = asyncio.ensure_future(self.deliver(broadcast, reply, row, not_before))
                in_flight[row.id] = task
                task.add_done_callback(lambda _, key=row.id: in_flight.pop(key, None))
                if time.monotonic() - checked > STATUS_EVERY:
                    break
        if in_flight:
            await asyncio.wait(in_flight.values())

    async def pace(self) -> None:
        """Keep to the configured rate, and to any pause Telegram asked for."""
        now = time.monotonic()
        start = max(now, self.next_slot, self.resume_at)
        self.next_slot = start + self.interval
        if start > now:
            await asyncio.sleep(start - now)

    async def deliver(self, broadcast: Broadcast, reply: Reply, row: Delivery, not_before: dict) -> None:
        chat_id = row.user_id
        try:
            await self.send(broadcast, reply, chat_id, row)
        except RetryAfter as exc:
            wait = _seconds(exc)
            self.resume_at = max(self.resume_at, time.monotonic() + wait)
            log.warning("Flood control during broadcast %s: pausing %.1f s", broadcast.id, wait)
            self.store.release(row.id)
            return  # pending again: sent after the pause, from the part where it stopped
        except Forbidden:
            self.users.mark_blocked(chat_id)
            self.store.record(row.id, DeliveryStatus.BLOCKED, "Forbidden")
            return
        except BadRequest as exc:
            self.store.record(row.id, DeliveryStatus.FAILED, str(exc)[:200])
            return
        except NetworkError as exc:
            attempts = self.store.retry_later(row.id, exc.__class__.__name__)
            if attempts >= MAX_ATTEMPTS:
                self.store.record(row.id, DeliveryStatus.FAILED, exc.__class__.__name__)
            else:
                self.store.release(row.id)
                not_before[row.id] = time.monotonic() + 2 ** attempts
            return
        self.store.record(row.id, DeliveryStatus.SENT)

    async def send(self, broadcast: Broadcast, reply: Reply, chat_id: int, row: Delivery) -> None:
        """Every part of the announcement not sent yet, in order; the buttons go with the last part.

        Each part sent is written at once (`parts_sent`): a delivery resumed after
        a pause or a crash starts at the first part the person does not have. A
        flood-control pause on a later part is waited out here and that part
        sent again.
        """
        markup = keyboard(reply)
        with_caption = reply.document is not None and len(to_plain_text(reply.html)) <= 1024
        parts = [] if with_caption else split_html(reply.html)
        done = row.parts_sent
        for index, part in enumerate(parts):
            if index < done:
                continue
            last = index == len(parts) - 1 and reply.document is None
            await self._part(index - done, lambda part=part, last=last: self.bot.send_message(
                chat_id, part, parse_mode=ParseMode.HTML, reply_markup=markup if last else None))
            self.store.part_sent(row.id, index + 1)
        if reply.document is None:
            return
        document = broadcast.file_id or InputFile(reply.document.content, filename=reply.document.filename)
        sent = await self._part(len(parts) - done, lambda: self.bot.send_document(
            chat_id, document, caption=reply.html if with_caption else "Ajoutez-le à votre agenda.",
            parse_mode=ParseMode.HTML, reply_markup=markup,
        ))
        if broadcast.file_id is None and sent.document is not None:
            # Stored for every later recipient: the send loop reads the broadcast again before going on.
            self.store.set_file_id(broadcast.id, sent.document.file_id)

    async def _part(self, index: int, call):
        for _ in range(MAX_ATTEMPTS):
            try:
                return await call()
            except RetryAfter as exc:
                if index == 0:
                    raise  # nothing sent yet: the whole delivery waits for the pause
                wait = _seconds(exc)
                self.resume_at = max(self.resume_at, time.monotonic() + wait)
                await asyncio.sleep(wait)
        return await call()

    # -- reminders and reports ----------------------------------------------------------

    async def send_reminders(self) -> None:
        for reminder in self.store.due_reminders(clock.now_iso()):
            if reminder.broadcast_status != BroadcastStatus.CANCELLED:
                html = message("reminder", title=reminder.title, when=format_moment(reminder.starts_at),
                               link=reminder.link, label=reminder.label)
                await self.pace()
                await self.channel.deliver(reminder.user_id, [Reply(html)], reminder.user_id)
            self.store.reminder_sent(reminder.id)

    async def send_reports(self) -> None:
        for broadcast in self.store.unreported():
            counts = self.store.counts(broadcast.id)
            started = datetime.fromisoformat(broadcast.started_at)
            finished = datetime.fromisoformat(broadcast.finished_at or now_iso())
            html = message("broadcast_report", id=broadcast.id, title=broadcast.title, counts=counts,
                           seconds=max(0, round((finished - started).total_seconds())))
            readers = [broadcast.author_id] if broadcast.author_id else list(self.assistant.services.settings.admins)
            for reader in readers:
                await self.channel.deliver(reader, [Reply(html)], reader)
            self.store.mark_reported(broadcast.id)
            log.info("Broadcast %s finished: %s", broadcast.id, counts)


def _seconds(exc: RetryAfter) -> float:
    """Telegram's requested pause (a timedelta, or seconds with older settings)."""
    wait = exc.retry_after
    return wait.total_seconds() if hasattr(wait, "total_seconds") else float(wait)


