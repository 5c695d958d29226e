"""Telegram's inline keyboard for a reply, shared by chat replies and broadcasts."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.rendering import button_label
from bot.replies import Reply


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    """Telegram shows a button on one line: long labels are cut here, not in the core (the console shows them whole)."""
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(button_label(b.label), callback_data=b.payload) for b in row] for row in reply.buttons]
    )
