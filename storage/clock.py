"""Timestamps as ISO 8601 UTC text, so SQLite sorts and compares them as strings."""

from datetime import datetime, timezone


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
