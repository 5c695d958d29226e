"""Talking to the bot through the fake Bot API server, as a Telegram client would."""

from __future__ import annotations

USER = 1001  # the person of the Telegram tests
DIALOG_USER = 2002  # the person going through dialogs

async def ask(fake, text, user=USER, expect=1, **kwargs):
    before = len(fake.sent_to(kwargs.get("chat_id", user)))
    fake.push_message(user, text, **kwargs)
    messages = await fake.wait_for_messages(kwargs.get("chat_id", user), before + expect)
    return messages[before:]


def buttons(message):
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [b for row in rows for b in row]


async def tap(fake, message, fragment, user=DIALOG_USER, expect=1):
    """Press the button of `message` whose label contains `fragment`; return the new messages."""
    button = next(b for b in buttons(message) if fragment in b["text"])
    before = len(fake.sent_to(user))
    fake.press(user, message, button["callback_data"])
    if expect == 0:
        return []
    return (await fake.wait_for_messages(user, before + expect))[before:]
