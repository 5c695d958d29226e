"""What flows between channels and the core: plain events in, plain replies out.

Nothing here knows Telegram; adapters translate both ways.
"""

from __future__ import annotations

import base64
import json
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
    # The channel's id of this event (a Telegram update id, as text); an event
    # offered again with the same id is answered, not applied a second time.
    event_id: str | None = None
    # Set by the router: the person was never seen before this event.
    first_contact: bool = False

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
    # A received spreadsheet already read by the adapter, in a worker thread so that
    # parsing never holds the event loop: its rows, or the French reason it cannot be read.
    table: list[list[str]] | str | None = None
    # A received DECP file already read by the adapter, off the event loop: its
    # contracts, or the French reason it cannot be read.
    contracts: list | str | None = None
    # An image to show as a picture (a chart), not as a file to download.
    picture: bool = False
    # A DOCX to send also as ODT and PDF: the adapter converts it once the DOCX is out, off the event loop.
    convert: bool = False


@dataclass(frozen=True)
class Reply:
    """A message: Telegram-flavoured HTML (every dynamic part escaped), buttons, maybe a file."""

    html: str
    buttons: tuple[tuple[Button, ...], ...] = field(default_factory=tuple)
    document: Document | None = None
    # Replace the message whose button was pressed (a selection being built)
    # instead of sending a new one.
    edit: bool = False


def encode_replies(replies: list[Reply]) -> str:
    """Replies as text, to answer an event offered again exactly as the first time."""
    return json.dumps([_reply_data(r) for r in replies], ensure_ascii=False)


def decode_replies(text: str) -> list[Reply]:
    return [_reply_of(d) for d in json.loads(text)]


def _reply_data(reply: Reply) -> dict:
    data: dict = {"html": reply.html, "buttons": [[[b.label, b.payload] for b in row] for row in reply.buttons]}
    if reply.edit:
        data["edit"] = True
    if reply.document is not None:
        doc = reply.document
        data["document"] = [doc.filename, base64.b64encode(doc.content).decode("ascii"), doc.caption, doc.convert]
    return data


def _reply_of(data: dict) -> Reply:
    document = None
    if "document" in data:
        filename, content, caption, *convert = data["document"]
        document = Document(filename, base64.b64decode(content), caption, convert=bool(convert and convert[0]))
    buttons = tuple(tuple(Button(label, payload) for label, payload in row) for row in data["buttons"])
    return Reply(data["html"], buttons, document, bool(data.get("edit")))
