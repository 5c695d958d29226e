"""The Matrix adapter (Tchap): matrix-nio in front of the core, and its wiring.

The bot reads the homeserver's events with its own sync loop: each batch's
events are applied (one room's in order, rooms side by side), and the
reading goes on meanwhile, so that a room whose answer is slow to leave (a
plan's documents being uploaded) holds no one else's; a batch's position
is saved in the database once it and every earlier batch are applied. A
bot killed mid-batch reads the batch again; each event is applied once
(bot.router keeps the Matrix event id), and the replies it sends again
carry the same transaction ids, which the homeserver deduplicates.
Encryption (Olm/Megolm through vodozemac) is matrix-nio's: the same device
id and key store at every start.

Invitations are accepted from the configured servers only. In a room of
more than two, only « !faq » and messages that mention the bot are answered
there; what is personal goes to the person's direct room.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import os
import signal
import sys
import time
from collections import defaultdict
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import aiohttp
from nio import (
    AsyncClient,
    AsyncClientConfig,
    DownloadResponse,
    LoginResponse,
    MegolmEvent,
    ReactionEvent,
    RoomCreateResponse,
    RoomEncryptedFile,
    RoomMessageFile,
    RoomMessageText,
    SyncResponse,
)
from nio.crypto import decrypt_attachment

from bot import documents_out, office
from bot.channels import Background, deliver, sending_for
from bot.config import Settings
from bot.core_access import CoreAccess
from bot.jobs import Jobs
from bot.matrix import MATRIX
from bot.matrix.reading import chosen, command_of, may_choose, number_of_reaction, reacted
from bot.matrix.sender import MatrixSender
from bot.received_files import received_file_event
from bot.rendering import message
from bot.replies import Event, Reply
from bot.router import Assistant
from bot.runtime import hold_database_lock, open_services
from dialogs.tables import MAX_FILE_BYTES
from knowledge.decp import MAX_CHAT_BYTES
from storage.faults import crash_point

log = logging.getLogger(__name__)
# matrix-nio logs every event it reads at INFO: the bot's own log says what matters.
logging.getLogger("nio").setLevel(logging.WARNING)

SYNC_TIMEOUT_MS = 30_000
TIMELINE_LIMIT = 500  # events of one room in one batch
NOTHING = {"types": []}  # a sync filter's way of saying « none of these »
READY_TIMEOUT = 60.0
BATCHES_IN_FLIGHT = 8  # batches being applied while the next is read; past that the reading waits
MAX_TIMEOUTS = 3
GROUP_COMMANDS = {"faq"}
# When the event being handled had its replies ready to leave (each room's events run in a task of their own).
REPLIES_READY: contextvars.ContextVar[float | None] = contextvars.ContextVar("replies_ready", default=None)
ENCRYPTION = {"type": "m.room.encryption", "state_key": "", "content": {"algorithm": "m.megolm.v1.aes-sha2"}}


class MatrixChannel:
    """Reads the homeserver's events, asks the core, sends through the one sender."""

    def __init__(self, core: CoreAccess, assistant: Assistant, client: AsyncClient):
        self.core = core
        self.assistant = assistant
        self.client = client
        self.settings = assistant.services.settings.matrix
        self.conversations = assistant.services.storage.conversations
        self.sender = MatrixSender(client, self.direct_room, self._remember, self.settings.rate_per_second)
        self._direct: dict[str, str] = {}  # address → direct room, known this run
        self.background = Background()
        self._stopping = asyncio.Event()
        self.ready = asyncio.Event()  # the rooms are known: a first batch was read
        self._sync_call: asyncio.Future | None = None
        self._read_rooms: set[str] = set()  # rooms read since the start: a gap in them is worth a warning
        self._rooms: dict[str, asyncio.Future] = {}  # room → its events being applied, the next wait for them
        self._batches: list[asyncio.Future] = []  # each: a batch applied, then its position saved

    # -- the loop ---------------------------------------------------------------

    @property
    def sync_filter(self) -> dict:
        """People's events only, many per batch: the bot's own messages and reactions (ten under a
        message with choices) would otherwise fill the batch and push a person's message out of it.
        Typing notices, read receipts, presence and account data are left out: nothing here reads
        them, and each would end the wait for events and cost a reading for nothing (a person typing
        in a room with the bot sends several a minute)."""
        return {"presence": NOTHING, "account_data": NOTHING,
                "room": {"timeline": {"limit": TIMELINE_LIMIT, "not_senders": [self.client.user_id]},
                         "ephemeral": NOTHING, "account_data": NOTHING}}

    async def run(self) -> None:
        """Read and apply events until stopped; a lost connection is retried with a growing pause."""
        since = await self.core.run(self.conversations.cursor, MATRIX.name)
        # The device's keys published before anyone can write to it: a message encrypted for
        # a device without keys could never be read.
        await self.keys()
        pause = 1.0
        while not self._stopping.is_set():
            try:
                # The first reading after a start takes every room's whole state: matrix-nio keeps no rooms
                # across restarts, and without it a room with nothing new stays unknown (no announcement there).
                self._sync_call = asyncio.ensure_future(self.client.sync(
                    timeout=0 if not self.ready.is_set() else SYNC_TIMEOUT_MS, since=since,
                    full_state=not self.ready.is_set(), sync_filter=self.sync_filter))
                response = await self._sync_call
                problem = None if isinstance(response, SyncResponse) else f"refused: {response}"
            except asyncio.CancelledError:
                if self._stopping.is_set():  # stopped while waiting for events: what was read is finished
                    await asyncio.gather(*self._batches, return_exceptions=True)
                    return
                raise
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                problem = f"failed ({exc.__class__.__name__})"
            if problem is not None:
                log.warning("Matrix sync %s; trying again in %.0f s", problem, pause)
                await self._pause(pause)
                pause = min(pause * 2, 60.0)
                continue
            pause = 1.0
            await self.keys()
            for room_id, joined in response.rooms.join.items():
                if joined.timeline.limited and room_id in self._read_rooms:
                    log.warning("Matrix room %s: more events than one batch holds since the last reading; "
                                "the oldest were not read", room_id)
            applied = await self.apply(response)
            saved = asyncio.ensure_future(self._save_after(self._batches[-1] if self._batches else None, applied,
                                                           response.next_batch))
            self._batches = [b for b in self._batches if not b.done()] + [saved]
            if not self.ready.is_set() or len(self._batches) > BATCHES_IN_FLIGHT:
                await self._batches[0]  # the first batch applied before anything else; memory bounded
            self.ready.set()
            self._read_rooms.update(response.rooms.join)
            since = response.next_batch
        await asyncio.gather(*self._batches, return_exceptions=True)

    async def _save_after(self, earlier: asyncio.Future | None, applied: asyncio.Future, position: str) -> None:
        """Save a batch's position once it and every earlier batch are applied: a restart reads again
        from the oldest batch not wholly applied (events already applied are recognised)."""
        if earlier is not None:
            await asyncio.gather(earlier, return_exceptions=True)
        await asyncio.gather(applied, return_exceptions=True)
        try:
            await self.core.run(self.conversations.save_cursor, MATRIX.name, position)
        except Exception:  # a full disk: the next batch's position will be tried
            log.exception("Could not save the Matrix reading position")

    def stop(self) -> None:
        """Stop reading; a batch being applied is finished first, a wait for the next one is cut short."""
        self._stopping.set()
        if self._sync_call is not None and not self._sync_call.done():
            self._sync_call.cancel()

    async def _pause(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._stopping.wait(), seconds)
        except asyncio.TimeoutError:
            pass

    async def keys(self) -> None:
        """Publish this device's keys, learn the others': what an encrypted room needs."""
        if self.client.should_upload_keys:
            await self.client.keys_upload()
        if self.client.should_query_keys:
            await self.client.keys_query()
        if self.client.should_claim_keys:
            await self.client.keys_claim(self.client.get_users_for_key_claiming())

    async def apply(self, response: SyncResponse) -> asyncio.Future:
        """A batch: invitations answered, then each room's events queued after that room's earlier ones,
        the rooms side by side; the future is done when every event of the batch is applied."""
        for room_id, info in response.rooms.invite.items():
            await self.on_invite(room_id, info)
        by_room = defaultdict(list)
        for room_id, joined in response.rooms.join.items():
            for event in joined.timeline.events:
                if getattr(event, "sender", None) != self.client.user_id:
                    by_room[room_id].append(event)
        return asyncio.gather(*(self._queue(room_id, events) for room_id, events in by_room.items()))

    def _queue(self, room_id: str, events: list) -> asyncio.Future:
        task = asyncio.ensure_future(self._room_events(room_id, events, self._rooms.get(room_id)))
        self._rooms[room_id] = task
        task.add_done_callback(lambda done: self._rooms.get(room_id) is done and self._rooms.pop(room_id))
        return task

    async def _room_events(self, room_id: str, events: list, earlier: asyncio.Future | None) -> None:
        if earlier is not None:  # one room's events in the order they were written
            await asyncio.gather(earlier, return_exceptions=True)
        for event in events:
            started = time.perf_counter()
            REPLIES_READY.set(None)
            try:
                await self.on_event(room_id, event)
                # What the bot spends on an event: until its replies are ready to leave (the core, the
                # database), and until the homeserver has taken them (benchmarks/matrix_load.py reads these).
                done = time.perf_counter()
                log.debug("Matrix event %s handled in %.1f ms (replies ready in %.1f ms)", event.event_id,
                          (done - started) * 1000, ((REPLIES_READY.get() or done) - started) * 1000)
            except Exception:  # one event's failure must not lose the others of the batch
                log.exception("Error while handling Matrix event %s", getattr(event, "event_id", "?"))
            # Answered, but the reading position not saved yet: the event is read again at the next start.
            crash_point("event-answered")

    async def on_invite(self, room_id: str, info) -> None:
        inviter = next((e.sender for e in info.invite_state
                        if getattr(e, "state_key", None) == self.client.user_id and getattr(e, "membership", "") == "invite"),
                       None)
        domain = (inviter or "").partition(":")[2].lower()
        if inviter is None or domain not in self.settings.domains():
            log.info("Invitation to %s from %s declined: not an allowed server", room_id, inviter)
            await self.client.room_leave(room_id)
            return
        joined = await self.client.join(room_id)
        log.info("Joined %s, invited by a user of %s (%s)", room_id, domain, type(joined).__name__)

    # -- incoming ---------------------------------------------------------------

    def _private(self, room_id: str) -> bool:
        """A room of two (the person and the bot) is a private conversation; more is a group."""
        room = self.client.rooms.get(room_id)
        return room is None or room.member_count <= 2

    async def on_event(self, room_id: str, event) -> None:
        private = self._private(room_id)
        sending_for(f"event:{event.event_id}")
        if isinstance(event, RoomMessageText):
            await self.on_text(room_id, event, private)
        elif isinstance(event, ReactionEvent):
            if private:
                await self.on_reaction(room_id, event)
        elif isinstance(event, (RoomMessageFile, RoomEncryptedFile)):
            if private:
                await self.on_file(room_id, event)
        elif isinstance(event, MegolmEvent):  # could not be decrypted: say so rather than stay silent
            log.warning("Undecryptable event %s in %s", event.event_id, room_id)
            if private:
                await self.deliver(room_id, [Reply(message("undecryptable"))])

    def _event(self, room_id: str, event, **kwargs) -> Event:
        room = self.client.rooms.get(room_id)
        name = room.user_name(event.sender) if room is not None else None
        return Event(
            user_id=None,
            chat_id=room_id,
            chat_type="private" if self._private(room_id) else "group",
            display_name=name or event.sender.partition(":")[0].lstrip("@"),
            event_id=event.event_id,
            capabilities=MATRIX,
            address=event.sender,
            sent_at=datetime.fromtimestamp(event.server_timestamp / 1000, timezone.utc) if event.server_timestamp else None,
            **kwargs,
        )

    async def on_text(self, room_id: str, event: RoomMessageText, private: bool) -> None:
        if _is_edit(event):
            return  # a person correcting a message already answered
        text = event.body
        command = command_of(text)
        if not private:
            if command is not None and command[0].lower() in GROUP_COMMANDS:
                pass
            elif self._mentions(event):
                text = self._strip_mention(text)
                command = command_of(text)
                if command is not None and command[0].lower() not in GROUP_COMMANDS:
                    await self.answer_in_private(room_id, event, command)
                    return
            else:
                return
        if command is not None:
            incoming = self._event(room_id, event, command=command[0], args=command[1])
        else:
            choices = await self.core.run(self.conversations.last_choices, MATRIX.name, room_id) if private else []
            payload = chosen(text, choices)
            incoming = self._event(room_id, event, payload=payload) if payload else self._event(room_id, event, text=text)
        await self.answer(room_id, incoming, private)

    async def on_reaction(self, room_id: str, event: ReactionEvent) -> None:
        if not may_choose(event.key):
            return  # a 🎉: nothing to look up
        choices = await self.core.run(self.conversations.choices_of, MATRIX.name, event.reacts_to)
        payload = reacted(event.key, choices)
        if payload is None:
            if number_of_reaction(event.key) is not None:  # a stale keycap: as an old Telegram button
                await self.deliver(room_id, [Reply(message("unknown_button"))])
            return
        incoming = self._event(room_id, event, payload=payload)
        replies = await self.handle(incoming)
        await self._remember_room(incoming)
        if replies and replies[0].edit:
            if await self.sender.edit(room_id, event.reacts_to, replies[0], offered=len(choices)):
                replies = replies[1:]
        await self.deliver(room_id, replies)

    async def on_file(self, room_id: str, event) -> None:
        info = event.source.get("content", {}).get("info", {}) or {}
        size = info.get("size") or 0
        name = event.body or "fichier"
        if size > MAX_CHAT_BYTES:
            await self.deliver(room_id, [Reply(message(
                "referentiel_refused", reason=f"le fichier dépasse {MAX_CHAT_BYTES // 1024**2} Mo ; pour un fichier "
                "plus gros, « spaser-bot decp baseline » en ligne de commande."))])
            return
        if size > MAX_FILE_BYTES and not name.lower().endswith((".json", ".xml", ".csv", ".xlsx")):
            await self.deliver(room_id, [Reply(message("import_refused", reason="le fichier dépasse 2 Mo."))])
            return
        try:
            downloaded = await self.client.download(event.url)
            if not isinstance(downloaded, DownloadResponse):
                raise ValueError(str(downloaded))
            content = downloaded.body
            if isinstance(event, RoomEncryptedFile):
                content = decrypt_attachment(content, event.key["k"], event.hashes["sha256"], event.iv)
        except Exception as exc:  # network, refusal, a file that does not decrypt
            log.warning("Could not fetch the file of event %s: %s", event.event_id, exc.__class__.__name__)
            await self.deliver(room_id, [Reply(message("download_failed"))])
            return
        if len(content) > MAX_CHAT_BYTES:
            await self.deliver(room_id, [Reply(message("import_refused", reason="le fichier est trop gros."))])
            return
        filename = event.source.get("content", {}).get("filename") or name
        incoming = await received_file_event(self._event(room_id, event), filename, content)
        if isinstance(incoming, Reply):
            await self.deliver(room_id, [incoming])
        else:
            await self.answer(room_id, incoming, True)

    async def answer(self, room_id: str, incoming: Event, private: bool) -> None:
        replies = await self.handle(incoming)
        if private:
            await self._remember_room(incoming)
        await self.deliver(room_id, replies)

    async def answer_in_private(self, room_id: str, event: RoomMessageText, command: tuple[str, str]) -> None:
        """A personal command asked in a shared room: answered in the person's direct room."""
        target = await self.direct_room(event.sender)
        if target is None:
            await self.deliver(room_id, [Reply(message("direct_chat_only"))])
            return
        incoming = replace(self._event(room_id, event, command=command[0], args=command[1]),
                           chat_id=target, chat_type="private")
        await self.deliver(target, await self.handle(incoming))
        await self.deliver(room_id, [Reply(message("group_answered_privately", bot=""))])

    async def handle(self, incoming: Event) -> list[Reply]:
        return await self.core.run(self.assistant.handle, incoming)

    def _mentions(self, event: RoomMessageText) -> bool:
        mentions = event.source.get("content", {}).get("m.mentions", {}) or {}
        if self.client.user_id in (mentions.get("user_ids") or ()):
            return True
        body = event.body.lower()
        localpart = self.client.user_id.partition(":")[0].lstrip("@").lower()
        return self.client.user_id.lower() in body or f"@{localpart}" in body

    def _strip_mention(self, text: str) -> str:
        localpart = self.client.user_id.partition(":")[0].lstrip("@")
        for form in (self.client.user_id, f"@{localpart}", localpart):
            index = text.lower().find(form.lower())
            if index >= 0:
                text = (text[:index] + text[index + len(form):]).strip(" :,")
                break
        return text.strip()

    # -- rooms ------------------------------------------------------------------

    async def _remember_room(self, incoming: Event) -> None:
        """The room a person writes to the bot in, alone: where to write to them first."""
        address, room = incoming.sender, str(incoming.chat_id)
        if self._direct.get(address) != room:
            await self._store_direct_room(address, room)

    async def direct_room(self, address: str) -> str | None:
        """The person's direct room: the one they write in, else a new encrypted one the bot invites them to."""
        if address in self._direct:
            return self._direct[address]
        room = await self.core.run(self.conversations.direct_room, MATRIX.name, address)
        if room is None:
            created = await self.client.room_create(is_direct=True, invite=[address], initial_state=[ENCRYPTION])
            if not isinstance(created, RoomCreateResponse):
                log.warning("Could not open a direct room with %s: %s", address, created)
                return None
            room = created.room_id
            await self._store_direct_room(address, room)
        self._direct[address] = room
        return room

    async def _store_direct_room(self, address: str, room: str) -> None:
        def store() -> None:
            user_id = self.assistant.services.storage.identities.user_for(MATRIX.name, address)
            self.conversations.set_direct_room(MATRIX.name, address, room, user_id)

        await self.core.run(store)
        self._direct[address] = room

    async def _remember(self, room: str, message_id: str, choices: list[tuple[str, str]]) -> None:
        await self.core.run(self.conversations.remember_choices, MATRIX.name, room, message_id, choices)

    # -- outgoing ---------------------------------------------------------------

    async def deliver(self, room_id: str, replies: list[Reply]) -> bool:
        if REPLIES_READY.get() is None:
            REPLIES_READY.set(time.perf_counter())
        return await deliver(self.sender, room_id, replies, self.background)


def _is_edit(event: RoomMessageText) -> bool:
    relates = event.source.get("content", {}).get("m.relates_to", {}) or {}
    return relates.get("rel_type") == "m.replace"


# -- start-up -------------------------------------------------------------------


async def connect(settings: Settings) -> AsyncClient | str:
    """The logged-in client, on the same device and key store as before; or the French reason it cannot be."""
    matrix = settings.matrix
    store = Path(matrix.store_path)
    store.mkdir(parents=True, exist_ok=True)
    os.chmod(store, 0o700)  # the encryption keys: readable by the bot alone
    client = AsyncClient(
        matrix.homeserver, matrix.user_id, device_id=matrix.device_id, store_path=str(store),
        # A server that does not answer is retried a few times, then reported: the sync loop has its own pauses.
        config=AsyncClientConfig(encryption_enabled=True, store_sync_tokens=False, max_timeouts=MAX_TIMEOUTS),
    )
    token = matrix.secret_token() or _saved_token(store)
    if token:
        client.restore_login(matrix.user_id, matrix.device_id, token)
        return client
    password = matrix.secret_password()
    if not password:
        await client.close()
        return ("Aucun accès Matrix : définissez SPASER_MATRIX_TOKEN (ou matrix.access_token), ou "
                "SPASER_MATRIX_PASSWORD (ou matrix.password) pour une première connexion.")
    try:
        response = await client.login(password, device_name="Assistant SPASER")
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        await client.close()
        return f"Le serveur Matrix {matrix.homeserver} ne répond pas ({exc.__class__.__name__})."
    if not isinstance(response, LoginResponse):
        await client.close()
        return f"Le serveur Matrix a refusé la connexion de {matrix.user_id} : vérifiez le mot de passe."
    _save_token(store, response.access_token)
    return client


TOKEN_FILE = "access-token"


def _saved_token(store: Path) -> str | None:
    path = store / TOKEN_FILE
    return path.read_text(encoding="ascii").strip() or None if path.is_file() else None


def _save_token(store: Path, token: str) -> None:
    """Logged in once with the password, the bot keeps its token: the same device at every start."""
    descriptor = os.open(store / TOKEN_FILE, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(token + "\n")


class MatrixService:
    """The Matrix channel as a part of a running bot: alone, or beside Telegram in the same process
    (one process per database, so that the jobs see every channel's senders)."""

    name = MATRIX.name

    def __init__(self, settings: Settings):
        self.settings = settings
        self.channel: MatrixChannel | None = None
        self._reading: asyncio.Task | None = None

    async def start(self, core: CoreAccess, assistant: Assistant) -> MatrixSender:
        """Log in and start reading; the sender for the jobs. Raises RuntimeError (French) if it cannot."""
        client = await connect(self.settings)
        if isinstance(client, str):
            raise RuntimeError(client)
        self.channel = MatrixChannel(core, assistant, client)
        self._reading = asyncio.get_running_loop().create_task(self.channel.run())
        try:  # the jobs start once the rooms are known, else their first sends find no room
            await asyncio.wait_for(self.channel.ready.wait(), READY_TIMEOUT)
        except asyncio.TimeoutError:
            log.warning("Matrix: no first reading after %.0f s; announcements will wait for it", READY_TIMEOUT)
        return self.channel.sender

    async def wait(self) -> None:
        if self._reading is not None:
            await asyncio.gather(self._reading, return_exceptions=True)

    async def stop(self) -> None:
        if self.channel is None:
            return
        self.channel.stop()
        if self._reading is not None:
            self._reading.cancel()
            await asyncio.gather(self._reading, return_exceptions=True)
        await self.channel.client.close()


def run_matrix(settings: Settings) -> int:
    """Run the Matrix channel alone; a missing or refused account is a clear error, exit status 2."""
    lock = hold_database_lock(Path(settings.storage.path))
    if lock is None:
        print(f"Un autre bot tourne déjà sur la base {settings.storage.path} (clé storage.path) : arrêtez-le d'abord.",
              file=sys.stderr)
        return 2
    core = CoreAccess()
    services = core.call(open_services, settings)
    assistant = core.call(Assistant, services)
    message("apology")  # the templates compiled before the first person waits for them

    async def main() -> int:
        service = MatrixService(settings)
        try:
            sender = await service.start(core, assistant)
        except RuntimeError as exc:
            print(exc, file=sys.stderr)
            return 2
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, service.channel.stop)
        office.start()
        await asyncio.to_thread(documents_out.start, settings.content_dir)
        tasks = Jobs(core, assistant, {MATRIX.name: sender}, settings.matrix.rate_per_second).start()
        try:
            await service.wait()
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await service.stop()
            office.stop()
            await asyncio.to_thread(documents_out.stop)
        return 0

    try:
        return asyncio.run(main())
    finally:
        core.call(services.storage.close)
