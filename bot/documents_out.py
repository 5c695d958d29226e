"""Documents described by the core and made outside it, on another processor core.

Making a document is the slow part of /plan (the outline of a full workspace
takes tens to hundreds of milliseconds), of a chart, of an export. The core
only reads what the document needs, in its transaction, and returns it as a
recipe: a renderer's name and its arguments as JSON. The channel has the
bytes made in a separate process (`made`): Python runs one thread at a time,
so a thread would still take its turns from the people asking questions; a
process takes the machine's other core. The recipe is also what is kept to
answer an event offered again: the document is made again from the same data.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from bot.replies import Document, Reply

log = logging.getLogger(__name__)

# Renderer name → where its function is (a module-level function of plain data, so another process can run it).
RENDERERS = {
    "outline": ("bot.features.plan", "render_outline"),
    "chart": ("documents.charts", "render_chart"),
    "table": ("bot.features.workspace_lists", "render_table"),
}

_pool: ProcessPoolExecutor | None = None


def deferred(filename: str, name: str, arguments: dict, **document) -> Document:
    """A document to make later: `arguments` must be plain data (text, numbers, lists, dicts)."""
    if name not in RENDERERS:
        raise KeyError(f"unknown renderer {name!r}")
    return Document(filename, b"", render=(name, json.dumps(arguments, ensure_ascii=False, default=str)), **document)


def render(name: str, arguments: str) -> bytes:
    """Make a document from its recipe (the outline's Markdown, shared by its two files, is cached by its renderer)."""
    module, function = RENDERERS[name]
    return getattr(importlib.import_module(module), function)(json.loads(arguments))


@lru_cache(maxsize=1)
def definitions():
    """The dialog definitions, read once by the process that makes the documents (the bot checked them at start)."""
    from dialogs.definitions import load_dialogs

    return load_dialogs()


def made_now(reply: Reply) -> Reply:
    """The reply with its document made, in the calling thread (the console, the tests)."""
    document = reply.document
    if document is None or document.render is None:
        return reply
    return replace(reply, document=replace(document, content=render(*document.render), render=None))


async def made(reply: Reply) -> Reply:
    """The same in the documents' process (a thread when none was started), without holding anyone."""
    document = reply.document
    if document is None or document.render is None:
        return reply
    if _pool is None:
        return await asyncio.to_thread(made_now, reply)
    content = await asyncio.get_running_loop().run_in_executor(_pool, render, *document.render)
    return replace(reply, document=replace(document, content=content, render=None))


def start(content_dir: str | Path | None) -> None:
    """Start the documents' process, with the same content as this one (dialogs, outline texts)."""
    global _pool
    if _pool is None:
        # « spawn »: a fresh interpreter, never a fork of a process that runs threads.
        _pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                    initializer=_prepare, initargs=(str(content_dir) if content_dir else None,))
        _pool.submit(_ready).result()  # loaded now, not on the first /plan


def stop() -> None:
    """Stop the documents' process: a document being made is dropped, and the process is waited for
    (left alone, it would outlive the bot)."""
    global _pool
    if _pool is not None:
        pool, _pool = _pool, None
        pool.shutdown(wait=True, cancel_futures=True)


def _prepare(content_dir: str | None) -> None:
    from knowledge import content

    content.use(content_dir)
    threading.Thread(target=_leave_with_the_bot, args=(os.getppid(),), daemon=True).start()
    for module, _ in RENDERERS.values():
        importlib.import_module(module)


def _ready() -> bool:
    return True


def _leave_with_the_bot(bot: int) -> None:
    """A bot killed outright (kill -9) cannot stop this process: it notices it is orphaned, and ends."""
    while os.getppid() == bot:
        time.sleep(1)
    os._exit(0)
