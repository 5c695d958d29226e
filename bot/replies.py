"""What flows between channels and the core: plain events in, plain replies out.

Nothing here knows Telegram; adapters translate both ways.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Event:
    """One thing a person did: typed text, sent a command, or pressed a button."""

    user_id: int
    chat_id: int
    chat_type: str = "private"  # "private", "group" or "console"
    display_name: str | None = None
    language: str | None = None
    text: str | None = None
    command: str | None = None
    args: str = ""
    payload: str | None = None
    document: Document | None = None  # a file the person sent (an import)

    @property
    def channel(self) -> str:
        return "console" if self.chat_type == "console" else "telegram"


@dataclass(frozen=True)
class Button:
    label: str
    payload: str


@dataclass(frozen=True)
class Document:
    filename: str
    content: bytes
    caption: str = ""


@dataclass(frozen=True)
class Reply:
    """A message: Telegram-flavoured HTML (every dynamic part escaped), buttons, maybe a file."""

    html: str
    buttons: tuple[tuple[Button, ...], ...] = field(default_factory=tuple)
    document: Document | None = None
    # Replace the message whose button was pressed (a selection being built)
    # instead of sending a new one.
    edit: bool = False
