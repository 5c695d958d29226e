"""A second messenger for the tests: text only — no buttons, no edits, no formatting.

It is built on the channel layer as a real adapter would be: its sender says
what it can do (capabilities) and turns replies into plain messages with the
choices as numbered lines; what a person types comes back through the same
numbered choices; the core is reached through its gate and documents are made off it.
Messages are kept per address, as the fake Telegram server keeps them.
"""

from __future__ import annotations

from bot.channels import Part, send_reply, text_parts
from bot.core_access import CoreAccess
from bot.numbered import Choices
from bot.documents_out import made
from bot.replies import Capabilities, Event, Reply
from bot.router import Assistant

TEXT = Capabilities(name="texte", buttons=False, edits=False, files=True, html=False, max_length=2000,
                    announcements=True)


class TextSender:
    capabilities = TEXT
    rate_per_second = None

    def __init__(self) -> None:
        self.sent: dict[str, list[str]] = {}  # address → messages, in order
        self.files: dict[str, list[str]] = {}  # address → file names
        self.choices: dict[str, Choices] = {}

    def parts(self, reply: Reply) -> list[Part]:
        parts = text_parts(reply, TEXT)
        [lines] = Choices().shown([reply])  # « [1] Oui », as the console numbers them
        if lines and parts and parts[-1].document is None:
            last = parts[-1]
            parts[-1] = Part(text=last.text.rstrip() + "\n" + "\n".join(lines), last=True, plain=True)
        elif lines:
            parts.append(Part(text="\n".join(lines), last=True, plain=True))
        return parts

    async def send_part(self, address: str, part: Part, reply: Reply, reference: str | None = None) -> str | None:
        assert len(part.text) <= TEXT.max_length and "<b>" not in part.text, "more than the channel takes"
        if part.document is not None:
            self.files.setdefault(address, []).append(part.document.filename)
        if part.text:
            self.sent.setdefault(address, []).append(part.text)
        if reply.buttons and part.last:
            self.choices.setdefault(address, Choices()).shown([reply])
        return None


class TextChannel:
    def __init__(self, core: CoreAccess, assistant: Assistant):
        self.core = core
        self.assistant = assistant
        self.sender = TextSender()
        self.events = 0

    async def type(self, address: str, line: str) -> list[str]:
        """A person types a line; what the channel shows them back."""
        self.events += 1
        base = dict(user_id=None, chat_id=address, address=address, display_name=address.split("@")[0],
                    capabilities=TEXT, event_id=f"texte-{self.events}")
        stripped = line.strip()
        chosen = self.sender.choices.get(address, Choices()).choose(stripped)
        if stripped.startswith("/"):
            name, _, args = stripped[1:].partition(" ")
            event = Event(**base, command=name, args=args)
        elif chosen is not None:
            event = Event(**base, payload=chosen.payload)
        else:
            event = Event(**base, text=line)
        before = len(self.sender.sent.get(address, []))
        for reply in await self.core.run(self.assistant.handle, event):
            await send_reply(self.sender, address, await made(reply))
        return self.sender.sent.get(address, [])[before:]
