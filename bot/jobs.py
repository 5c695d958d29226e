"""The work nobody asked for in the moment: announcements, webinar reminders, broadcast reports, retention.

One `Jobs` runs in every process that talks to people — the Telegram bot, and
the console for retention — with the senders of the channels that process
runs. Everything it reads or writes goes through the core's gate
(bot.core_access); everything it sends goes through a channel's sender
(bot.channels), with one policy.

Announcements are paced, resumable and stoppable:

- at most `rate_per_second` messages per second on each channel (a sender may
  set its own pace: about one a second on Tchap), with a few in flight at
  once per channel (a messenger answers in tens of milliseconds; waiting for
  each would cap the rate far below the limit), so that a slow channel does
  not hold a fast one;
- flood control pauses every send of that channel for the time it asks;
- each part of each delivery is sent under a key of its own (delivery and
  part): a messenger that deduplicates by transaction id (Matrix) keeps one
  copy of a part sent again after a crash;
- a person who blocked the bot is marked so, never retried;
- network errors are retried with a growing delay, then counted as failed;
- a delivery is claimed (pending → sending) before its first call, and each
  part of a long announcement is written as sent when the messenger confirms
  it, so after a kill only the parts in flight (at most IN_FLIGHT) can arrive
  twice, and a resumed delivery starts at the first part the person lacks.

Reminders of webinars are rows too, sent when due, so a restart re-arms them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from datetime import datetime

from bot.channels import FloodWait, Rejected, Sender, Transient, Unreachable, send_reply, sending_for
from bot.core_access import CoreAccess
from bot.features.announcements import announcement_reply
from bot.rendering import message
from bot.replies import Reply
from bot.router import Assistant
from dialogs.inputs import format_moment
from domain import clock
from domain.statuses import BroadcastStatus, DeliveryStatus
from storage.faults import crash_point
from storage.retention import Retention
from storage.rows import Broadcast, Delivery

log = logging.getLogger(__name__)

IN_FLIGHT = 8  # per channel
INLINE_WAIT = 0.05  # a pause this short between two sends is waited in line
PENDING_LOOK = 200  # rows looked at each round: enough to find every channel's next ones
MAX_ATTEMPTS = 5
STATUS_EVERY = 0.5  # how often a broadcast in progress checks it was not cancelled
RETENTION_EVERY = 3600.0  # seconds between two looks at the daily retention run


class Jobs:
    def __init__(self, core: CoreAccess, assistant: Assistant, senders: dict[str, Sender],
                 rate_per_second: float, poll_seconds: float = 1.0):
        self.core = core
        self.assistant = assistant
        self.storage = assistant.services.storage
        self.store = self.storage.announcements
        self.senders = senders
        self.intervals = {name: 1.0 / max(sender.rate_per_second or rate_per_second, 0.1)
                          for name, sender in senders.items()}
        self.poll = poll_seconds
        self.resume_at: dict[str, float] = {}  # flood control: nothing leaves a channel before this monotonic time
        self.next_slot: dict[str, float] = {}
        self.references: dict[tuple[int, str], str] = {}  # (broadcast, channel) → a file already uploaded

    def start(self) -> list[asyncio.Task]:
        """The loops of this process: announcements where a channel can deliver them, retention always."""
        loop = asyncio.get_running_loop()
        tasks = [loop.create_task(self.retention_loop())]
        if any(s.capabilities.announcements for s in self.senders.values()):
            tasks.append(loop.create_task(self.announcements_loop()))
        return tasks

    # -- where a person is reached -------------------------------------------------------

    async def reach(self, user_id: int) -> tuple[Sender, str] | None:
        """The sender and address of a person's first identity on a channel this process runs."""
        for channel, address in await self.core.run(self.storage.identities.addresses, user_id):
            sender = self.senders.get(channel)
            if sender is not None and sender.capabilities.announcements:
                return sender, address
        return None

    async def tell(self, user_id: int, reply: Reply) -> bool:
        """A message nobody is waiting for (a reminder, a report, a notice); False if it could not go."""
        found = await self.reach(user_id)
        if found is None:
            return False
        sender, address = found
        await self.pace(sender.capabilities.name)
        return await send_reply(sender, address, reply, on_unreachable=lambda: self.blocked(user_id))

    async def blocked(self, user_id: int) -> None:
        await self.core.run(self.storage.users.mark_blocked, user_id)

    # -- announcements -----------------------------------------------------------------

    async def announcements_loop(self) -> None:
        while True:
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("Broadcaster error; trying again shortly")
            await asyncio.sleep(self.poll)

    async def tick(self) -> None:
        for broadcast in await self.core.run(self.store.due, clock.now_iso()):
            if broadcast.status == BroadcastStatus.QUEUED:
                count = await self.core.run(self.store.start, broadcast)
                log.info("Broadcast %s: %d recipients", broadcast.id, count)
            await self.send_broadcast(broadcast.id)
        await self.send_reminders()
        await self.send_reports()

    async def send_broadcast(self, broadcast_id: int) -> None:
        broadcast = await self.core.run(self.store.get, broadcast_id)
        if await self.core.run(self.store.reclaim, broadcast_id):
            log.info("Broadcast %s: resuming deliveries left in progress by a stopped bot", broadcast_id)
        reply = announcement_reply(broadcast)
        in_flight: dict[int, asyncio.Task] = {}
        busy: dict[str, int] = defaultdict(int)  # deliveries in flight, by channel
        reached: dict[int, tuple[Sender, str] | None] = {}  # where each recipient is reached, looked up once
        not_before: dict[int, float] = {}
        checked = 0.0
        while True:
            now = time.monotonic()
            if now - checked > STATUS_EVERY:
                checked = now
                if await self.core.run(self.store.status, broadcast_id) != BroadcastStatus.SENDING:
                    break  # cancelled: pending rows were dropped by the cancel itself
            pending = await self.core.run(self.store.pending, broadcast_id, PENDING_LOOK + len(in_flight))
            rows = [r for r in pending if r.id not in in_flight and not_before.get(r.id, 0) <= now]
            if not rows:
                if in_flight:
                    await asyncio.wait(in_flight.values(), return_when=asyncio.FIRST_COMPLETED)
                    continue
                if not await self.core.run(self.store.pending, broadcast_id, 1):
                    await self.core.run(self.store.finish, broadcast_id)
                    break
                await asyncio.sleep(0.2)  # only rows waiting out a retry delay
                continue
            started = 0
            soonest = STATUS_EVERY  # the nearest slot of a channel that had to wait
            for row in rows:
                if all(busy[name] >= IN_FLIGHT for name in self.senders):
                    break
                if row.user_id not in reached:
                    reached[row.user_id] = await self.reach(row.user_id)
                found = reached[row.user_id]
                channel = found[0].capabilities.name if found else ""
                if busy[channel] >= IN_FLIGHT:
                    continue  # this channel's slots are full; another channel's rows may go
                if reply.document is not None and found and busy[channel] and not self._uploaded(broadcast_id, channel):
                    continue  # the file goes up once per channel; later recipients get the channel's reference
                wait = self.slot(channel) if found else 0.0  # nobody to reach: recorded as failed at once
                if wait > INLINE_WAIT:
                    soonest = min(soonest, wait)
                    continue  # a slow channel (Tchap, about one a second): the others go meanwhile
                if wait > 0:
                    await self.pace(channel)
                if not await self.core.run(self.store.claim, row.id):
                    continue  # cancelled or taken meanwhile
                task = asyncio.ensure_future(self.deliver(broadcast, reply, row, not_before, found))
                in_flight[row.id] = task
                busy[channel] += 1
                started += 1

                def done(_, key=row.id, channel=channel) -> None:
                    in_flight.pop(key, None)
                    busy[channel] -= 1

                task.add_done_callback(done)
                if time.monotonic() - checked > STATUS_EVERY:
                    break
            if not started:
                if in_flight:
                    await asyncio.wait(in_flight.values(), timeout=soonest, return_when=asyncio.FIRST_COMPLETED)
                else:
                    await asyncio.sleep(soonest)
        if in_flight:
            await asyncio.wait(in_flight.values())

    def _uploaded(self, broadcast_id: int, channel: str) -> bool:
        return (broadcast_id, channel) in self.references

    def slot(self, channel: str) -> float:
        """0 when the channel may send now (the slot is then taken), else the seconds until it may."""
        now = time.monotonic()
        start = max(self.next_slot.get(channel, 0.0), self.resume_at.get(channel, 0.0))
        if start > now:
            return start - now
        self.next_slot[channel] = now + self.intervals.get(channel, 1.0)
        return 0.0

    async def pace(self, channel: str) -> None:
        """Wait for the channel's next slot (its rate, and any pause its messenger asked for), and take it."""
        while (wait := self.slot(channel)) > 0:
            await asyncio.sleep(wait)

    def pause(self, channel: str, seconds: float) -> None:
        self.resume_at[channel] = max(self.resume_at.get(channel, 0.0), time.monotonic() + seconds)

    async def deliver(self, broadcast: Broadcast, reply: Reply, row: Delivery, not_before: dict, found) -> None:
        if found is None:
            await self.core.run(self.store.record, row.id, DeliveryStatus.FAILED, "no channel reaches this person")
            return
        sender, address = found
        try:
            await self.send_parts(broadcast, reply, row, sender, address)
        except FloodWait as exc:
            self.pause(sender.capabilities.name, exc.seconds)
            log.warning("Flood control during broadcast %s: pausing %.1f s", broadcast.id, exc.seconds)
            await self.core.run(self.store.release, row.id)
            return  # pending again: sent after the pause, from the part where it stopped
        except Unreachable:
            await self.core.run(self.storage.users.mark_blocked, row.user_id)
            await self.core.run(self.store.record, row.id, DeliveryStatus.BLOCKED, "Forbidden")
            return
        except Rejected as exc:
            await self.core.run(self.store.record, row.id, DeliveryStatus.FAILED, str(exc)[:200])
            return
        except Transient as exc:
            attempts = await self.core.run(self.store.retry_later, row.id, str(exc))
            if attempts >= MAX_ATTEMPTS:
                await self.core.run(self.store.record, row.id, DeliveryStatus.FAILED, str(exc))
            else:
                await self.core.run(self.store.release, row.id)
                not_before[row.id] = time.monotonic() + 2 ** attempts
            return
        await self.core.run(self.store.record, row.id, DeliveryStatus.SENT)

    async def send_parts(self, broadcast: Broadcast, reply: Reply, row: Delivery, sender: Sender, address: str) -> None:
        """Every part of the announcement not sent yet, in order; the buttons go with the last part.

        Each part sent is written at once (`parts_sent`): a delivery resumed after
        a pause or a crash starts at the first part the person does not have. A
        flood-control pause on a later part is waited out here and that part
        sent again.
        """
        parts = getattr(sender, "announcement_parts", sender.parts)(reply)
        key = (broadcast.id, sender.capabilities.name)
        for index, part in enumerate(parts):
            if index < row.parts_sent:
                continue
            sending_for(f"delivery:{row.id}:{index}")
            reference = await self._part(sender.capabilities.name, index - row.parts_sent, lambda part=part: sender.send_part(
                address, part, reply, reference=self.references.get(key) if part.document is not None else None))
            if reference is not None and part.document is not None:
                self.references.setdefault(key, reference)
            crash_point("part-sent")  # sent, not yet written: sent again at the next start, under the same key
            await self.core.run(self.store.part_sent, row.id, index + 1)

    async def _part(self, channel: str, index: int, call):
        for _ in range(MAX_ATTEMPTS):
            try:
                return await call()
            except FloodWait as exc:
                if index == 0:
                    raise  # nothing sent yet: the whole delivery waits for the pause
                self.pause(channel, exc.seconds)
                await asyncio.sleep(exc.seconds)
        return await call()

    # -- reminders and reports ----------------------------------------------------------

    async def send_reminders(self) -> None:
        for reminder in await self.core.run(self.store.due_reminders, clock.now_iso()):
            if reminder.broadcast_status != BroadcastStatus.CANCELLED:
                html = message("reminder", title=reminder.title, when=format_moment(reminder.starts_at),
                               link=reminder.link, label=reminder.label)
                sending_for(f"reminder:{reminder.id}")
                await self.tell(reminder.user_id, Reply(html))
            await self.core.run(self.store.reminder_sent, reminder.id)

    async def send_reports(self) -> None:
        for broadcast in await self.core.run(self.store.unreported):
            counts = await self.core.run(self.store.counts, broadcast.id)
            started = datetime.fromisoformat(broadcast.started_at)
            finished = datetime.fromisoformat(broadcast.finished_at or clock.now_iso())
            html = message("broadcast_report", id=broadcast.id, title=broadcast.title, counts=counts,
                           seconds=max(0, round((finished - started).total_seconds())))
            sending_for(f"report:{broadcast.id}")
            if broadcast.author_id:
                await self.tell(broadcast.author_id, Reply(html))
            else:  # sent from the command line: every configured animator this process reaches
                for channel, address in self.assistant.services.settings.admin_identities():
                    sender = self.senders.get(channel)
                    if sender is not None:
                        await send_reply(sender, address, Reply(html))
            await self.core.run(self.store.mark_reported, broadcast.id)
            log.info("Broadcast %s finished: %s", broadcast.id, counts)

    # -- retention ------------------------------------------------------------------------

    async def retention_loop(self, every: float = RETENTION_EVERY) -> None:
        """Once a day: purge old logs, warn silent accounts, erase those that did not come back."""
        while True:
            try:
                await self.run_retention(clock.now())
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("Retention run failed; it will be tried again")
            await asyncio.sleep(every)

    async def run_retention(self, now: datetime) -> None:
        """A person is warned only where this process reaches them; no one is erased without having been warned."""
        settings = self.assistant.services.settings
        retention = Retention(self.storage.db, settings.privacy.retention_days)
        if not await self.core.run(retention.due, now):
            return
        purged = await self.core.run(retention.purge_logs, now)
        notice = Reply(message("erasure_notice", days=settings.privacy.retention_days))
        notified = 0
        for user_id in await self.core.run(retention.to_notify, now):
            if await self.tell(user_id, notice):
                await self.core.run(retention.mark_notified, user_id, now)
                notified += 1
        erased = await self.core.run(retention.erase_overdue, now)
        await self.core.run(retention.done, now)
        log.info("Retention: %d old records purged, %d accounts warned, %d erased", purged, notified, len(erased))
