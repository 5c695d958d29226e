"""The time, read in one place so that tests and benchmarks can move it.

Everything that reads the time — timestamps stored, invitation and import
expiries, the retention job, a dialog step left « a while ago », a reminder —
asks the clock in use. `use()` installs another one (a test's fixed clock)
and gives the previous one back.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """An aware datetime in UTC."""


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


_current: Clock = SystemClock()


def use(clock: Clock) -> Clock:
    """Install `clock`; return the one it replaces."""
    global _current
    previous, _current = _current, clock
    return previous


def now() -> datetime:
    return _current.now()


def iso(moment: datetime) -> str:
    """ISO 8601 UTC text with whole seconds: SQLite sorts and compares it as a string."""
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def now_iso() -> str:
    return iso(now())
