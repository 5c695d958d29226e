"""The Telegram adapter: python-telegram-bot in front of the core, and its wiring.

Handlers stay thin: turn the update into an `Event`, ask the core (through
bot.core_access), and hand the replies to the outbox (bot.outbox), which has
their documents made and sends them through the sender (bot.telegram.sender).
Updates are written down before Telegram may forget them (bot.telegram.confirming).
What is Telegram's own lives in this package:
answering every callback query, group etiquette, editing the message a
button was pressed on, downloading files, the webhook, and one bot per
database.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import re
import secrets
import sqlite3
import sys
import time
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlparse

# Opt in to durations as timedelta (the future default), so RetryAfter carries
# a timedelta and python-telegram-bot emits no deprecation warning.
os.environ.setdefault("PTB_TIMEDELTA", "1")

from telegram import BotCommand, Message, Update
from telegram.constants import ChatType, MessageEntityType, ParseMode
from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import documents_out, office
from bot.config import Settings
from bot.telegram.http_client import AiohttpRequest
from bot.channels import Background, deliver
from bot.core_access import CoreAccess
from bot.outbox import Outbox
from bot.jobs import Jobs
from bot.received_files import received_file_event
from bot.rendering import message, split_html, to_plain_text
from bot.replies import Event, Reply, decode_replies
from bot.router import Assistant
from bot.runtime import hold_database_lock, open_services
from bot.telegram import TELEGRAM
from bot.telegram.markup import keyboard
from bot.telegram.confirming import ConfirmingBot, ConfirmingQueue
from bot.telegram.ordering import MAX_CONCURRENT_UPDATES, PerUserUpdateProcessor
from bot.telegram.sender import TelegramSender
from dialogs.tables import MAX_FILE_BYTES
from domain.clock import now
from knowledge import content
from knowledge.decp import MAX_CHAT_BYTES

log = logging.getLogger(__name__)

CONNECTIONS = 8
FLOOD_NOTICE_EVERY = 60.0  # seconds
# At a stop, how long replies still queued may take to go out; the rest go at the next start.
CLOSING_SECONDS = 10.0
GROUP_COMMANDS = {"faq"}


class TelegramChannel:
    """Receives updates, asks the core, and sends through the one sender."""

    def __init__(self, core: CoreAccess, assistant: Assistant, application: Application):
        self.core = core
        self.assistant = assistant
        self.application = application
        self.sender = TelegramSender(application.bot)
        self._flood_notices: dict[int, float] = {}
        self.background = Background()
        self.outbox = Outbox(core, assistant.services.storage.events, TELEGRAM.name)

    # -- incoming ---------------------------------------------------------------

    def on_flood(self, update: Update, user_id: int) -> None:
        """Count a dropped message; tell the person once a minute, without waiting in their queue."""
        self.background.start(self._count_flood())
        now = time.monotonic()
        if now - self._flood_notices.get(user_id, -FLOOD_NOTICE_EVERY) < FLOOD_NOTICE_EVERY:
            return
        self._flood_notices[user_id] = now
        chat = update.effective_chat
        target = chat.id if chat is not None and chat.type == ChatType.PRIVATE else user_id
        self.background.start(self.deliver(target, [Reply(message("flood_notice"))], None))

    async def _count_flood(self) -> None:
        try:
            await self.core.run(self.assistant.services.storage.stats.count, "flood_dropped")
        except sqlite3.OperationalError as exc:  # a full disk must not stop the dropping itself
            log.error("Could not count a dropped message: %s", exc)

    async def handle(self, event: Event) -> list[Reply]:
        """The core's replies to one event (their documents are made as they are sent)."""
        return await self.core.run(self.assistant.handle, event)

    async def on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Text or command → the core's replies; in groups only what is addressed to us."""
        msg = update.effective_message
        user = update.effective_user
        if msg is None or user is None or user.is_bot or not _consistent(update):
            return
        text = msg.text or ""
        private = msg.chat.type == ChatType.PRIVATE
        username = (context.bot.username or "").lower()
        command, args = _command_of(msg)
        if command is not None:
            name, _, target = command.partition("@")
            if target and target.lower() != username:
                return  # a command for another bot in the same group
            if not private and name.lower() not in GROUP_COMMANDS:
                if target:  # addressed to us, but personal or admin: never in the room
                    await self.answer_in_private(update, msg.chat_id, name, args)
                return  # a bare command in a group may be meant for another bot
            event = self._event(update, command=name, args=args)
        else:
            if not private:
                if not _mentions(msg, username):
                    return
                text = _strip_mention(text, username)
            event = self._event(update, text=text)
        self.answer(msg.chat_id, event, await self.handle(event), user.id)

    async def answer_in_private(self, update: Update, group_id: int, name: str, args: str) -> None:
        """Run a group's command in the person's private chat; the room only learns where the answer went."""
        user = update.effective_user
        event = replace(self._event(update, command=name, args=args), chat_id=user.id, chat_type="private")
        replies = await self.handle(event)

        async def send() -> None:
            sent = await self.deliver(user.id, replies, user.id)
            note = "group_answered_privately" if sent else "group_cannot_write_privately"
            await self.deliver(group_id, [Reply(message(note, bot=self.application.bot.username or ""))])

        self.outbox.push(str(user.id), send, event.event_id if replies else None)

    def answer(self, chat_id: int, event: Event, replies: list[Reply], user_id: int | None) -> None:
        """The replies to an applied event go out after the chat's earlier ones, recorded once sent."""
        self.outbox.push(str(chat_id), lambda: self.deliver(chat_id, replies, user_id),
                         event.event_id if replies else None)

    def say(self, chat_id: int, reply: Reply, user_id: int | None) -> None:
        """A word that answers nothing applied (a file refused, a sticker): in order with the rest."""
        self.outbox.push(str(chat_id), lambda: self.deliver(chat_id, [reply], user_id))

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Answer the callback query, apply the press, then send what the button leads to."""
        query = update.callback_query
        if query is None or not _consistent(update):
            return
        # Answered beside the event, not before it: the update is applied (and Telegram may forget
        # it) without waiting for a round trip, and the button's spinner stops all the same.
        self.background.start(self._answer_query(query, update.update_id))
        chat_id = query.message.chat.id if query.message else query.from_user.id
        event = self._event(update, payload=query.data or "")
        replies = await self.handle(event)
        user_id = query.from_user.id

        async def send() -> None:
            rest = replies
            if rest and rest[0].edit and isinstance(query.message, Message):
                if not await self.edit_reply(query.message, rest[0], user_id):
                    return
                rest = rest[1:]
            await self.deliver(chat_id, rest, user_id)

        self.outbox.push(str(chat_id), send, event.event_id if replies else None)

    @staticmethod
    async def _answer_query(query, update_id: int) -> None:
        try:
            await query.answer()
        except (BadRequest, NetworkError) as exc:  # too old to answer: the button still works
            log.info("Could not answer callback query of update %s: %s", update_id, exc.__class__.__name__)

    async def on_other_content(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A spreadsheet to import; stickers, photos, voice, locations: say what we understand."""
        msg = update.effective_message
        user = update.effective_user
        if msg is None or msg.chat.type != ChatType.PRIVATE or user is None or not _consistent(update):
            return
        if msg.document is not None:
            await self.on_document(update, msg, user.id)
            return
        await self.core.run(self.assistant.seen, self._event(update))
        self.say(msg.chat_id, Reply(message("unsupported_content")), user.id)

    async def on_document(self, update: Update, msg: Message, user_id: int) -> None:
        """Fetch a sent file and hand it to the core, read: a DECP file (up to 20 MB) or a spreadsheet to import (2 MB)."""
        document = msg.document
        size = document.file_size or 0
        if size > MAX_CHAT_BYTES:  # refused before downloading: Telegram would not hand it over anyway
            self.say(msg.chat_id, Reply(message(
                "referentiel_refused", reason=f"le fichier dépasse {MAX_CHAT_BYTES // 1024**2} Mo, la limite d'un "
                "fichier reçu par un bot Telegram ; pour un fichier plus gros, « spaser-bot decp baseline » en ligne de "
                "commande.")), user_id)
            return
        named_decp = (document.file_name or "").lower().endswith((".json", ".xml"))
        if size > MAX_FILE_BYTES and not named_decp and not (document.file_name or "").lower().endswith((".csv", ".xlsx")):
            self.say(msg.chat_id, Reply(message("import_refused", reason="le fichier dépasse 2 Mo.")), user_id)
            return
        try:
            telegram_file = await document.get_file()
            content = bytes(await telegram_file.download_as_bytearray())
        except (BadRequest, NetworkError) as exc:
            log.warning("Could not download the file of update %s: %s", update.update_id, exc.__class__.__name__)
            self.say(msg.chat_id, Reply(message("download_failed")), user_id)
            return
        event = await received_file_event(self._event(update), document.file_name or "fichier", content)
        if isinstance(event, Reply):
            self.say(msg.chat_id, event, user_id)
        else:
            self.answer(msg.chat_id, event, await self.handle(event), user_id)

    def _event(self, update: Update, **kwargs) -> Event:
        user = update.effective_user
        chat = update.effective_chat
        return Event(
            user_id=user.id,
            chat_id=chat.id if chat else user.id,
            chat_type="private" if chat is None or chat.type == ChatType.PRIVATE else "group",
            display_name=user.first_name or user.full_name,
            language=user.language_code,
            event_id=str(update.update_id),
            capabilities=TELEGRAM,
            sent_at=update.message.date if update.message is not None else None,
            **kwargs,
        )

    # -- outgoing ---------------------------------------------------------------

    async def deliver(self, chat_id: int, replies: list[Reply], user_id: int | None = None) -> bool:
        """Send replies in order; stop (False) for a conversation closed to the bot."""

        async def unreachable() -> None:
            # Only a refusal in the person's own chat means they blocked the bot;
            # a group that removed the bot says nothing about its members.
            if user_id is not None and chat_id == user_id:
                await self.core.run(self.assistant.services.storage.users.mark_blocked, user_id)

        return await deliver(self.sender, str(chat_id), replies, self.background, on_unreachable=unreachable)

    def resent(self, chat: str, replies: str):
        """The job that sends, after a restart, the replies of an event applied before it (as stored)."""
        chat_id = int(chat)
        # A positive chat id is a person's own chat: a refusal there means they blocked the bot.
        return lambda: self.deliver(chat_id, decode_replies(replies), chat_id if chat_id > 0 else None)

    async def edit_reply(self, original: Message, reply: Reply, user_id: int) -> bool:
        """Replace the message a button was pressed on; send a new one if it cannot be edited."""
        parts = split_html(reply.html) if reply.html else []
        if len(parts) == 1 and reply.document is None:
            try:
                await original.edit_text(parts[0], parse_mode=ParseMode.HTML, reply_markup=keyboard(reply))
                return True
            except BadRequest as exc:
                if "message is not modified" in str(exc).lower():
                    return True
                log.info("Could not edit message in chat %s (%s); sending a new one", original.chat_id, exc)
            except (RetryAfter, NetworkError) as exc:
                log.info("Could not edit message in chat %s (%s); sending a new one", original.chat_id, exc.__class__.__name__)
        return await self.deliver(original.chat_id, [reply], user_id)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The error boundary: log with update id and user id only, apologise briefly."""
    update_id = getattr(update, "update_id", None)
    user = update.effective_user if isinstance(update, Update) else None
    log.error(
        "Error while handling update %s (user %s)",
        update_id,
        user.id if user else None,
        exc_info=context.error,
    )
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await context.bot.send_message(update.effective_chat.id, to_plain_text(message("apology")))
        except Exception:  # the apology is best effort
            pass


def _command_of(msg: Message) -> tuple[str | None, str]:
    text = msg.text or ""
    entities = msg.entities or ()
    if entities and entities[0].type == MessageEntityType.BOT_COMMAND and entities[0].offset == 0:
        length = entities[0].length
        return text[1:length], text[length:].strip()
    return None, ""


def _mentions(msg: Message, username: str) -> bool:
    if not username:
        return False
    for entity in msg.entities or ():
        if entity.type == MessageEntityType.MENTION and msg.parse_entity(entity).lower() == f"@{username}":
            return True
    reply_to = msg.reply_to_message
    return bool(reply_to and reply_to.from_user and (reply_to.from_user.username or "").lower() == username)


def _strip_mention(text: str, username: str) -> str:
    return re.sub(rf"@{re.escape(username)}\b", " ", text, flags=re.IGNORECASE).strip()


def api_base_url(base_url: str | None) -> tuple[str, str] | None:
    """The (API, file) base URLs for a self-hosted Bot API server, token appended by PTB."""
    if not base_url:
        return None
    root = base_url.rstrip("/")
    if root.endswith("/bot"):
        root = root[: -len("/bot")]
    return f"{root}/bot", f"{root}/file/bot"


def build_application(core: CoreAccess, assistant: Assistant, token: str,
                      companions=()) -> tuple[Application, TelegramChannel]:
    """Wire handlers in a fixed order; the core reaches them through the channel object.

    `companions`: other channels served by the same process (Tchap), started
    and stopped with this one; their senders join the jobs.
    """
    settings = assistant.services.settings
    bases = api_base_url(settings.telegram.base_url)
    bot = ConfirmingBot(token, get_updates_request=AiohttpRequest(1), request=AiohttpRequest(CONNECTIONS),
                        **({"base_url": bases[0], "base_file_url": bases[1]} if bases else {}))
    processor = PerUserUpdateProcessor(MAX_CONCURRENT_UPDATES)
    builder: ApplicationBuilder = (
        Application.builder()
        .bot(bot)
        .update_queue(ConfirmingQueue(bot.ledger))
        .concurrent_updates(processor)
        .post_init(_post_init)
        .post_stop(_post_stop)
    )
    application = builder.build()
    channel = TelegramChannel(core, assistant, application)
    application.bot_data["channel"] = channel
    application.bot_data["companions"] = list(companions)
    processor.on_flood = channel.on_flood
    processor.backlog = lambda user_id: channel.outbox.waiting(str(user_id))
    processor.on_done = lambda update: bot.ledger.applied(update.update_id)
    bot.keep_batches_with(lambda body, last_id, below: core.run(
        assistant.services.storage.received.keep, TELEGRAM.name, last_id, body, below))
    new_messages = filters.UpdateType.MESSAGE
    # Group 0, in order: buttons; text and commands; anything else a person can send.
    application.add_handler(CallbackQueryHandler(channel.on_button))
    application.add_handler(MessageHandler(new_messages & filters.TEXT, channel.on_message))
    application.add_handler(MessageHandler(new_messages & ~filters.TEXT & ~filters.StatusUpdate.ALL, channel.on_other_content))
    application.add_error_handler(on_error)
    return application, channel


async def _post_stop(application: Application) -> None:
    for task in application.bot_data.pop("jobs", ()):
        task.cancel()
    channel: TelegramChannel = application.bot_data["channel"]
    await channel.outbox.close(CLOSING_SECONDS)
    try:  # what was received and applied need not be read again at the next start
        await channel.core.run(channel.assistant.services.storage.received.drop_applied, TELEGRAM.name,
                               application.bot.ledger.applied_below)
    except sqlite3.OperationalError as exc:
        log.error("Could not drop the batches of updates applied: %s", exc)
    for companion in application.bot_data.get("companions", ()):
        await companion.stop()
    office.stop()  # a conversion in progress must not hold the shutdown
    await asyncio.to_thread(documents_out.stop)


async def _post_init(application: Application) -> None:
    """Register the French command menu shown by Telegram clients; start the jobs (announcements, retention)."""
    channel: TelegramChannel = application.bot_data["channel"]
    office.start()
    await asyncio.to_thread(documents_out.start, channel.assistant.services.settings.content_dir)
    await channel.outbox.resume(channel.resent)  # what a crash kept from going out, before anything new
    # What a crash left received but not applied, before anything new is fetched.
    left = await channel.core.run(channel.assistant.services.storage.received.left, TELEGRAM.name, now())
    for update in application.bot.read_again(left):
        application.update_queue.put_nowait(update)
    rate = channel.assistant.services.settings.broadcast.rate_per_second
    senders = {TELEGRAM.name: channel.sender}
    for companion in application.bot_data.get("companions", ()):
        try:
            senders[companion_name(companion)] = await companion.start(channel.core, channel.assistant)
        except RuntimeError as exc:  # the other channel's account refused: Telegram goes on, the log says why
            log.error("%s", exc)
    jobs = Jobs(channel.core, channel.assistant, senders, rate)
    application.bot_data["jobs"] = jobs.start()
    commands = [BotCommand(c.name, c.help[:256]) for c in channel.assistant.catalogue.listed(admin=False)]
    await application.bot.set_my_commands(commands)


WEBHOOK_SECRET_FILE = "webhook-secret"


def _consistent(update: Update) -> bool:
    """In a private chat the chat is the person: an update saying otherwise is forged, and ignored."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or chat.type != ChatType.PRIVATE or chat.id == user.id:
        return True
    log.warning("Update %s ignored: private chat %s does not belong to user %s", update.update_id, chat.id, user.id)
    return False


def stored_webhook_secret(folder: Path) -> str:
    """The webhook's secret when the configuration has none: generated once, kept in the data folder.

    Without a secret, anyone who finds the webhook address could post updates
    in any person's name.
    """
    path = folder / WEBHOOK_SECRET_FILE
    if path.is_file():
        secret = path.read_text(encoding="ascii").strip()
        if secret:
            return secret
    secret = secrets.token_urlsafe(32)
    folder.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(secret + "\n")
    print(
        f"Aucun telegram.webhook.secret_token configuré : un secret a été généré et enregistré dans {path} ; "
        "Telegram le joint à chaque requête et les autres sont refusées.",
        file=sys.stderr,
    )
    return secret


def companion_name(companion) -> str:
    return getattr(companion, "name", type(companion).__name__)


def run_bot(settings: Settings, companions=()) -> int:
    """Run until interrupted; a missing or rejected token is a clear error, exit status 2."""
    lock = hold_database_lock(Path(settings.storage.path))
    if lock is None:
        print(
            f"Un autre bot tourne déjà sur la base {settings.storage.path} (clé storage.path) : arrêtez-le d'abord. "
            "Deux bots sur la même base enverraient chaque annonce deux fois.",
            file=sys.stderr,
        )
        return 2
    token = settings.token()
    if not token:
        print(
            "Aucun jeton Telegram : définissez la variable SPASER_BOT_TOKEN ou la clé telegram.token "
            "du fichier de configuration (jeton donné par @BotFather).",
            file=sys.stderr,
        )
        return 2
    unset = settings.privacy.unset()
    if unset:
        log.warning("Privacy notice incomplete: %s not set in the configuration; /confidentialite says so to users",
                    ", ".join(unset))
    log.info("%s", content.current().describe())
    core = CoreAccess()
    services = core.call(open_services, settings)
    assistant = core.call(Assistant, services)
    application, _ = build_application(core, assistant, token, companions)
    # The messages' templates are compiled now rather than while the first people wait for them.
    message("apology")
    # The knowledge index and libraries are loaded for good: keep the garbage
    # collector from rescanning them, which showed as latency spikes under load.
    gc.collect()
    gc.freeze()
    webhook = settings.telegram.webhook
    try:
        if webhook and webhook.url:
            secret = webhook.secret_token or stored_webhook_secret(Path(settings.storage.path).parent)
            application.update_queue.webhook = True  # Telegram is answered once the update is applied
            application.run_webhook(
                listen=webhook.listen,
                port=webhook.port,
                url_path=urlparse(webhook.url).path.lstrip("/"),
                webhook_url=webhook.url,
                secret_token=secret,
                allowed_updates=Update.ALL_TYPES,
            )
        else:
            application.run_polling(allowed_updates=Update.ALL_TYPES)
    except InvalidToken:
        print("Telegram a refusé le jeton : vérifiez-le auprès de @BotFather.", file=sys.stderr)
        return 2
    finally:
        core.call(services.storage.close)
    return 0
