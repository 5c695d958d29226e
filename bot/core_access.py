"""How adapters and jobs reach the core and its database: one gate, awaited.

Everything that reads or writes storage from a channel or a job goes through
`CoreAccess.run`, so the place where the core runs is decided here alone.
It runs in the event loop's thread, one event at a time. A worker thread
owning the SQLite connection was tried and measured: Python runs one thread
at a time, and a CPU-bound worker behind a busy event loop waits for its turn
at each hand-over (33 ms a call in a micro-benchmark; the bot's p95 latency
went from about 0.1 s to 0.4 s under load, its throughput halved). The core's
own work is short (about 1 ms a question); what is long — making documents,
reading uploaded files, LibreOffice — leaves this process or this thread
(bot.documents_out, bot.received_files, bot.office).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class CoreAccess:
    async def run(self, function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run `function` of the core (or of its storage) and give its result."""
        return function(*args, **kwargs)

    def call(self, function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """The same outside the event loop (start-up, shutdown, the console)."""
        return function(*args, **kwargs)
