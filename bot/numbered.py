"""Choices without buttons: a reply's buttons become numbered lines, and a typed number or label picks one.

For the channels that cannot show buttons (the console, a text-only
messenger): numbers count the buttons of the last message that had some,
from 1; a label typed whole (or a unique beginning of it) matches any button
on screen. At a dialog step the typed text goes on to the dialog engine,
which reads numbers and labels itself the same way for every channel, and
refuses politely an answer to a step that is no longer the current one.
"""

from __future__ import annotations

from bot.replies import Button, Reply
from domain.text import label_key


class Choices:
    """What one conversation has on screen."""

    def __init__(self) -> None:
        self.buttons: list[Button] = []  # of the last message with buttons: what a typed number means
        self.on_screen: list[Button] = []

    def shown(self, replies: list[Reply]) -> list[list[str]]:
        """Remember the buttons of these replies; each reply's numbered lines, « [1] Oui » style."""
        self.buttons, self.on_screen = [], []
        lines = []
        for reply in replies:
            numbered = [b for row in reply.buttons for b in row]
            if numbered:
                self.buttons = numbered
            self.on_screen += numbered
            lines.append([f"[{number}] {button.label}" for number, button in enumerate(numbered, 1)])
        return lines

    def choose(self, typed: str) -> Button | None:
        """The button a typed line means, if it means one (else it is text for the core)."""
        typed = typed.strip()
        if not self.buttons or not typed or self.at_step:
            return None
        if typed.isascii() and typed.isdigit():
            index = int(typed) - 1
            return self.buttons[index] if 0 <= index < len(self.buttons) else None
        wanted = label_key(typed)
        exact = next((b for b in self.on_screen if label_key(b.label) == wanted), None)
        if exact is not None or len(wanted) < 4:
            return exact
        # « Valider la sélection » for « Valider la sélection (3) »: a unique beginning is enough.
        starting = [b for b in self.on_screen if label_key(b.label).startswith(wanted)]
        return starting[0] if len({b.payload for b in starting}) == 1 else None

    @property
    def at_step(self) -> bool:
        return bool(self.buttons) and all(b.payload.startswith("d:") for b in self.buttons)
