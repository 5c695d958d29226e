"""The one way out to Telegram: chat replies, announcements and reminders all leave through here.

Telegram's errors become the channel-neutral ones (bot.channels): flood
control, a person who blocked the bot, a refused message, a lost connection.
"Message is not modified" is a success: the message already says that.
"""

from __future__ import annotations

import warnings

from telegram import Bot, InputFile
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.warnings import PTBUserWarning

from bot.channels import FloodWait, Part, Rejected, Transient, Unreachable, text_parts
from bot.replies import Reply
from bot.telegram import TELEGRAM
from bot.telegram.markup import keyboard

CAPTION_LIMIT = 1024

# Text messages go through the raw call on purpose (see send_part): python-telegram-bot
# suggests its typed method, whose only extra is parsing the sent message into objects.
warnings.filterwarnings("ignore", message="Please use 'Bot.sendMessage'", category=PTBUserWarning)


def seconds(exc: RetryAfter) -> float:
    retry_after = exc.retry_after
    return float(retry_after.total_seconds() if hasattr(retry_after, "total_seconds") else retry_after)


class TelegramSender:
    capabilities = TELEGRAM
    rate_per_second = None  # broadcast.rate_per_second

    def __init__(self, bot: Bot):
        self.bot = bot

    def parts(self, reply: Reply) -> list[Part]:
        return text_parts(reply, TELEGRAM)

    def announcement_parts(self, reply: Reply) -> list[Part]:
        """An announcement with a short text and a file arrives as one message: the file, the text as its caption."""
        return text_parts(reply, TELEGRAM, caption_limit=CAPTION_LIMIT)

    async def send_part(self, address: str, part: Part, reply: Reply, reference: str | None = None) -> str | None:
        chat_id = int(address)
        markup = keyboard(reply) if part.last else None
        mode = None if part.plain else ParseMode.HTML
        try:
            if part.document is None:
                text = part.text[: TELEGRAM.max_length] if part.plain else part.text
                # The raw call: the sent message, which nothing reads, is not parsed into objects
                # (that parsing cost as much as the rest of the send).
                fields = {"chat_id": chat_id, "text": text}
                if mode:
                    fields["parse_mode"] = mode
                if markup:
                    fields["reply_markup"] = markup
                await self.bot.do_api_request("sendMessage", api_kwargs=fields)
                return None
            document = part.document
            content = reference or InputFile(document.content, filename=document.filename)
            caption = part.text if part.text else (document.caption[:CAPTION_LIMIT] or None)
            caption_mode = mode if part.text else None
            if document.picture:  # a chart: shown in the chat, not a file to open
                await self.bot.send_photo(chat_id, content, caption=caption, parse_mode=caption_mode, reply_markup=markup)
                return None
            sent = await self.bot.send_document(chat_id, content, caption=caption, parse_mode=caption_mode,
                                                reply_markup=markup)
            return sent.document.file_id if sent.document is not None else None
        except RetryAfter as exc:
            raise FloodWait(seconds(exc)) from exc
        except Forbidden as exc:
            raise Unreachable(str(exc)) from exc
        except BadRequest as exc:
            if "message is not modified" in str(exc).lower():
                return None
            raise Rejected(str(exc)) from exc
        except NetworkError as exc:  # TimedOut included
            raise Transient(exc.__class__.__name__) from exc
