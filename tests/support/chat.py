"""One person talking to the assistant in the tests, as they would: typing, pressing buttons by label, sending files."""

from __future__ import annotations

import itertools

from bot.documents_out import made_now
from bot.replies import Event
from bot.telegram import TELEGRAM


EVENT_IDS = itertools.count(1)  # unique across chats, as update ids are across a bot's users


class Chat:
    """One person talking to the assistant, pressing buttons by their label as they would."""

    def __init__(self, assistant, user_id: int = 42, name: str = "Camille", capabilities=TELEGRAM,
                 address: str | None = None):
        """A person in a private Telegram chat, unless other `capabilities` (and their `address` there) say otherwise."""
        self.assistant = assistant
        self.capabilities = capabilities
        self.address = address
        self.user_id = user_id
        self.name = name
        self.replies = []
        self.sent = 0
        self.last: Event | None = None

    def _send(self, **kwargs):
        # Each event carries its id, as a Telegram update does.
        self.sent += 1
        event = Event(user_id=self.user_id, chat_id=self.user_id, chat_type="private", display_name=self.name,
                      event_id=str(next(EVENT_IDS)), capabilities=self.capabilities, address=self.address, **kwargs)
        self.last = event
        self.replies = [made_now(r) for r in self.assistant.handle(event)]
        return self.text

    def offer_again(self) -> str:
        """The last event once more, with its id: what Telegram does after a crash."""
        self.replies = [made_now(r) for r in self.assistant.handle(self.last)]
        return self.text

    def say(self, text: str) -> str:
        if text.startswith("/"):
            name, _, args = text[1:].partition(" ")
            return self._send(command=name, args=args)
        return self._send(text=text)

    def send_file(self, filename: str, content: bytes) -> str:
        """A file, as the Telegram adapter hands it over: read already, a DECP file into its contracts."""
        from bot.replies import Document
        from knowledge.decp import looks_like_decp, read_upload

        if looks_like_decp(filename, content):
            return self._send(document=Document(filename, b"", contracts=read_upload(filename, content)))
        return self._send(document=Document(filename, content))

    def button(self, fragment: str):
        """The last button whose label contains `fragment` (the current step comes last)."""
        found = [b for r in self.replies for row in r.buttons for b in row if fragment in b.label]
        assert found, f"no button containing {fragment!r} in {self.labels}"
        return found[-1]

    def press(self, fragment: str) -> str:
        return self.press_payload(self.button(fragment).payload)

    def press_payload(self, payload: str) -> str:
        return self._send(payload=payload)

    @property
    def labels(self) -> list[str]:
        return [b.label for r in self.replies for row in r.buttons for b in row]

    @property
    def text(self) -> str:
        from bot.rendering import to_plain_text

        return "\n\n".join(to_plain_text(r.html) for r in self.replies)

    @property
    def documents(self):
        return [r.document for r in self.replies if r.document is not None]
