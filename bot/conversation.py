"""The conversation core: one event in, a list of replies out, whatever the channel.

Commands, free text and button payloads are routed here. Each handler parses,
asks the knowledge or storage layer, and renders a reply; none of them knows
whether the person is in Telegram or in a terminal.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from bot.config import Settings
from bot.rendering import message, shorten
from bot.replies import Button, Event, Reply, decode_replies, encode_replies
from dialogs.definitions import Dialog, load_dialogs
from dialogs.engine import DialogEngine, looks_like_question, prefixed
from dialogs.inputs import parse_id
from knowledge.loader import Entry, KnowledgeBase, Topic
from knowledge.matcher import Matcher, Outcome
from knowledge.normalize import clean_text, fold, simplify
from knowledge.obligation import COMPULSORY_THRESHOLD_MEUR, is_compulsory
from knowledge.question import purchases_meur, structure_named
from storage import Storage

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 1000
# Whoever runs the console without choosing a name: the terminal is theirs.
CONSOLE_OWNER_ID = 0
# A short question within this time of the previous one may be its follow-up.
FOLLOW_UP_WINDOW = timedelta(minutes=15)
# A message this short that shares no word with the base is not a question.
VAGUE_WORDS = 5
GREETINGS = {"bonjour", "salut", "hello", "bonsoir", "coucou", "hey", "bjr", "slt", "hi"}
THANKS = {"merci", "mercii", "thanks", "super", "parfait", "genial", "top", "ok merci", "merci beaucoup"}


@dataclass
class Services:
    """What handlers need, passed explicitly rather than through globals."""

    settings: Settings
    storage: Storage
    kb: KnowledgeBase
    matcher: Matcher
    dialogs: dict[str, Dialog] = field(default_factory=load_dialogs)


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
        # Features import this module; importing them here keeps the graph acyclic.
        from bot.admin import AdminFeature
        from bot.announcements import AnnouncementsFeature
        from bot.collections import ACTORS, INDICATORS, CollectionFeature
        from bot.diagnostic import DiagnosticFeature
        from bot.examples import ExamplesFeature
        from bot.plan import PlanFeature
        from bot.privacy import PrivacyFeature
        from bot.referentiel import ReferentielFeature
        from bot.workspace import WorkspaceFeature

        self.services = services
        self.engine = DialogEngine(services.dialogs, services.storage.dialogs, services.settings.timezone)
        self.commands: dict[str, Command] = {}
        for command in DEFAULT_COMMANDS:
            self.register(command)
        self.workspace = WorkspaceFeature(self)
        self.collections = {c.key: CollectionFeature(self, c) for c in (ACTORS, INDICATORS)}
        self.plan = PlanFeature(self)
        self.diagnostic = DiagnosticFeature(self)
        self.examples = ExamplesFeature(self)
        self.privacy_feature = PrivacyFeature(self)
        self.admin = AdminFeature(self)
        self.announcements = AnnouncementsFeature(self)
        self.referentiel = ReferentielFeature(self)
        for command in feature_commands(self):
            self.register(command)

    def register(self, command: Command) -> None:
        self.commands[command.name] = command

    # -- entry point ----------------------------------------------------------

    def handle(self, event: Event) -> list[Reply]:
        """Process one event; never raises — unexpected errors become an apology."""
        try:
            return self._apply_once(event)
        except sqlite3.OperationalError as exc:
            if not _cannot_write(exc):
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
        crash) gets the replies of its first time: a typed year is not stored a
        second time as the next step's answer, an import is not applied twice.
        """
        storage = self.services.storage
        if event.event_id is not None:
            applied = storage.events.replies(event.channel, event.event_id)
            if applied is not None:
                log.info("Event %s:%s was already applied; answering it again", event.channel, event.event_id)
                return decode_replies(applied)
        with storage.transaction():
            replies = self._dispatch(event)
            if event.event_id is not None:
                try:  # a failed statement undoes itself alone: no savepoint needed around it
                    storage.events.record(event.channel, event.event_id, event.user_id, encode_replies(replies))
                except sqlite3.OperationalError as exc:
                    if not _cannot_write(exc):
                        raise
        return replies

    def _dispatch(self, event: Event) -> list[Reply]:
        users = self.services.storage.users
        if users.is_muted(event.user_id):
            # Muted by an animator: nothing is processed, but a person's rights stay.
            name = (event.command or "").lower().split("@", 1)[0]
            pending = self.engine.pending(event.user_id)
            confirming_erasure = pending is not None and pending.dialog == "oubli"
            if name not in ("mesdonnees", "oublier", "confidentialite") and not confirming_erasure:
                return [Reply(message("muted"))]
        try:
            created = self.services.storage.users.touch(event.user_id, event.display_name, event.language)
        except sqlite3.OperationalError as exc:
            if not _cannot_write(exc):
                raise
            # A full or read-only disk must not silence the FAQ: go on without recording.
            log.error("The database cannot be written (%s): answering without recording", exc)
            created = False
        if event.payload is not None:
            return self._on_button(event)
        if event.document is not None:
            from bot.collections import import_file

            doc = event.document
            if doc.contracts is not None:  # a DECP file: the buyer's baseline
                return self._keep_dialog(event, lambda: self.referentiel.receive(event, doc.filename, doc.contracts))
            return self._keep_dialog(event, lambda: import_file(self, event, doc.filename, doc.content, doc.table))
        if event.command is not None:
            name = event.command.lower().split("@", 1)[0]
            command = self.commands.get(fold(name))
            if command is None:
                return self._keep_dialog(event, lambda: [Reply(message("unknown_command", name=name[:50]))])
            if command.name == "start":
                return self.start(event, first_time=created)
            if command.admin and not self.is_admin(event):
                return [Reply(message("admin_only"))]
            if command.name in NAVIGATION:
                return self.engine.navigate(event, NAVIGATION[command.name])
            return self._keep_dialog(event, lambda: command.handler(self, event))
        return self.on_text(event)

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

    # -- commands -------------------------------------------------------------

    def start(self, event: Event, first_time: bool = False) -> list[Reply]:
        """Greet, say what the assistant does, and show the main menu."""
        name = _display_name(event)
        html = message("welcome", name=name, first_time=first_time)
        replies = [Reply(html, self.main_menu())]
        pending = self.engine.pending(event.user_id)
        if pending is not None:
            title = self.services.dialogs[pending.dialog].title
            buttons = ((Button("▶️ Reprendre", f"dr:{pending.id}:r"),),)
            replies.append(Reply(message("dialog_pending_offer", title=title), buttons))
        return replies + self.announcements.opt_in_if_never_asked(event)

    def main_menu(self) -> tuple[tuple[Button, ...], ...]:
        return (
            (Button("❓ Poser une question", "menu:ask"), Button("📚 FAQ par thème", "menu:topics")),
            (Button("👤 Mon profil", "menu:profil"), Button("🗺 Cartographie des acteurs", "menu:cartographie")),
            (Button("📊 Grille d'indicateurs", "menu:indicateurs"), Button("📄 Mon plan SPASER", "menu:plan")),
            (Button("🧭 Autodiagnostic", "menu:diagnostic"), Button("🔎 SPASER publiés", "menu:exemples")),
            (Button("📈 Avancement", "menu:avancement"),),
        )

    def is_admin(self, event: Event) -> bool:
        """The configured animators; in the console, whoever runs it, unless they chose a name
        (`console --user`): then as the configuration says (« console:nom » in admins)."""
        settings = self.services.settings
        if event.chat_type == "console":
            return event.user_id == CONSOLE_OWNER_ID or settings.is_named_admin("console", event.display_name or "")
        return settings.is_admin(event.user_id)

    def help(self, event: Event) -> list[Reply]:
        """List the commands this person may use."""
        admin = self.is_admin(event)
        commands = [
            (c.name, c.help) for c in self.commands.values() if c.in_menu and (admin or not c.admin)
        ]
        return [Reply(message("help", commands=commands), self.main_menu())]

    def faq(self, event: Event) -> list[Reply]:
        """`/faq question` answers it; `/faq` alone opens the topics."""
        if event.args.strip():
            return self.answer_question(event, event.args)
        return self.topics()

    def import_command(self, event: Event) -> list[Reply]:
        """Telegram: send the file. Console: `/importer chemin/du/fichier.csv`."""
        if event.channel != "console":
            return [Reply(message("import_how"))]
        from bot.collections import import_file, read_console_file

        found = read_console_file(event.args)
        if isinstance(found, str):
            return [Reply(message("import_path_problem", problem=found))]
        from knowledge.decp import looks_like_decp, read_upload

        if looks_like_decp(*found):  # a DECP file given to /importer: what /referentiel does
            return self.referentiel.receive(event, found[0], read_upload(*found))
        return import_file(self, event, *found)

    def privacy(self, event: Event) -> list[Reply]:
        p = self.services.settings.privacy
        unset = p.unset()
        return [Reply(message(
            "privacy", controller=None if "privacy.controller" in unset else p.controller,
            contact=None if "privacy.contact" in unset else p.contact, retention_days=p.retention_days,
            console=event.chat_type == "console",
        ))]

    def topics(self) -> list[Reply]:
        return [Reply(message("topics"), topic_rows(self.services.kb.topics))]

    # -- free text ------------------------------------------------------------

    def on_text(self, event: Event) -> list[Reply]:
        """The answer to the current dialog step if there is one; otherwise a question."""
        session = self.engine.pending(event.user_id) if event.chat_type != "group" else None
        if session is not None:
            text = clean_text(event.text or "").strip()
            # Rendering the step to read typed buttons is not free: decide it once per message.
            plain = bool(text) and self.engine.plainly_answers(session, text)
            if text and not plain and self.engine.after_a_pause(session):
                # Back after a pause or a restart: « bonjour » is not the answer to the step.
                session = self.engine.sessions.touch(session)
                if not self._is_question_for_the_base(session, text, plain):
                    return self._remind_step(session)
            if not plain and simplify(text) in GREETINGS | THANKS:
                return self._remind_step(session)  # « bonjour » alone is said to us, not an answer
            if text and not self._is_question_for_the_base(session, text, plain):
                replies = self.engine.on_text(event, session, text)
                if replies is not None:
                    return replies
                if not looks_like_question(text):
                    # Neither an answer the step can take nor a question: say so at
                    # the step, and keep it out of the animators' unanswered list.
                    shown = shorten(text, 80)
                    return prefixed([message("dialog_not_understood", text=shown)], self.engine.show(session))
            return self._keep_dialog(event, lambda: self.answer_question(event, event.text or ""))
        return self.answer_question(event, event.text or "")

    def _remind_step(self, session) -> list[Reply]:
        dialog = self.services.dialogs[session.dialog]
        return prefixed([message("dialog_pending", title=dialog.title)], self.engine.show(session))

    def _is_question_for_the_base(self, session, text: str, plain: bool) -> bool:
        """During a dialog, text is a question for the base only when it clearly is one.

        It ends with « ? » — or starts with a question word and is no valid answer
        to the step (« Comment associer les acteurs. » is a fine description) —,
        it is not plainly an answer (« 2 », « oui », a label), and the base answers it.
        """
        if plain:
            return False
        asks = text.rstrip().endswith("?") or (looks_like_question(text) and not self.engine.takes_any_text(session))
        return asks and self.services.matcher.decide(text[:MAX_QUESTION_CHARS]).kind == "answered"

    def answer_question(self, event: Event, raw: str) -> list[Reply]:
        text = clean_text(raw).strip()
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

        questions = self.services.storage.questions
        previous = questions.recent_question(event.user_id, FOLLOW_UP_WINDOW)
        outcome = self.services.matcher.decide(text, follows=previous)
        if outcome.best is None and len(simple.split()) <= VAGUE_WORDS and not text.rstrip().endswith("?"):
            # « ok », « bof », « je sais pas trop »: nothing to answer, nothing for the animators.
            return notes + [Reply(message("no_question", text=shorten(text, 80)), topic_rows(self.services.kb.topics))]
        try:
            question_id = questions.record_question(
                event.user_id,
                event.chat_id,
                text,
                outcome.best.entry.id if outcome.best else None,
                outcome.score,
                outcome.kind,
            )
        except sqlite3.OperationalError as exc:
            if not _cannot_write(exc):
                raise
            log.error("The database cannot be written (%s): question answered but not logged", exc)
            question_id = None  # the question log is best effort; the answer is not
            notes.append(Reply(message("question_not_logged")))
        return notes + self._render_outcome(text, outcome, question_id)

    def _render_outcome(self, text: str, outcome: Outcome, question_id: int | None) -> list[Reply]:
        shown = shorten(text, 200)
        if outcome.kind == "answered":
            second = outcome.also.entry if outcome.also else None
            return [self.answer_reply(outcome.best.entry, question_id, asked=text, second=second)]
        proposals = entry_rows(m.entry for m in outcome.suggestions)
        if outcome.kind == "suggested":
            return [Reply(message("suggest", question=shown), proposals)]
        if not proposals:
            proposals = topic_rows(self.services.kb.topics)
        return [Reply(message("not_covered", question=shown, has_proposals=bool(outcome.suggestions)), proposals)]

    def answer_reply(self, entry: Entry, question_id: int | None, asked: str = "", second: Entry | None = None) -> Reply:
        """The answer with its source, related questions and the feedback buttons.

        A question that asks two things gets both answers in one message; one
        that gives its own purchases or kind of structure gets the verdict for it.
        """
        kb = self.services.kb
        shown = (entry, second) if second else (entry,)
        verdict = next((verdict_for(asked) for e in shown if e.verdict == "obligation"), None)
        exclude = {e.id for e in shown}
        related = entry_rows(r for r in map(kb.get, entry.related[:3]) if r and r.id not in exclude)
        if question_id is None:
            return Reply(message("answer", entries=shown, verdict=verdict, feedback=False), tuple(related))
        feedback = (Button("👍 Oui", f"fb:{question_id}:1"), Button("👎 Non", f"fb:{question_id}:0"))
        return Reply(message("answer", entries=shown, verdict=verdict), (*related, feedback))

    # -- buttons --------------------------------------------------------------

    def _on_button(self, event: Event) -> list[Reply]:
        kind, _, value = (event.payload or "").partition(":")
        if kind in ("d", "dr"):
            return self.engine.on_button(event, event.payload or "")
        if kind == "col":
            key, _, rest = value.partition(":")
            action, _, arg = rest.partition(":")
            feature = self.collections.get(key)
            if feature is None:
                return [Reply(message("unknown_button"))]
            return self._keep_dialog(event, lambda: feature.on_button(event, action, arg))
        if kind == "ws":
            return self._keep_dialog(event, lambda: self.workspace.on_button(event, value))
        if kind == "ex":
            return self._keep_dialog(event, lambda: self.examples.on_button(event, value))
        if kind == "nr":
            return self._keep_dialog(event, lambda: self.admin.on_button(event, value))
        if kind == "bc":
            return self._keep_dialog(event, lambda: self.announcements.on_button(event, value))
        if kind == "sub":
            return self._keep_dialog(event, lambda: self.announcements.unsubscribe(event))
        if kind == "rem":
            return self._keep_dialog(event, lambda: self.announcements.remind_me(event, value))
        if kind == "ref":
            return self._keep_dialog(event, lambda: self.referentiel.on_button(event, value))
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
        qid = parse_id(question_id)
        if qid is None or vote not in ("0", "1"):
            return [Reply(message("unknown_button"))]
        if not self.services.storage.questions.record_feedback(event.user_id, qid, vote == "1"):
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
        command = self.commands.get(item)
        if command is not None and item in MENU_COMMANDS:
            return self._keep_dialog(event, lambda: command.handler(self, event))
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


NAVIGATION = {"retour": "b", "passer": "s", "annuler": "x"}
MENU_COMMANDS = {"profil", "cartographie", "indicateurs", "avancement", "plan", "diagnostic", "exemples"}


def feature_commands(assistant: Assistant) -> tuple[Command, ...]:
    """Commands of the workspace features, bound to this assistant's feature objects."""
    ws = assistant.workspace
    actors, indicators = assistant.collections["a"], assistant.collections["i"]
    return (
        Command("profil", "le profil de votre structure (SPASER obligatoire ?)", lambda a, e: a.engine.open(e, "profil")),
        Command("cartographie", "la cartographie des acteurs du territoire", lambda a, e: actors.open(e)),
        Command("indicateurs", "la grille d'indicateurs", lambda a, e: indicators.open(e)),
        Command("avancement", "où en est votre espace, et la prochaine étape", lambda a, e: ws.progress(e)),
        Command("plan", "votre SPASER de départ, en Word et en Markdown", lambda a, e: a.engine.open(e, "plan")),
        Command("diagnostic", "autodiagnostic de maturité achats durables", lambda a, e: a.engine.open(e, "diagnostic")),
        Command("exemples", "des SPASER publiés, par type, région ou nom", lambda a, e: a.examples.open(e)),
        Command("inviter", "inviter un·e collègue dans votre espace", lambda a, e: ws.invite(e)),
        Command("rejoindre", "rejoindre l'espace d'un·e collègue avec son code", lambda a, e: ws.join(e)),
        Command("espace", "les membres de votre espace", lambda a, e: ws.members(e)),
        Command("importer", "importer un tableau (CSV ou XLSX) exporté puis modifié", Assistant.import_command),
        Command("referentiel", "l'état des lieux de vos marchés à partir de vos données DECP", lambda a, e: a.referentiel.open(e)),
        Command("abonnements", "les annonces que vous recevez (webinaires, ressources…)", lambda a, e: a.announcements.start_subscription(e)),
        Command("annonce", "annoncer un webinaire ou une ressource aux abonnés", lambda a, e: a.announcements.list(e), admin=True),
        Command("mesdonnees", "tout ce qui est enregistré sur vous", lambda a, e: a.privacy_feature.my_data(e)),
        Command("oublier", "effacer toutes vos données", lambda a, e: a.privacy_feature.start_erasure(e)),
        Command("nonrepondues", "questions sans bonne réponse, à traiter", lambda a, e: a.admin.unanswered(e), admin=True),
        Command("recharger", "recharger la base de connaissances", lambda a, e: a.admin.reload(e), admin=True),
        Command("stats", "statistiques d'usage", lambda a, e: a.admin.stats(e), admin=True),
        Command("muet", "ignorer un utilisateur abusif (/muet ID), /muet -ID pour le rétablir", lambda a, e: a.admin.mute(e), admin=True),
        Command("retour", "revenir à l'étape précédente d'un dialogue", lambda a, e: a.engine.navigate(e, "b"), in_menu=False),
        Command("passer", "passer une étape facultative", lambda a, e: a.engine.navigate(e, "s"), in_menu=False),
        Command("annuler", "interrompre le dialogue en cours", lambda a, e: a.engine.navigate(e, "x"), in_menu=False),
    )


def entry_rows(entries: Iterable[Entry]) -> tuple[tuple[Button, ...], ...]:
    """One button per entry; its payload works on any old message."""
    return tuple((Button(e.question, f"faq:{e.id}"),) for e in entries)


def topic_rows(topics: Iterable[Topic]) -> tuple[tuple[Button, ...], ...]:
    return tuple((Button(t.label, f"topic:{t.id}"),) for t in topics)


def _display_name(event: Event) -> str:
    name = (event.display_name or "").strip()
    return shorten(name, 40) if name else "et bienvenue"


def verdict_for(question: str) -> dict | None:
    """What the rule says for the purchases or the structure a question gives, for the answer's first lines."""
    amount = purchases_meur(question)
    structure = structure_named(question)
    if amount is None and structure is None:
        return None
    return {
        "amount": None if amount is None else f"{amount:g}".replace(".", ","),
        "compulsory": None if amount is None else is_compulsory(amount),
        "structure": structure,
        "threshold": COMPULSORY_THRESHOLD_MEUR,
        "ttc": "ttc" in simplify(question).split(),
    }


def _cannot_write(error: sqlite3.OperationalError) -> bool:
    """A full disk, a read-only file or a locked database: the operator's problem, not the person's."""
    text = str(error).lower()
    return any(sign in text for sign in ("disk is full", "readonly", "read-only", "disk i/o", "locked"))
