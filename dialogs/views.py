"""What the dialog engine gives to show, and the actions it takes: no channel, no markup.

The engine says « this step, with these choices, this note »; a channel
renders it (Telegram: HTML and buttons; a text-only channel: numbered lines)
and encodes each action in its own way. Numbers typed by a person count the
choices in the order of `View.choices()`, which every channel lays out in
that order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Act(Enum):
    CHOOSE = "c"  # a choice of a single-choice step (index)
    TOGGLE = "t"  # tick or untick a choice of a multiple-choice step (index)
    CONFIRM = "ok"  # validate the ticked choices
    YES = "y"
    NO = "n"  # « non », « non, c'est tout », « terminer la liste »
    SKIP = "s"
    BACK = "b"
    CANCEL = "x"
    VALIDATE = "v"  # the summary's « ✅ Valider »
    EDIT = "e"  # change a step from the summary (index of the step)
    SUGGESTION = "g"  # take a suggested answer (index)
    KEEP = "k"  # keep the current answer
    NUMBER = "="  # « Enregistrer 1 M€ HT » after « which did you mean? » (value)
    RESUME = "r"  # an unfinished dialog: take it up again
    RESTART = "new"  # an unfinished dialog: start afresh

    @property
    def navigates(self) -> bool:
        return self in (Act.BACK, Act.SKIP, Act.CANCEL)


@dataclass(frozen=True)
class Action:
    act: Act
    index: int | None = None
    value: str | None = None


@dataclass(frozen=True)
class Choice:
    label: str
    action: Action


@dataclass(frozen=True)
class Notice:
    """A message of the engine, by name (a template of the channel) with its values.

    A lead notice is said in the same message as what follows it: one message
    per turn where possible, since Telegram allows about one per second in a chat.
    """

    key: str
    values: Mapping[str, Any] = field(default_factory=dict)
    lead: bool = False


@dataclass(frozen=True)
class View:
    """One screen of a session: a step, its summary, « another one? » or a question back."""

    session: int
    turn: int | None  # None: the choices work on any later turn (a resume offer)
    template: str
    values: Mapping[str, Any]
    note: Any = None  # a Notice, or a message a feature gave (a refusal of its check)
    options: tuple[Choice, ...] = ()  # the step's own choices, laid out by the channel
    rows: tuple[tuple[Choice, ...], ...] = ()  # choices that go together, one row each
    navigation: tuple[Choice, ...] = ()
    # Replaces the message whose choice was pressed (a selection being built).
    edit: bool = False

    def choices(self) -> list[Choice]:
        return [*self.options, *(c for row in self.rows for c in row), *self.navigation]


def notice(key: str, /, **values) -> Notice:
    return Notice(key, values)


def lead(key: str, /, **values) -> Notice:
    return Notice(key, values, lead=True)
