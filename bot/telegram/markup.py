"""Telegram's inline keyboard for a reply, shared by chat replies and broadcasts.

A plain mapping, as the Bot API takes it: python-telegram-bot sends it as is,
and building its button objects only to turn them back into this cost more than
the rest of a reply.
"""

from __future__ import annotations

from bot.rendering import button_label
from bot.replies import Reply


def keyboard(reply: Reply) -> dict | None:
    """Telegram shows a button on one line: long labels are cut here, not in the core (the console shows them whole)."""
    if not reply.buttons:
        return None
    return {"inline_keyboard": [[{"text": button_label(b.label), "callback_data": b.payload} for b in row]
                                for row in reply.buttons]}
