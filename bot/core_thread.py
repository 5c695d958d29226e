"""The core runs in one thread of its own; the event loop only waits for it.

The router, the features and the SQLite connection are synchronous: run in
the event loop, one slow event (a /plan on a large workspace) would stall
every other person and every send. All of them run here instead, one event
at a time, in the order they are given — the one thread that uses the
database, so no two events ever interleave in a transaction. The event loop
stays free to receive updates and to send.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


class CoreThread:
    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="spaser-core")

    async def run(self, function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run `function` in the core thread and wait for it without holding the event loop."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(function, *args, **kwargs))

    def call(self, function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """The same from outside the event loop (start-up, shutdown): waits for the result."""
        return self._executor.submit(function, *args, **kwargs).result()

    def close(self) -> None:
        self._executor.shutdown(wait=True)


class InlineCore:
    """The same interface in the calling thread: the console, where the one person there is the one waiting."""

    async def run(self, function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        return function(*args, **kwargs)

    def call(self, function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        return function(*args, **kwargs)

    def close(self) -> None:
        """Nothing to stop."""
