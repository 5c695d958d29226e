"""A public agent on Tchap, scripted: a matrix-nio client with encryption, as the tests drive it.

It opens an encrypted direct room with the bot, types, taps reactions,
sends files and reads what the bot sends back (decrypted), like a person
in a Matrix client would.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path

from nio import (
    AsyncClient,
    AsyncClientConfig,
    DownloadResponse,
    LoginResponse,
    MegolmEvent,
    ReactionEvent,
    RoomCreateResponse,
    RoomEncryptedFile,
    RoomEncryptedImage,
    RoomMessageFile,
    RoomMessageImage,
    RoomMessageText,
    RoomSendResponse,
    SyncResponse,
    UploadResponse,
)
from nio.crypto import decrypt_attachment

ENCRYPTION = {"type": "m.room.encryption", "state_key": "", "content": {"algorithm": "m.megolm.v1.aes-sha2"}}


@dataclass
class Received:
    event_id: str
    sender: str
    body: str
    html: str | None = None
    kind: str = "text"  # text, file, image, reaction, edit, undecryptable
    event: object = None
    relates_to: str | None = None
    key: str | None = None
    encrypted: bool = False


@dataclass
class Agent:
    homeserver: str
    user_id: str
    password: str
    store: Path
    device_id: str = "AGENTDEVICE"
    client: AsyncClient | None = None
    received: list[Received] = field(default_factory=list)
    room_id: str | None = None

    async def login(self) -> None:
        self.store.mkdir(parents=True, exist_ok=True)
        self.client = AsyncClient(self.homeserver, self.user_id, device_id=self.device_id, store_path=str(self.store),
                                  config=AsyncClientConfig(encryption_enabled=True, store_sync_tokens=False))
        response = await self.client.login(self.password, device_name="Agent de test")
        assert isinstance(response, LoginResponse), response
        await self.sync(0)

    async def close(self) -> None:
        if self.client is not None:
            await self.client.close()

    async def keys(self) -> None:
        client = self.client
        if client.should_upload_keys:
            await client.keys_upload()
        if client.should_query_keys:
            await client.keys_query()
        if client.should_claim_keys:
            await client.keys_claim(client.get_users_for_key_claiming())

    async def sync(self, timeout_ms: int = 1000) -> None:
        response = await self.client.sync(timeout=timeout_ms, full_state=self.client.next_batch is None)
        assert isinstance(response, SyncResponse), response
        await self.keys()
        for room_id, joined in response.rooms.join.items():
            for event in joined.timeline.events:
                if event.sender == self.user_id:
                    continue
                self.received.append(_received(event))

    async def open_direct_room(self, bot: str, timeout: float = 30.0) -> str:
        """An encrypted direct room with the bot, once it has joined."""
        created = await self.client.room_create(is_direct=True, invite=[bot], initial_state=[ENCRYPTION])
        assert isinstance(created, RoomCreateResponse), created
        return await self.enter(created.room_id, bot, timeout)

    async def enter(self, room_id: str, bot: str, timeout: float = 30.0) -> str:
        """Talk in this room from now on, once the bot is in it and its keys are known (else it cannot read us)."""
        self.room_id = room_id
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            await self.sync(500)
            room = self.client.rooms.get(self.room_id)
            if room is not None and bot in room.users:
                await self.keys()
                if list(self.client.device_store.active_user_devices(bot)):  # its keys known: it can read us
                    return self.room_id
        raise AssertionError(f"{bot} did not join {self.room_id}")

    async def say(self, text: str) -> str:
        content = {"msgtype": "m.text", "body": text}
        return await self._send("m.room.message", content)

    async def react(self, event_id: str, key: str) -> str:
        content = {"m.relates_to": {"rel_type": "m.annotation", "event_id": event_id, "key": key}}
        return await self._send("m.reaction", content)

    async def send_file(self, filename: str, data: bytes, mimetype: str) -> str:
        uploaded, keys = await self.client.upload(lambda *_: data, content_type=mimetype, filename=filename,
                                                  encrypt=True, filesize=len(data))
        assert isinstance(uploaded, UploadResponse), uploaded
        content = {"msgtype": "m.file", "body": filename, "filename": filename,
                   "info": {"mimetype": mimetype, "size": len(data)}, "file": {**keys, "url": uploaded.content_uri}}
        return await self._send("m.room.message", content)

    async def _send(self, kind: str, content: dict) -> str:
        await self.keys()
        response = await self.client.room_send(self.room_id, kind, content, ignore_unverified_devices=True)
        assert isinstance(response, RoomSendResponse), response
        return response.event_id

    async def wait_for(self, predicate, timeout: float = 30.0, after: int = 0) -> list[Received]:
        """Sync until the messages received since index `after` satisfy `predicate`; returns them."""
        deadline = time.monotonic() + timeout
        while True:
            got = self.received[after:]
            if predicate(got):
                return got
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out; received: {[(m.kind, m.body[:80]) for m in got]}")
            # A long poll, as a real client does: it returns as soon as something arrives,
            # without asking the homeserver twice a second in the meantime.
            await self.sync(int(min(left, 30.0) * 1000))

    async def exchange(self, text: str, until=None, timeout: float = 30.0) -> list[Received]:
        """Type a line and wait for the bot's answer (its messages until one that satisfies `until`)."""
        start = len(self.received)
        await self.say(text)
        return await self.wait_for(until or _answered, timeout, start)

    async def tap(self, message: Received, number: int, until=None, timeout: float = 30.0) -> list[Received]:
        keycap = "1️⃣ 2️⃣ 3️⃣ 4️⃣ 5️⃣ 6️⃣ 7️⃣ 8️⃣ 9️⃣ 🔟".split()[number - 1]
        start = len(self.received)
        await self.react(message.event_id, keycap)
        return await self.wait_for(until or _answered, timeout, start)

    async def download(self, message: Received) -> bytes:
        event = message.event
        response = await self.client.download(event.url)
        assert isinstance(response, DownloadResponse), response
        if isinstance(event, (RoomEncryptedFile, RoomEncryptedImage)):
            return decrypt_attachment(response.body, event.key["k"], event.hashes["sha256"], event.iv)
        return response.body

    def offered(self, message: Received) -> list[str]:
        """The reactions the bot put under a message of its own."""
        return [r.key for r in self.received if r.kind == "reaction" and r.relates_to == message.event_id]


def _answered(got: list[Received]) -> bool:
    return any(m.kind in ("text", "file", "image", "edit") for m in got)


def texts(got: list[Received]) -> list[Received]:
    return [m for m in got if m.kind in ("text", "edit")]


def _received(event) -> Received:
    encrypted = bool(getattr(event, "decrypted", False))
    if isinstance(event, RoomMessageText):
        content = event.source.get("content", {})
        relates = content.get("m.relates_to", {}) or {}
        if relates.get("rel_type") == "m.replace":
            new = content.get("m.new_content", {})
            return Received(event.event_id, event.sender, new.get("body", ""), new.get("formatted_body"), "edit",
                            event, relates.get("event_id"), encrypted=encrypted)
        return Received(event.event_id, event.sender, event.body, event.formatted_body, "text", event,
                        encrypted=encrypted)
    if isinstance(event, (RoomMessageFile, RoomEncryptedFile)):
        return Received(event.event_id, event.sender, event.body, None, "file", event, encrypted=encrypted)
    if isinstance(event, (RoomMessageImage, RoomEncryptedImage)):
        return Received(event.event_id, event.sender, event.body, None, "image", event, encrypted=encrypted)
    if isinstance(event, ReactionEvent):
        return Received(event.event_id, event.sender, "", None, "reaction", event, event.reacts_to, event.key,
                        encrypted=encrypted)
    if isinstance(event, MegolmEvent):
        return Received(event.event_id, event.sender, "", None, "undecryptable", event)
    return Received(getattr(event, "event_id", ""), getattr(event, "sender", ""), "", None,
                    type(event).__name__, event)


async def settle(seconds: float) -> None:
    await asyncio.sleep(seconds)
