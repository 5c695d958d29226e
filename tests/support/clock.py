"""A clock the tests move: the invitation that expired, the question asked a year ago."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone


class FakeClock:
    def __init__(self, at: datetime | None = None):
        self.at = at or datetime.now(timezone.utc).replace(microsecond=0)

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta) -> datetime:
        """Move on (or back, with negative values): `clock.advance(days=8)`."""
        self.at += timedelta(**delta)
        return self.at
