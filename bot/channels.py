"""What every channel's sender speaks, and the one policy for getting a reply out.

A sender turns a reply into the parts its messenger takes (text cut to its
length, the document) and sends one part at a time, raising the neutral
errors below for what went wrong. Chat replies, announcements and reminders
all leave through a sender, so flood control, a person who blocked us, a
refused message or a lost connection are handled the same way everywhere.
"""

from __future__ import annotations

import asyncio
import contextvars
import itertools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from bot import documents_out, office
from bot.rendering import split_html, to_plain_text
from bot.replies import Capabilities, Document, Reply

log = logging.getLogger(__name__)

SEND_ATTEMPTS = 4

# What is being sent, as a stable key: the event answered, or the delivery and part of an
# announcement. A messenger that deduplicates by a client's transaction id (Matrix) derives
# the ids from it, so that what a crash cut and a restart sends again arrives once.
_SENDING: contextvars.ContextVar[tuple[str, itertools.count] | None] = contextvars.ContextVar("sending", default=None)


def sending_for(key: str) -> None:
    """The sends that follow, in this task, are for `key` (numbered in order from 0)."""
    _SENDING.set((key, itertools.count()))


def next_send_key() -> str | None:
    current = _SENDING.get()
    if current is None:
        return None
    key, counter = current
    return f"{key}#{next(counter)}"


class FloodWait(Exception):
    """The messenger asks to wait before sending again (Telegram's RetryAfter, Matrix's 429)."""

    def __init__(self, seconds: float):
        super().__init__(f"retry after {seconds:.1f} s")
        self.seconds = seconds


class Unreachable(Exception):
    """The conversation is closed to us: the person blocked the bot, or the room is gone."""


class Rejected(Exception):
    """The messenger refused this message itself (bad formatting, too long): sending it again changes nothing."""


class Transient(Exception):
    """The network or the server failed: the same message may go through later."""


@dataclass(frozen=True)
class Part:
    """One message of a reply: a piece of its text, or its document (with the text as caption when short)."""

    text: str = ""  # in the channel's format (HTML where it has it)
    last: bool = False  # carries the reply's buttons
    document: Document | None = None
    plain: bool = False  # the text is already plain: no formatting to fall back from


class Sender(Protocol):
    capabilities: Capabilities
    # Announcements' pace on this channel (messages a second); None: the one of `broadcast.rate_per_second`.
    rate_per_second: float | None

    def parts(self, reply: Reply) -> list[Part]:
        """The messages this reply becomes on the channel, in order."""

    async def send_part(self, address: str, part: Part, reply: Reply, reference: str | None = None) -> str | None:
        """Send one part; return the channel's reference of a document sent (to send it again without
        uploading), if it has one. `reference`: such a reference, to use instead of the content."""


def text_parts(reply: Reply, capabilities: Capabilities, caption_limit: int = 0) -> list[Part]:
    """The usual cut: the text in messages under the channel's length, then the document.

    A short text goes as the document's caption when the channel has captions
    (`caption_limit`), so a file and its explanation arrive together.
    """
    html = reply.html if capabilities.html else to_plain_text(reply.html)
    document = reply.document
    if document is not None and caption_limit and len(to_plain_text(reply.html)) <= caption_limit:
        return [Part(text=html, last=True, document=document, plain=not capabilities.html)]
    pieces = split_html(html, capabilities.max_length) if html else []
    parts = [Part(text=p, last=i == len(pieces) - 1 and document is None, plain=not capabilities.html)
             for i, p in enumerate(pieces)]
    if document is not None:
        parts.append(Part(text="", last=True, document=document))
    return parts


def as_plain(part: Part) -> Part:
    """The same part without formatting: what to send when the messenger refuses the formatted one."""
    return Part(text=to_plain_text(part.text), last=part.last, document=part.document, plain=True)


async def send_reply(
    sender: Sender,
    address: str,
    reply: Reply,
    *,
    wait: Callable[[float], Awaitable[None]] = asyncio.sleep,
    on_unreachable: Callable[[], Awaitable[None]] | None = None,
) -> bool:
    """Send every part of a reply with the channel-neutral policy; False if the conversation is closed to us.

    Flood control is waited out (with `wait`, which may give back a processing
    slot meanwhile); a refused formatted part goes again as plain text; a
    network failure is retried with a growing delay, then given up with a log
    line; a blocked conversation stops everything and calls `on_unreachable`.
    """
    for part in sender.parts(reply):
        delay = 1.0
        attempt = 0
        while True:
            attempt += 1
            try:
                await sender.send_part(address, part, reply)
                break
            except FloodWait as exc:
                log.warning("Flood control for %s: waiting %.1f s", address, exc.seconds)
                await wait(exc.seconds)
            except Unreachable:
                log.info("Conversation %s is closed to the bot", address)
                if on_unreachable is not None:
                    await on_unreachable()
                return False
            except Rejected as exc:
                if part.plain or not part.text:
                    log.error("The messenger refused a message for %s: %s", address, exc)
                    break
                log.error("The messenger refused formatted text for %s (%s); sending plain text", address, exc)
                part = as_plain(part)
            except Transient as exc:
                if attempt >= SEND_ATTEMPTS:
                    log.error("Network error for %s after %d attempts: %s", address, attempt, exc)
                    break
                await asyncio.sleep(delay)
                delay *= 2
    return True


class Background:
    """Tasks nobody waits for (a conversion, reactions under a message), kept referenced until they end:
    the event loop itself holds only weak references to them."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task] = set()

    def start(self, coroutine) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


async def deliver(
    sender: Sender,
    address: str,
    replies: list[Reply],
    background: Background,
    *,
    wait: Callable[[float], Awaitable[None]] = asyncio.sleep,
    on_unreachable: Callable[[], Awaitable[None]] | None = None,
) -> bool:
    """A chat's replies in order, each document made just before it is sent (bot.documents_out: the text
    before it is already out); a DOCX's ODT and PDF follow in the background. False if the
    conversation is closed to us."""
    for reply in replies:
        reply = await documents_out.made(reply)
        if not await send_reply(sender, address, reply, wait=wait, on_unreachable=on_unreachable):
            return False
        if reply.document is not None and reply.document.convert:
            background.start(_converted(sender, address, reply.document, background, wait, on_unreachable))
    return True


async def _converted(sender, address, document, background, wait, on_unreachable) -> None:
    """The ODT and PDF after the DOCX: LibreOffice works in a thread, nobody waits for it."""
    converted = await asyncio.to_thread(office.converted, document)
    await deliver(sender, address, converted, background, wait=wait, on_unreachable=on_unreachable)
