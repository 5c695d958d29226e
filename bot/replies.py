"""What flows between channels and the core: plain events in, plain replies out.

Nothing here knows Telegram; adapters translate both ways.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from datetime import datetime

from domain.text import simplify


@dataclass(frozen=True)
class Capabilities:
    """What a channel can show and do, declared by its adapter; the core and the renderer read these flags
    rather than a channel's name, so that a new messenger is a new set of flags, not new branches."""

    name: str = "chat"  # the channel, as identities and applied events record it
    buttons: bool = True  # else choices are numbered lines, answered by their number or label
    edits: bool = True  # a message can be replaced in place (a selection being built)
    files: bool = True  # documents are sent into the conversation (else saved to a folder on this machine)
    html: bool = True
    max_length: int = 4096  # characters of one message
    announcements: bool = True  # the channel's jobs deliver announcements and reminders to its people
    local: bool = False  # the person sits at this machine: a file is given by its path
    command_prefix: str = "/"
    # The client itself sends /start at the first contact (Telegram's Start button): the welcome asks
    # what is asked once. Elsewhere people just write, and it is asked after the first answer.
    starts_with_start: bool = False


# Words that are commands even typed bare, on every channel: nobody asks the FAQ « aide » or « menu » alone.
BARE_COMMANDS = {"aide": "aide", "help": "aide", "menu": "start"}


# « Tu sers à quoi ? », « Qui êtes-vous ? », « Vous pouvez m'aider ? »: a question about the assistant
# itself, answered by what it can do (matched on simplified text: folded, without punctuation).
ASKS_ABOUT_ME = re.compile(
    r"^(?:(?:bonjour|bonsoir|salut|hello|coucou) )?(?:"
    r"(?:tu sers|vous servez|ca sert) a quoi|a quoi (?:tu sers|sers tu|vous servez|servez vous)"
    r"|a quoi sert (?:ce bot|ce robot|cet assistant|l assistant)|(?:est )?quoi ce (?:bot|robot)"
    r"|qui es tu|qui etes vous|tu es qui|vous etes qui|es qui"
    r"|(?:que|est ce que) (?:sais tu|savez vous|tu sais|vous savez) faire|(?:tu sais|vous savez) faire quoi"
    r"|que fais tu|que faites vous|tu fais quoi|vous faites quoi"
    r"|comment (?:je vous |on vous |je te |on te )?utilise[rz]? (?:ce bot|cet assistant|l assistant)"
    r"|(?:tu peux|vous pouvez|peux tu|pouvez vous) aider|aidez moi|aide moi|au secours|sos|ai besoin (?:d )?aide"
    r")(?: svp| stp| s il vous plait| s il te plait| merci)?$"
)


# « Comment supprimer mes données ? », « et le RGPD ? »: the person's own data, answered by what is kept
# and the commands that show and erase it. « Nos données d'achats » are not theirs: they ask the FAQ.
ASKS_ABOUT_MY_DATA = re.compile(
    r"\b(?:supprimer|supprimez|supprime|effacer|effacez|efface|oublier|oubliez|retirer|retirez|detruire|voir|"
    r"consulter|recuperer|exporter|telecharger|acceder a|avoir) (?:toutes )?mes donnees\b"
    r"|\bmes donnees (?:personnelles|perso)\b|\bdonnees personnelles\b|\brgpd\b|\bvie privee\b|\bdroit a l oubli\b"
    r"|\b(?:faites vous|fais tu|vous faites|tu fais) de mes donnees\b"
    r"|\b(?:vous gardez|vous conservez|vous savez|tu gardes|tu conserves|tu sais|gardez vous|conservez vous)"
    r" (?:quoi )?sur moi\b"
    r"|\b(?:oubliez|oublie|effacez|efface) moi\b"
)


def bare_command(text: str) -> str | None:
    """The command a message made of one such word stands for (« Aide ? » is /aide), or a question
    about the assistant itself (« tu sers à quoi ? » is /aide too)."""
    found = BARE_COMMANDS.get(text.strip().rstrip(" ?!.").lower())
    if found is None and len(text) <= 80 and ASKS_ABOUT_ME.match(simplify(text)):
        return "aide"
    return found


def asks_about_own_data(text: str) -> bool:
    """Whether a message asks what is kept about the person, or how to see or erase it. Not read as
    such while a dialog waits for an answer: « DPO, chargé des données personnelles » may be one."""
    return len(text) <= 160 and ASKS_ABOUT_MY_DATA.search(simplify(text)) is not None


@dataclass(frozen=True)
class Event:
    """One thing a person did: typed text, sent a command, or pressed a button."""

    # The internal user: settled by the router from the sender's identity (channel, address).
    # An adapter proposes its own numeric id, kept when free (existing data stays theirs).
    user_id: int | None
    chat_id: int | str | None
    chat_type: str = "private"  # "private" or "group"
    display_name: str | None = None
    language: str | None = None
    text: str | None = None
    command: str | None = None
    args: str = ""
    payload: str | None = None
    document: Document | None = None  # a file the person sent (an import)
    # The channel's id of this event (a Telegram update id, a Matrix event id); an
    # event offered again with the same id is answered, not applied a second time.
    # Ids are opaque text: events may arrive in any order.
    event_id: str | None = None
    # Set by the router: the person was never seen before this event.
    first_contact: bool = False
    capabilities: Capabilities = field(default_factory=Capabilities)
    # The sender's address on the channel (a Matrix id, a console name); by default their numeric id.
    address: str | None = None
    # When the person sent it, by the messenger's clock (Telegram's message date, the homeserver's
    # timestamp): a message applied after a restart, or offered again after a crash, was still
    # typed right after the step it answers. None where the channel does not say (the console).
    sent_at: datetime | None = None

    @property
    def channel(self) -> str:
        return self.capabilities.name

    @property
    def sender(self) -> str:
        return self.address if self.address is not None else str(self.user_id)


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
    # A document still to make (bot.documents_out): (renderer, arguments as JSON); `content` is empty until then.
    render: tuple[str, str] | None = None


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
        data["document"] = [doc.filename, base64.b64encode(doc.content).decode("ascii"), doc.caption, doc.convert,
                            doc.picture, list(doc.render) if doc.render else None]
    return data


def _reply_of(data: dict) -> Reply:
    document = None
    if "document" in data:
        filename, content, caption, *more = data["document"] + [False, False, None]
        convert, picture, render = more[:3]
        document = Document(filename, base64.b64decode(content), caption, convert=bool(convert), picture=bool(picture),
                            render=tuple(render) if render else None)
    buttons = tuple(tuple(Button(label, payload) for label, payload in row) for row in data["buttons"])
    return Reply(data["html"], buttons, document, bool(data.get("edit")))
