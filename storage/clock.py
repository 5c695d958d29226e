"""Timestamps as ISO 8601 UTC text, so SQLite sorts and compares them as strings."""

from datetime import datetime, timezone


def now() -> datetime:
    return datetime.now(timezone.utc)


def now_iso() -> str:
    return now().isoformat(timespec="seconds")
