"""Documents described by the core and made outside it.

Making a document is the slow part of /plan (the outline of a full workspace
takes a few hundred milliseconds), of a chart, of an export. The core only
reads what the document needs, in its transaction, and returns it as a
recipe: a renderer's name and its arguments as JSON. The channel makes the
bytes in a worker thread (`made`), so the core thread is free for the next
person meanwhile. The recipe is also what is kept to answer an event offered
again: the document is made again from the same data.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import replace
from functools import lru_cache

from bot.replies import Document, Reply

log = logging.getLogger(__name__)

RENDERERS: dict[str, Callable[[dict], bytes]] = {}


def renderer(name: str, function: Callable[[dict], bytes]) -> None:
    """Declare how the documents of `name` are made (by the feature that describes them)."""
    RENDERERS[name] = function


def deferred(filename: str, name: str, arguments: dict, **document) -> Document:
    """A document to make later: `arguments` must be plain data (text, numbers, lists, dicts)."""
    return Document(filename, b"", render=(name, json.dumps(arguments, ensure_ascii=False, default=str)), **document)


@lru_cache(maxsize=8)
def _render(name: str, arguments: str) -> bytes:
    # The same recipe twice in a row (the Markdown and the DOCX of one outline share their text) is made once.
    return RENDERERS[name](json.loads(arguments))


def made_now(reply: Reply) -> Reply:
    """The reply with its document made, in the calling thread (the console, the tests)."""
    document = reply.document
    if document is None or document.render is None:
        return reply
    content = _render(*document.render)
    return replace(reply, document=replace(document, content=content, render=None))


async def made(reply: Reply) -> Reply:
    """The same in a worker thread, so neither the event loop nor the core thread waits for it."""
    if reply.document is None or reply.document.render is None:
        return reply
    return await asyncio.to_thread(made_now, reply)
