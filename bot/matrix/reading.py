"""What a person's line or reaction in a Matrix room means: a command, a choice, or text for the core.

Pure functions, shared by the adapter and its tests. Choices are the
(label, payload) pairs a message showed, numbered from 1.
"""

from __future__ import annotations

import re

from bot.numbered import Choices
from bot.replies import Button, bare_command

# The reactions offered under a message with choices, in order: a tap sends the choice.
KEYCAPS = ("1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "9️⃣", "🔟")

# Reactions every Element-based client (Tchap included) offers in one click
# under any message: a choice labelled with one of them is given by it, and
# its message needs no keycaps of its own.
QUICK_REACTIONS = ("👍", "👎")
# Variation selector and skin tones: « 👍🏽 » is still « 👍 ».
EMOJI_VARIANTS = re.compile("[\ufe0f\U0001f3fb-\U0001f3ff]")


COMMAND = re.compile(r"^[!/]([A-Za-zÀ-ÿ_]+)(?:\s+(.*))?$", re.DOTALL)


def command_of(text: str) -> tuple[str, str] | None:
    """(name, arguments) of « !profil », « /profil » or a bare « aide »; None for anything else."""
    stripped = text.strip()
    found = COMMAND.match(stripped)
    if found:
        return found.group(1), (found.group(2) or "").strip()
    bare = bare_command(stripped)
    return (bare, "") if bare is not None else None


def number_of_reaction(key: str) -> int | None:
    """1 for 1️⃣ … 10 for 🔟 (a reaction typed without its variation selector counts too)."""
    plain = key.replace("\ufe0f", "")
    for number, keycap in enumerate(KEYCAPS, 1):
        if keycap.replace("\ufe0f", "") == plain:
            return number
    return None


def may_choose(key: str) -> bool:
    """Whether a reaction can be a choice at all (a keycap, 👍, 👎); a 🎉 never is."""
    return number_of_reaction(key) is not None or EMOJI_VARIANTS.sub("", key) in QUICK_REACTIONS


def reacted(key: str, choices: list[tuple[str, str]]) -> str | None:
    """The payload a reaction picks: a keycap by its number, 👍/👎 the choice labelled with it; None otherwise."""
    number = number_of_reaction(key)
    if number is not None:
        return choices[number - 1][1] if number <= len(choices) else None
    plain = EMOJI_VARIANTS.sub("", key)
    if plain not in QUICK_REACTIONS:
        return None
    return next((payload for label, payload in choices if EMOJI_VARIANTS.sub("", label.split(" ")[0]) == plain), None)


def needs_keycaps(choices: list[tuple[str, str]]) -> bool:
    """Whether the message should get keycap reactions under it.

    An answer to a question (its choices: close questions, then 👍/👎) gets
    none: five reactions under every answer crowd the conversation and cost
    the homeserver five events; its feedback is one quick reaction away and
    its numbers can be typed. A step, a menu, a list of themes gets them.
    """
    return bool(choices) and not any(label.split(" ")[0] in QUICK_REACTIONS for label, _ in choices)


def chosen(typed: str, choices: list[tuple[str, str]]) -> str | None:
    """The payload a typed number or label picks among the last choices shown, or None: text for the core.

    At a dialog step the text goes on to the dialog engine, which reads
    numbers and labels itself (and refuses an answer to an older step).
    """
    numbered = Choices()
    numbered.buttons = numbered.on_screen = [Button(label, payload) for label, payload in choices]
    button = numbered.choose(typed)
    return button.payload if button is not None else None


def numbered_lines(choices: list[tuple[str, str]]) -> list[str]:
    return [f"{number}. {label}" for number, (label, _) in enumerate(choices, 1)]
