"""The Telegram channel: python-telegram-bot in front of the core.

`app.py` receives updates and wires everything; `sender.py` is the one way
out (chat replies, announcements and reminders alike); `ordering.py` keeps
one person's updates in order. Nothing outside this package imports
python-telegram-bot.
"""

from __future__ import annotations

from bot.replies import Capabilities

# What a Telegram chat can do (Bot API limits: 4,096 characters a message, files up to 50 MB out).
TELEGRAM = Capabilities(name="telegram", buttons=True, edits=True, files=True, html=True, max_length=4096,
                        starts_with_start=True)
