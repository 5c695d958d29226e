"""The router: one event in, a list of replies out, whatever the channel.

It holds no feature of its own. Each feature (bot/features/) declares its
commands, button prefixes, menu buttons, dialogs and what it does with files
and free text; the router builds them, applies each event once in one
transaction, and dispatches it from those declarations. While a dialog is
open, typed text goes to its step unless it is clearly a question, and
anything else done meanwhile shows the step again afterwards.
"""

from __future__ import annotations

import dataclasses
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.access import CONSOLE_OWNER_ID, Access
from bot.config import Settings
from bot.features import FEATURES
from bot.faq_index import build_matcher
from bot.features.base import Buttons, Catalogue, Command, Feature, build
from bot.rendering import message, shorten
from bot.replies import Event, Reply, asks_about_own_data, bare_command, decode_replies, encode_replies
from dialogs.definitions import Dialog, load_dialogs
from bot.dialog_screens import DialogScreens, prefixed
from dialogs.engine import DialogEngine, looks_like_question
from knowledge.loader import KnowledgeBase
from knowledge.matcher import Matcher
from domain.text import clean_text, fold, simplify
from knowledge.question import GREETINGS, courtesy
from storage import Storage
from storage.db import cannot_write

log = logging.getLogger(__name__)

__all__ = ["Assistant", "Services", "CONSOLE_OWNER_ID"]

MAX_TEXT_CHARS = 1000


@dataclass
class Services:
    """What features are built from; the base and its index are replaced whole by /recharger."""

    settings: Settings
    storage: Storage
    kb: KnowledgeBase
    matcher: Matcher
    dialogs: dict[str, Dialog] = field(default_factory=load_dialogs)

    def rebuild_matcher(self) -> None:
        """A new index with the base and every attached paraphrase; swapped in one assignment."""
        self.matcher = build_matcher(self.kb, self.storage.review.variants(), self.settings.faq)

    def replace_knowledge(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.rebuild_matcher()


class Assistant:
    """Build the features and route events to them; the single entry point of every channel."""

    def __init__(self, services: Services, features: tuple[type[Feature], ...] = FEATURES):
        self.services = services
        self.engine = DialogScreens(DialogEngine(services.dialogs, services.storage.dialogs, services.settings.timezone))
        self.access = Access(services.settings)
        self.catalogue = Catalogue()
        available = {
            "services": services, "settings": services.settings, "storage": services.storage,
            "engine": self.engine, "definitions": services.dialogs, "access": self.access,
            "catalogue": self.catalogue, "features": self.catalogue.features,
        }
        self.buttons: dict[str, Buttons] = {}
        self.menu: dict[str, Callable[[Event], list[Reply]]] = {}
        for cls in features:
            feature = build(cls, available)
            self.catalogue.features.append(feature)
            for command in feature.commands():
                if command.name in self.catalogue.commands:
                    raise ValueError(f"two features declare /{command.name}")
                self.catalogue.commands[command.name] = command
            for buttons in feature.buttons():
                if buttons.prefix in self.buttons:
                    raise ValueError(f"two features declare the button prefix {buttons.prefix!r}")
                self.buttons[buttons.prefix] = buttons
            for item in feature.menu():
                self.catalogue.menu.append(item)
            for dialog_id, hooks in feature.dialogs().items():
                if dialog_id in self.engine.hooks:
                    raise ValueError(f"two features declare the dialog {dialog_id!r}")
                self.engine.register(dialog_id, hooks)
        for item in self.catalogue.menu:
            command = self.catalogue.commands.get(item.item)
            if item.run is None and command is None:
                raise ValueError(f"the menu button {item.label!r} names no command")
            if item.run is None and command.admin:
                raise ValueError(f"the menu button {item.label!r} would show an animators' command to everyone")
            self.menu[item.item] = item.run or command.run

    @property
    def commands(self) -> dict[str, Command]:
        return self.catalogue.commands

    def is_admin(self, event: Event) -> bool:
        return self.access.is_admin(event)

    # -- entry point ----------------------------------------------------------

    def handle(self, event: Event) -> list[Reply]:
        """Process one event; never raises — unexpected errors become an apology."""
        try:
            return self._apply_once(event)
        except sqlite3.OperationalError as exc:
            if not cannot_write(exc):
                log.exception("Unhandled error for user %s", event.user_id)
                return [Reply(message("apology"))]
            log.error("The database cannot be written (%s): nothing was recorded for user %s", exc, event.user_id)
            return [Reply(message("storage_unavailable"))]
        except Exception:
            log.exception("Unhandled error for user %s", event.user_id)
            return [Reply(message("apology"))]

    def _apply_once(self, event: Event) -> list[Reply]:
        """Apply the event in one transaction with the record that it was applied.

        An event offered again (its confirmation never reached Telegram before a
        crash) gets the replies of its first time if they were not sent yet, else
        nothing: a typed year is not stored a second time as the next step's
        answer, an import is not applied twice, an answer is not repeated.
        """
        storage = self.services.storage
        if event.event_id is not None:
            applied = storage.events.replies(event.channel, event.event_id)
            if applied is not None:
                log.info("Event %s:%s was already applied; its replies %s", event.channel, event.event_id,
                         "were sent" if applied == "[]" else "are sent now")
                return decode_replies(applied)
        with storage.transaction():
            event = self._identified(event)
            replies = self._dispatch(event)
            if event.event_id is not None:
                try:  # a failed statement undoes itself alone: no savepoint needed around it
                    storage.events.record(event.channel, event.event_id, event.user_id, encode_replies(replies),
                                          None if event.chat_id is None else str(event.chat_id))
                except sqlite3.OperationalError as exc:
                    if not cannot_write(exc):
                        raise
        return replies

    def seen(self, event: Event) -> None:
        """Someone sent what the assistant cannot read (a sticker): they were here, nothing else is done."""
        try:
            with self.services.storage.transaction():
                event = self._identified(event)
                self.services.storage.users.touch(event.user_id, event.display_name, event.language)
        except sqlite3.OperationalError as exc:  # a full disk: the reply they get does not depend on it
            log.error("Could not record that user %s was here: %s", event.user_id, exc)

    def _identified(self, event: Event) -> Event:
        """The event with its internal user, from the sender's identity on the channel."""
        try:
            user_id = self.services.storage.identities.user_for(event.channel, event.sender, preferred=event.user_id)
        except sqlite3.OperationalError as exc:
            if not cannot_write(exc) or event.user_id is None:
                raise
            user_id = event.user_id  # a full disk: answer the question all the same, under the proposed id
        return dataclasses.replace(event, user_id=user_id)

    def _dispatch(self, event: Event) -> list[Reply]:
        users = self.services.storage.users
        if users.is_muted(event.user_id) and not self._allowed_while_muted(event):
            return [Reply(message("muted"))]
        try:
            created = users.touch(event.user_id, event.display_name, event.language)
        except sqlite3.OperationalError as exc:
            if not cannot_write(exc):
                raise
            # A full or read-only disk must not silence the FAQ: go on without recording.
            log.error("The database cannot be written (%s): answering without recording", exc)
            created = False
        if created:
            event = dataclasses.replace(event, first_contact=True)
        replies = self._route(event)
        if (not event.capabilities.starts_with_start and event.chat_type == "private"
                and fold((event.command or "").lower()) != "start"
                and self.engine.sessions.active(event.user_id) is None and self._first_private_contact(event)):
            # In Tchap people just write (Telegram's clients send /start first): what the welcome would
            # have asked once is asked after the first answer in private, wherever they first met us;
            # not in the middle of a dialog (a number typed would answer the wrong question), but at
            # the first words after it.
            for feature in self.catalogue.features:
                replies = replies + feature.on_start(event)
        return replies

    def _first_private_contact(self, event: Event) -> bool:
        try:
            return self.services.storage.users.first_private_contact(event.user_id)
        except sqlite3.OperationalError as exc:
            if not cannot_write(exc):
                raise
            return False  # a full disk: asked another time

    def _route(self, event: Event) -> list[Reply]:
        if event.payload is not None:
            return self._on_button(event)
        if event.document is not None:
            return self._keep_dialog(event, lambda: self._on_file(event))
        if event.command is not None:
            return self._on_command(event)
        bare = bare_command(event.text or "") if event.chat_type == "private" else None
        if bare is None and event.chat_type == "private" and asks_about_own_data(event.text or "") and (
                self.engine.pending(event.user_id) is None):
            bare = "confidentialite"  # « comment effacer mes données ? »: what is kept, and the commands for it
        if bare is not None:  # « aide », « menu » typed without their « / »
            return self._on_command(dataclasses.replace(event, command=bare, text=None))
        return self._on_text(event)

    def _allowed_while_muted(self, event: Event) -> bool:
        """Muted by an animator: nothing is processed, but a person's rights stay."""
        command = self.commands.get(fold((event.command or "").lower().split("@", 1)[0]))
        if command is not None and command.while_muted:
            return True
        pending = self.engine.pending(event.user_id)
        hooks = self.engine.hooks.get(pending.dialog) if pending is not None else None
        opener = self.commands.get(hooks.command) if hooks is not None else None
        return opener is not None and opener.while_muted  # confirming an erasure

    def _on_command(self, event: Event) -> list[Reply]:
        name = (event.command or "").lower().split("@", 1)[0]
        command = self.commands.get(fold(name))
        if command is None:
            return self._keep_dialog(event, lambda: [Reply(message("unknown_command", name=name[:50]))])
        if command.admin and not self.is_admin(event):
            return [Reply(message("admin_only"))]
        if not command.keeps_dialog:
            return command.run(event)
        return self._keep_dialog(event, lambda: command.run(event))

    def _on_button(self, event: Event) -> list[Reply]:
        payload = event.payload or ""
        kind, _, value = payload.partition(":")
        if kind == "menu":
            run = self.menu.get(value)
            if run is None:
                return [Reply(message("unknown_button"))]
            return self._keep_dialog(event, lambda: run(event))
        # The longest declared prefix: « col:a » before « col ».
        head, _, rest = value.partition(":")
        buttons = self.buttons.get(f"{kind}:{head}")
        if buttons is not None:
            value = rest
        else:
            buttons = self.buttons.get(kind)
        if buttons is None:
            return [Reply(message("unknown_button"))]
        if not buttons.keeps_dialog:
            return buttons.run(event, value)
        return self._keep_dialog(event, lambda: buttons.run(event, value))

    def _on_file(self, event: Event) -> list[Reply]:
        for feature in self.catalogue.features:
            replies = feature.receive_file(event, event.document)
            if replies is not None:
                return replies
        return [Reply(message("import_refused", reason="Je ne sais pas quoi faire de ce fichier."))]

    def _keep_dialog(self, event: Event, run: Callable[[], list[Reply]]) -> list[Reply]:
        """Run something else during a dialog, then show the dialog's step again.

        A pending dialog never swallows a message; and when what ran started or
        moved a dialog itself, its own replies already show the step.
        """
        if event.chat_type == "group":
            return run()  # a person's dialogs live in their private chat, never in a group
        before = self.engine.pending(event.user_id)
        replies = run()
        after = self.engine.pending(event.user_id)
        if before is not None and after is not None and (before.id, before.turn) == (after.id, after.turn):
            dialog = self.services.dialogs[after.dialog]
            replies = replies + prefixed([message("dialog_pending", title=dialog.title)], self.engine.show(after))
        return replies

    # -- free text ------------------------------------------------------------

    def _on_text(self, event: Event) -> list[Reply]:
        """The answer to the current dialog step if there is one; otherwise a question."""
        active = self.engine.sessions.active(event.user_id) if event.chat_type != "group" else None
        session = active if active is not None and not self.engine.is_passive(active) else None
        if session is not None:
            text = clean_text(event.text or "").strip()
            # Rendering the step to read typed buttons is not free: decide it once per message.
            plain = bool(text) and self.engine.plainly_answers(session, text)
            if text and not plain and self.engine.after_a_pause(session, event.sent_at):
                # Back after a pause or a restart: « bonjour » is not the answer to the step.
                session = self.engine.sessions.touch(session)
                if not self._is_question(session, text, plain):
                    return self._remind_step(session)
            if not plain and (simplify(text) in GREETINGS or courtesy(simplify(text))):
                return self._remind_step(session)  # « bonjour » alone is said to us, not an answer
            if text and not self._is_question(session, text, plain):
                replies = self.engine.on_text(event, session, text)
                if replies is not None:
                    return replies
                if not looks_like_question(text):
                    # Neither an answer the step can take nor a question: say so at
                    # the step, and keep it out of the animators' unanswered list.
                    shown = shorten(text, 80)
                    return prefixed([message("dialog_not_understood", text=shown)], self.engine.show(session))
            return self._keep_dialog(event, lambda: self._answer_text(event))
        passive = active
        text = clean_text(event.text or "").strip()
        if passive is not None and text and self.engine.plainly_answers(passive, text):
            # A dialog that never holds typed text (the opt-in) still takes a choice typed as its number
            # or label: where there are no buttons, that is how one answers it.
            replies = self.engine.on_text(event, passive, text)
            if replies is not None:
                return replies
        return self._answer_text(event)

    def _answer_text(self, event: Event) -> list[Reply]:
        for feature in self.catalogue.features:
            replies = feature.answer_text(event, event.text or "")
            if replies is not None:
                return replies
        return [Reply(message("empty_message"))]

    def _remind_step(self, session) -> list[Reply]:
        dialog = self.services.dialogs[session.dialog]
        return prefixed([message("dialog_pending", title=dialog.title)], self.engine.show(session))

    def _is_question(self, session, text: str, plain: bool) -> bool:
        """During a dialog, text is a question for a feature only when it clearly is one.

        It ends with « ? » — or starts with a question word and is no valid answer
        to the step (« Comment associer les acteurs. » is a fine description) —,
        it is not plainly an answer (« 2 », « oui », a label), and a feature answers it.
        """
        if plain:
            return False
        asks = text.rstrip().endswith("?") or (looks_like_question(text) and not self.engine.takes_any_text(session))
        return asks and any(f.is_question(text[:MAX_TEXT_CHARS]) for f in self.catalogue.features)
