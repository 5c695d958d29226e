"""Named commit points where a test can end the process, as a kill -9 would.

`SPASER_CRASH_AT=<name>` makes the process exit at once, without cleanup, when
it reaches that point. Killing a process at a random moment rarely hits the few
milliseconds that matter; naming the moment makes every case reproducible.
"""

from __future__ import annotations

import os

CRASH_EXIT_STATUS = 70


def crash_point(name: str) -> None:
    if os.environ.get("SPASER_CRASH_AT") == name:
        os._exit(CRASH_EXIT_STATUS)
