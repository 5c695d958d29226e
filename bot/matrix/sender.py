"""The one way out to Matrix: chat replies (and later announcements) leave through here.

Each message is sent with a transaction id derived from the event it
answers: an event offered again after a crash sends its replies again
with the same ids, and the homeserver, which deduplicates per device,
keeps one copy. Choices become numbered lines, and reactions 1️⃣…🔟 under
steps and menus (not under answers: see `needs_keycaps`); which message
showed which choices is stored (a reaction on it means the same after a
restart). Matrix's errors become the neutral ones.
"""

from __future__ import annotations

import asyncio
import hashlib
import html as html_lib
import logging
import re
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import replace

import aiohttp
from nio import AsyncClient, ErrorResponse, RoomSendResponse, UploadResponse
from nio.exceptions import LocalProtocolError

from bot.channels import Background, FloodWait, Part, Rejected, Transient, Unreachable, next_send_key, text_parts
from bot.matrix import MATRIX
from bot.matrix.reading import KEYCAPS, needs_keycaps, numbered_lines
from bot.rendering import to_plain_text
from bot.replies import Document, Reply

log = logging.getLogger(__name__)

Choice = tuple[str, str]
OFFERING_AT_ONCE = 2  # messages whose reactions are being added at the same time
UPLOADS_KEPT = 32  # files uploaded this run that are sent again without uploading (an announcement's .ics)


def transaction_id(key: str | None = None) -> str:
    """From what is being sent (`key`, else bot.channels.sending_for): the same after a restart."""
    key = key or next_send_key()
    if key is None:
        return f"spaser-{uuid.uuid4().hex}"
    return f"spaser-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:40]}"


# « /profil » in a message becomes « !profil »: Tchap's clients keep a leading « / » for themselves.
# Not a « / » inside a word, a date, an address or a closing tag.
SLASH_COMMAND = re.compile(r"(?<![\w/<:.@-])/(?=[a-zà-ÿ])")


def with_prefix(text: str, prefix: str = MATRIX.command_prefix) -> str:
    return SLASH_COMMAND.sub(prefix, text)


def matrix_html(text: str) -> str:
    """Telegram-style HTML (line breaks as « \\n ») as Matrix clients show it."""
    return text.replace("\n", "<br>")


class MatrixSender:
    capabilities = MATRIX

    def __init__(
        self,
        client: AsyncClient,
        room_of: Callable[[str], Awaitable[str | None]],
        remember: Callable[[str, str, list[Choice]], Awaitable[None]],
        rate_per_second: float | None = None,
    ):
        self.rate_per_second = rate_per_second
        self.client = client
        self.background = Background()
        self._offering = asyncio.Semaphore(OFFERING_AT_ONCE)
        self.room_of = room_of  # a person's address → their direct room
        self.remember = remember  # (room, message id, choices) → stored
        self._uploads: OrderedDict[tuple[str, bool], dict] = OrderedDict()  # (content hash, encrypted) → where it is

    def parts(self, reply: Reply) -> list[Part]:
        """As everywhere, but the choices go under the last text rather than on a file."""
        parts = text_parts(replace(reply, html=with_prefix(reply.html)), MATRIX)
        texts = [i for i, p in enumerate(parts) if p.document is None]
        if reply.document is not None and texts and reply.buttons:
            parts = [replace(p, last=i == texts[-1]) for i, p in enumerate(parts)]
        return parts

    async def send_part(self, address: str, part: Part, reply: Reply, reference: str | None = None) -> str | None:
        room = address if address.startswith("!") else await self.room_of(address)
        if room is None:
            raise Unreachable(f"no direct room with {address}")
        choices = [(b.label, b.payload) for row in reply.buttons for b in row] if part.last else []
        reference = None
        if part.document is not None:
            content, reference = await self._file_content(room, part.document)
        else:
            content = self.text_content(part, choices)
        event_id = await self._send(room, "m.room.message", content)
        if choices:
            await self.remember(room, event_id, choices)
            if needs_keycaps(choices):
                self.background.start(self.offer(room, event_id, len(choices)))
        return reference

    def text_content(self, part: Part, choices: list[Choice]) -> dict:
        lines = numbered_lines(choices)
        if part.plain:
            body = "\n\n".join(x for x in (part.text, "\n".join(lines)) if x)
            return {"msgtype": "m.text", "body": body}
        formatted = part.text + ("\n\n" + "\n".join(html_lib.escape(x, quote=False) for x in lines) if lines else "")
        return {"msgtype": "m.text", "body": to_plain_text(formatted), "format": "org.matrix.custom.html",
                "formatted_body": matrix_html(formatted)}

    async def edit(self, room: str, message_id: str, reply: Reply, offered: int) -> bool:
        """Replace a message's text in place (a selection being built); False when it cannot be."""
        parts = self.parts(reply)
        if len(parts) != 1 or parts[0].document is not None:
            return False
        choices = [(b.label, b.payload) for row in reply.buttons for b in row]
        new = self.text_content(parts[0], choices)
        content = {**new, "body": f"* {new['body']}", "m.new_content": new,
                   "m.relates_to": {"rel_type": "m.replace", "event_id": message_id}}
        if "formatted_body" in new:
            content["formatted_body"] = f"* {new['formatted_body']}"
        try:
            await self._send(room, "m.room.message", content)
        except (FloodWait, Rejected, Transient) as exc:  # as on Telegram: a new message instead
            log.info("Could not edit message %s in %s (%s); sending a new one", message_id, room, exc)
            return False
        await self.remember(room, message_id, choices)
        if len(choices) > offered:
            self.background.start(self.offer(room, message_id, len(choices), start=offered))
        return True

    async def offer(self, room: str, event_id: str, count: int, start: int = 0) -> None:
        """The choices as reactions under the message: a tap on one sends it back.

        Sent after the reply, without holding the next event: the numbers typed
        work at once. Their transaction ids follow from the message and the
        number, so a message sent again after a crash (the same event, the
        homeserver says) is not decorated twice.
        """
        async with self._offering:  # replies go first: a few rooms decorated at a time
            for number in range(start, min(count, len(KEYCAPS))):
                content = {"m.relates_to": {"rel_type": "m.annotation", "event_id": event_id, "key": KEYCAPS[number]}}
                try:
                    await self._send(room, "m.reaction", content, tx_id=transaction_id(f"reaction:{event_id}:{number}"))
                except (FloodWait, Rejected, Transient, Unreachable) as exc:  # the numbers typed still work
                    log.info("Could not offer reaction %d in %s: %s", number + 1, room, exc)
                    return

    async def _file_content(self, room: str, document: Document) -> tuple[dict, str]:
        """The event content of a file, and its reference (the jobs send an announcement's file to the
        others once it is up). A file already uploaded this run is not uploaded again: an announcement's
        .ics is one file in the media repository, not one per subscriber. An encrypted copy (its key
        travels in each room's own encrypted event) serves encrypted rooms, a plain one the others."""
        encrypted = bool(self.client.rooms.get(room) and self.client.rooms[room].encrypted)
        mimetype = _mimetype(document.filename)
        digest = hashlib.sha256(document.content).hexdigest()
        where = self._uploads.get((digest, encrypted))
        if where is None:
            try:
                uploaded, keys = await self.client.upload(
                    lambda *_: document.content, content_type=mimetype, filename=document.filename,
                    encrypt=encrypted, filesize=len(document.content),
                )
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                raise Transient(exc.__class__.__name__) from exc
            if not isinstance(uploaded, UploadResponse):
                raise _error(uploaded)
            where = {"file": {**keys, "url": uploaded.content_uri}} if encrypted else {"url": uploaded.content_uri}
            self._uploads[(digest, encrypted)] = where
            while len(self._uploads) > UPLOADS_KEPT:
                self._uploads.popitem(last=False)
        else:
            self._uploads.move_to_end((digest, encrypted))
        content = {"msgtype": "m.image" if document.picture else "m.file", "body": document.caption or document.filename,
                   "filename": document.filename, "info": {"mimetype": mimetype, "size": len(document.content)}, **where}
        return content, f"sha256:{digest}"

    async def _send(self, room: str, kind: str, content: dict, tx_id: str | None = None) -> str:
        try:
            response = await self.client.room_send(room, kind, content, tx_id=tx_id or transaction_id(),
                                                   ignore_unverified_devices=True)
        except LocalProtocolError as exc:  # a room not read yet (just after a start): later, not never
            raise Transient(str(exc)) from exc
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise Transient(exc.__class__.__name__) from exc
        if isinstance(response, RoomSendResponse):
            return response.event_id
        raise _error(response)


def _error(response: ErrorResponse) -> Exception:
    code = getattr(response, "status_code", None) or ""
    if code == "M_LIMIT_EXCEEDED":
        return FloodWait((getattr(response, "retry_after_ms", None) or 1000) / 1000)
    if code == "M_FORBIDDEN":
        return Unreachable(str(response))
    if code in ("M_TOO_LARGE", "M_BAD_JSON", "M_NOT_JSON", "M_INVALID_PARAM"):
        return Rejected(str(response))
    return Transient(str(response))


MIMETYPES = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".pdf": "application/pdf",
    ".md": "text/markdown",
    ".csv": "text/csv",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".ics": "text/calendar",
    ".png": "image/png",
    ".json": "application/json",
}


def _mimetype(filename: str) -> str:
    lower = filename.lower()
    return next((m for suffix, m in MIMETYPES.items() if lower.endswith(suffix)), "application/octet-stream")
