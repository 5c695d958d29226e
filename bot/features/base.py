"""What a feature declares, so that the router, `/aide`, Telegram's command menu
and the README's command table are all read from one place.

A feature is one module under `bot/features/` with one class: it says which
commands it answers (with their French help), which button prefix it owns,
which buttons it puts in the main menu, which dialogs it runs (with the steps
it stores) and, where it needs to, what it adds to the welcome or which files
it takes. Its constructor names what it uses — `storage`, `engine`,
`settings`… — and is given exactly that (see `build`).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from bot.replies import Button, Document, Event, Reply

if TYPE_CHECKING:
    from dialogs.engine import Hooks

Handler = Callable[[Event], list[Reply]]
ButtonHandler = Callable[[Event, str], list[Reply]]


@dataclass(frozen=True)
class Command:
    name: str
    help: str  # French, shown by /aide and in Telegram's command menu
    run: Handler
    admin: bool = False  # animators only
    in_menu: bool = True  # listed by /aide and Telegram's menu
    # During a dialog, show its step again after the command's own reply.
    keeps_dialog: bool = True
    # A person muted by an animator keeps their rights: these commands, and the dialogs they open.
    while_muted: bool = False


@dataclass(frozen=True)
class MenuButton:
    """A button of the main menu: `item` names a command, or the feature's own `run`."""

    label: str
    item: str
    run: Handler | None = None


@dataclass(frozen=True)
class Buttons:
    """The button payloads `prefix:…` a feature owns; the handler gets what follows the prefix."""

    prefix: str
    run: ButtonHandler
    keeps_dialog: bool = True


class Feature:
    """The base of every feature; every declaration is optional."""

    # Per dialog the feature runs, the steps whose answers it stores: removing
    # one of them from the YAML file must fail at `kb check`, not in front of a user.
    needs: ClassVar[Mapping[str, tuple[str, ...]]] = {}

    def commands(self) -> tuple[Command, ...]:
        return ()

    def buttons(self) -> tuple[Buttons, ...]:
        return ()

    def menu(self) -> tuple[MenuButton, ...]:
        return ()

    def dialogs(self) -> dict[str, "Hooks"]:
        return {}

    def on_start(self, event: Event) -> list[Reply]:
        """What the feature adds to the welcome (an opt-in asked once at the first contact)."""
        return []

    def is_question(self, text: str) -> bool:
        """During a dialog, whether typed text is a question this feature answers rather than an answer."""
        return False

    def answer_text(self, event: Event, text: str) -> list[Reply] | None:
        """The replies to free text that no dialog takes, or None to leave it to the next feature."""
        return None

    def receive_file(self, event: Event, document: Document) -> list[Reply] | None:
        """The replies to a file the person sent, or None when it is not for this feature."""
        return None


@dataclass
class Catalogue:
    """Every feature's declarations, gathered once by the router: for /aide, the menus, Telegram's command list."""

    commands: dict[str, Command] = field(default_factory=dict)
    menu: list[MenuButton] = field(default_factory=list)
    features: list[Feature] = field(default_factory=list)

    @property
    def menu_rows(self) -> tuple[tuple["Button", ...], ...]:
        """The main menu, two buttons per row in the order of the features."""
        buttons = [Button(m.label, f"menu:{m.item}") for m in self.menu]
        return tuple(tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2))

    def listed(self, admin: bool) -> list[Command]:
        """The commands /aide shows this person, in the order of the features."""
        return [c for c in self.commands.values() if c.in_menu and (admin or not c.admin)]


def build(cls: type[Feature], available: Mapping[str, Any]) -> Feature:
    """Make a feature with what its constructor names, and nothing else."""
    wanted = [p for p in inspect.signature(cls.__init__).parameters.values() if p.name != "self"]
    missing = [p.name for p in wanted if p.name not in available and p.default is inspect.Parameter.empty]
    if missing:
        raise TypeError(f"{cls.__name__} needs {', '.join(missing)}, which no service provides")
    return cls(**{p.name: available[p.name] for p in wanted if p.name in available})
