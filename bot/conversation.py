"""The conversation core: one event in, a list of replies out, whatever the channel.

Commands, free text and button payloads are routed here. Each handler parses,
asks the knowledge or storage layer, and renders a reply; none of them knows
whether the person is in Telegram or in a terminal.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bot.config import Settings
from bot.rendering import button_label, message, shorten
from bot.replies import Button, Event, Reply
from knowledge.loader import Entry, KnowledgeBase, Topic
from knowledge.matcher import Matcher, Outcome
from knowledge.normalize import fold, simplify
from storage import Storage

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 1000
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u2028-\u202e\ufeff]")
GREETINGS = {"bonjour", "salut", "hello", "bonsoir", "coucou", "hey", "bjr", "slt", "hi"}
THANKS = {"merci", "mercii", "thanks", "super", "parfait", "genial", "top", "ok merci", "merci beaucoup"}


@dataclass
class Services:
    """What handlers need, passed explicitly rather than through globals."""

    settings: Settings
    storage: Storage
    kb: KnowledgeBase
    matcher: Matcher


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    handler: Callable[["Assistant", Event], list[Reply]]
    admin: bool = False
    in_menu: bool = True


class Assistant:
    """Route events to handlers; the single entry point of every channel."""

    def __init__(self, services: Services):
        self.services = services
        self.commands: dict[str, Command] = {}
        for command in DEFAULT_COMMANDS:
            self.register(command)

    def register(self, command: Command) -> None:
        self.commands[command.name] = command

    # -- entry point ----------------------------------------------------------

    def handle(self, event: Event) -> list[Reply]:
        """Process one event; never raises — unexpected errors become an apology."""
        try:
            return self._dispatch(event)
        except Exception:
            log.exception("Unhandled error for user %s", event.user_id)
            return [Reply(message("apology"))]

    def _dispatch(self, event: Event) -> list[Reply]:
        created = self.services.storage.users.touch(event.user_id, event.display_name, event.language)
        if event.payload is not None:
            return self._on_button(event)
        if event.command is not None:
            name = event.command.lower().split("@", 1)[0]
            command = self.commands.get(fold(name))
            if command is None:
                return [Reply(message("unknown_command", name=name[:50]))]
            if command.name == "start":
                return self.start(event, first_time=created)
            return command.handler(self, event)
        return self.on_text(event)

    # -- commands -------------------------------------------------------------

    def start(self, event: Event, first_time: bool = False) -> list[Reply]:
        """Greet, say what the assistant does, and show the main menu."""
        name = _display_name(event)
        html = message("welcome", name=name, first_time=first_time)
        return [Reply(html, self.main_menu())]

    def main_menu(self) -> tuple[tuple[Button, ...], ...]:
        return (
            (Button("❓ Poser une question", "menu:ask"),),
            (Button("📚 Parcourir la FAQ par thème", "menu:topics"),),
        )

    def help(self, event: Event) -> list[Reply]:
        """List the commands this person may use."""
        admin = self.services.settings.is_admin(event.user_id) or event.chat_type == "console"
        commands = [
            (c.name, c.help) for c in self.commands.values() if c.in_menu and (admin or not c.admin)
        ]
        return [Reply(message("help", commands=commands), self.main_menu())]

    def faq(self, event: Event) -> list[Reply]:
        """`/faq question` answers it; `/faq` alone opens the topics."""
        if event.args.strip():
            return self.answer_question(event, event.args)
        return self.topics()

    def privacy(self, event: Event) -> list[Reply]:
        p = self.services.settings.privacy
        return [Reply(message("privacy", controller=p.controller, contact=p.contact, retention_days=p.retention_days))]

    def topics(self) -> list[Reply]:
        return [Reply(message("topics"), topic_rows(self.services.kb.topics))]

    # -- free text ------------------------------------------------------------

    def on_text(self, event: Event) -> list[Reply]:
        """Treat any text as a question for the knowledge base."""
        return self.answer_question(event, event.text or "")

    def answer_question(self, event: Event, raw: str) -> list[Reply]:
        text = CONTROL_CHARS.sub(" ", raw).strip()
        if not text:
            return [Reply(message("empty_message"))]
        notes: list[Reply] = []
        if len(text) > MAX_QUESTION_CHARS:
            text = text[:MAX_QUESTION_CHARS]
            notes.append(Reply(message("truncated", limit=MAX_QUESTION_CHARS)))
        simple = simplify(text)
        if not simple:
            return [Reply(message("no_words"))]
        if simple in GREETINGS or simple.split()[0] in GREETINGS and len(simple.split()) <= 3:
            return [Reply(message("greeting", name=_display_name(event)), self.main_menu())]
        if simple in THANKS:
            return [Reply(message("thanks"))]

        outcome = self.services.matcher.decide(text)
        question_id = self.services.storage.questions.record_question(
            event.user_id,
            event.chat_id,
            text,
            outcome.best.entry.id if outcome.best else None,
            outcome.score,
            outcome.kind,
        )
        return notes + self._render_outcome(text, outcome, question_id)

    def _render_outcome(self, text: str, outcome: Outcome, question_id: int) -> list[Reply]:
        shown = shorten(text, 200)
        if outcome.kind == "answered":
            return [self.answer_reply(outcome.best.entry, question_id)]
        proposals = entry_rows(m.entry for m in outcome.suggestions)
        if outcome.kind == "suggested":
            return [Reply(message("suggest", question=shown), proposals)]
        if not proposals:
            proposals = topic_rows(self.services.kb.topics)
        return [Reply(message("not_covered", question=shown, has_proposals=bool(outcome.suggestions)), proposals)]

    def answer_reply(self, entry: Entry, question_id: int) -> Reply:
        """The answer with its source, related questions and the feedback buttons."""
        kb = self.services.kb
        related = entry_rows(r for r in map(kb.get, entry.related[:3]) if r)
        feedback = (Button("👍 Oui", f"fb:{question_id}:1"), Button("👎 Non", f"fb:{question_id}:0"))
        return Reply(message("answer", entry=entry), (*related, feedback))

    # -- buttons --------------------------------------------------------------

    def _on_button(self, event: Event) -> list[Reply]:
        kind, _, value = (event.payload or "").partition(":")
        handler = BUTTONS.get(kind)
        if handler is None:
            return [Reply(message("unknown_button"))]
        return handler(self, event, value)

    def on_faq_button(self, event: Event, entry_id: str) -> list[Reply]:
        """Show an entry chosen from a suggestion or related button (works on old messages)."""
        entry = self.services.kb.get(entry_id)
        if entry is None:
            return [Reply(message("unknown_button"))]
        question_id = self.services.storage.questions.record_question(
            event.user_id, event.chat_id, entry.question, entry.id, 100.0, "chosen"
        )
        return [self.answer_reply(entry, question_id)]

    def on_feedback(self, event: Event, value: str) -> list[Reply]:
        question_id, _, vote = value.partition(":")
        if not question_id.isdigit() or vote not in ("0", "1"):
            return [Reply(message("unknown_button"))]
        if not self.services.storage.questions.record_feedback(event.user_id, int(question_id), vote == "1"):
            return [Reply(message("unknown_button"))]
        return [Reply(message("feedback_thanks", helpful=vote == "1"))]

    def on_topic(self, event: Event, topic_id: str) -> list[Reply]:
        kb = self.services.kb
        topic = kb.topic(topic_id)
        if topic is None:
            return [Reply(message("unknown_button"))]
        return [Reply(message("topic", label=topic.label), entry_rows(kb.entries_of(topic_id)))]

    def on_menu(self, event: Event, item: str) -> list[Reply]:
        if item == "topics":
            return self.topics()
        if item == "ask":
            return [Reply(message("ask_prompt"))]
        return [Reply(message("unknown_button"))]


BUTTONS: dict[str, Callable[[Assistant, Event, str], list[Reply]]] = {
    "faq": Assistant.on_faq_button,
    "fb": Assistant.on_feedback,
    "topic": Assistant.on_topic,
    "menu": Assistant.on_menu,
}

DEFAULT_COMMANDS = (
    Command("start", "accueil et menu principal", Assistant.start),
    Command("aide", "ce que je sais faire", Assistant.help),
    Command("faq", "poser une question, ou parcourir les thèmes", Assistant.faq),
    Command("confidentialite", "vos données personnelles", Assistant.privacy),
)


def entry_rows(entries: Iterable[Entry]) -> tuple[tuple[Button, ...], ...]:
    """One button per entry; its payload works on any old message."""
    return tuple((Button(button_label(e.question), f"faq:{e.id}"),) for e in entries)


def topic_rows(topics: Iterable[Topic]) -> tuple[tuple[Button, ...], ...]:
    return tuple((Button(t.label, f"topic:{t.id}"),) for t in topics)


def _display_name(event: Event) -> str:
    name = (event.display_name or "").strip()
    return shorten(name, 40) if name else "et bienvenue"
