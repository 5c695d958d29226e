"""The states things go through, as enums whose values are what SQLite stores."""

from __future__ import annotations

from enum import StrEnum


class DialogStatus(StrEnum):
    ACTIVE = "active"
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    ABANDONED = "abandoned"


class Answered(StrEnum):
    """What became of a question: the matcher's decision, or an entry chosen from a button."""

    ANSWERED = "answered"
    SUGGESTED = "suggested"
    NOT_COVERED = "not_covered"
    CHOSEN = "chosen"


class BroadcastStatus(StrEnum):
    DRAFT = "draft"
    QUEUED = "queued"
    SENDING = "sending"
    DONE = "done"
    CANCELLED = "cancelled"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    BLOCKED = "blocked"
    CANCELLED = "cancelled"
