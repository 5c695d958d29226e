"""The questions buyers type: answered from the knowledge base, suggested, or honestly declined.

Free text that no dialog takes ends here, as does `/faq`. Suggestion and
related-question buttons carry the entry id, so they work on any old message.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable
from datetime import timedelta

from markupsafe import Markup

from bot.features.base import Buttons, Catalogue, Command, Feature, MenuButton
from bot.rendering import message, shorten
from bot.replies import Button, Event, Reply
from dialogs.inputs import format_number, parse_id
from knowledge.examples import named_in
from knowledge.loader import Entry, Topic
from knowledge.matcher import Outcome
from domain.text import clean_text, simplify
from domain.rules import COMPULSORY_THRESHOLD_MEUR, is_compulsory
from knowledge.question import GREETINGS, courtesy, purchases_meur, structure_named
from storage.db import cannot_write
from domain.statuses import Answered

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 1000
# A short question within this time of the previous one may be its follow-up.
FOLLOW_UP_WINDOW = timedelta(minutes=15)
# A message this short that shares no word with the base is not a question.
VAGUE_WORDS = 5
# Rendered answers kept (one per entry or pair of entries asked together, with or without feedback).
ANSWERS_KEPT = 1024


class FaqFeature(Feature):
    def __init__(self, services, catalogue: Catalogue):
        self.services = services  # the live base and index, which /recharger replaces
        self.catalogue = catalogue
        self._answers: dict[tuple, Markup] = {}  # rendered answers of the base they were rendered from
        self._answers_of = None

    def commands(self) -> tuple[Command, ...]:
        return (Command("faq", "poser une question, ou parcourir les thèmes", self.faq),)

    def buttons(self) -> tuple[Buttons, ...]:
        return (
            Buttons("faq", self.on_faq_button, keeps_dialog=False),
            Buttons("fb", self.on_feedback, keeps_dialog=False),
            Buttons("topic", self.on_topic, keeps_dialog=False),
        )

    def menu(self) -> tuple[MenuButton, ...]:
        return (
            MenuButton("❓ Poser une question", "ask", lambda event: [Reply(message("ask_prompt"))]),
            MenuButton("📚 FAQ par thème", "topics", lambda event: self.topics()),
        )

    # -- free text ------------------------------------------------------------

    def is_question(self, text: str) -> bool:
        """Whether the base answers this text outright (during a dialog, a question rather than an answer)."""
        return self.services.matcher.decide(text[:MAX_QUESTION_CHARS]).kind == Answered.ANSWERED

    def answer_text(self, event: Event, raw: str) -> list[Reply]:
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
            return [Reply(message("greeting", name=display_name(event)), self.catalogue.menu_rows)]
        said = courtesy(simple)
        if said is not None:
            return [Reply(message(said))]

        questions = self.services.storage.questions
        previous = questions.recent_question(event.user_id, FOLLOW_UP_WINDOW)
        outcome = self.services.matcher.decide(text, follows=previous)
        if (outcome.best is None and outcome.neighbour is None and len(simple.split()) <= VAGUE_WORDS
                and not text.rstrip().endswith("?")):
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
            if not cannot_write(exc):
                raise
            log.error("The database cannot be written (%s): question answered but not logged", exc)
            question_id = None  # the question log is best effort; the answer is not
            notes.append(Reply(message("question_not_logged")))
        return notes + self._render_outcome(text, outcome, question_id)

    def _render_outcome(self, text: str, outcome: Outcome, question_id: int | None) -> list[Reply]:
        replies = [self._outcome_reply(text, outcome, question_id)]
        # « Où trouver le SPASER de la Ville de Lyon ? »: whatever the base answers, the directory has its card.
        published = named_in(text)
        if published:
            rows = tuple((Button(f"🔎 {e.name}", f"ex:s:{e.index}"),) for e in published)
            replies.append(Reply(message("examples_named", count=len(published)), rows))
        return replies

    def _outcome_reply(self, text: str, outcome: Outcome, question_id: int | None) -> Reply:
        shown = shorten(text, 200)
        if outcome.kind == Answered.ANSWERED:
            second = outcome.also.entry if outcome.also else None
            return self.answer_reply(outcome.best.entry, question_id, asked=text, second=second, earlier=outcome.follows)
        proposals = entry_rows(m.entry for m in outcome.suggestions)
        if outcome.kind == Answered.SUGGESTED:
            return Reply(message("suggest", question=shown), proposals)
        if not proposals:
            proposals = topic_rows(self.services.kb.topics)
        return Reply(message("not_covered", question=shown, has_proposals=bool(outcome.suggestions),
                             neighbour=outcome.neighbour), proposals)

    def answer_reply(self, entry: Entry, question_id: int | None, asked: str = "", second: Entry | None = None,
                     earlier: str | None = None) -> Reply:
        """The answer with its source, related questions and the feedback buttons.

        A question that asks two things gets both answers in one message; one
        that gives its own purchases or kind of structure gets the verdict for it.
        """
        kb = self.services.kb
        shown = (entry, second) if second else (entry,)
        verdict = next((verdict_for(asked, earlier) for e in shown if e.verdict == "obligation"), None)
        exclude = {e.id for e in shown}
        related = entry_rows(r for r in map(kb.get, entry.related[:3]) if r and r.id not in exclude)
        if question_id is None:
            return Reply(self._answer_text(shown, verdict, feedback=False), tuple(related))
        feedback = (Button("👍 Oui", f"fb:{question_id}:1"), Button("👎 Non", f"fb:{question_id}:0"))
        return Reply(self._answer_text(shown, verdict, feedback=True), (*related, feedback))

    def _answer_text(self, shown: tuple[Entry, ...], verdict: dict | None, feedback: bool) -> Markup:
        """An answer's text depends on its entries alone (unless a verdict line opens it): rendered once
        for each base (a reloaded base renders again), since rendering was a tenth of a question's cost."""
        if verdict is not None:
            return message("answer", entries=shown, verdict=verdict, feedback=feedback)
        if self._answers_of is not self.services.kb:
            self._answers, self._answers_of = {}, self.services.kb
        key = (tuple(e.id for e in shown), feedback)
        text = self._answers.get(key)
        if text is None:
            if len(self._answers) >= ANSWERS_KEPT:
                self._answers.clear()
            text = self._answers[key] = message("answer", entries=shown, verdict=None, feedback=feedback)
        return text

    # -- commands and buttons ---------------------------------------------------

    def faq(self, event: Event) -> list[Reply]:
        """`/faq question` answers it; `/faq` alone opens the topics."""
        if event.args.strip():
            return self.answer_text(event, event.args)
        return self.topics()

    def topics(self) -> list[Reply]:
        return [Reply(message("topics"), topic_rows(self.services.kb.topics))]

    def on_faq_button(self, event: Event, entry_id: str) -> list[Reply]:
        """Show an entry chosen from a suggestion or related button (works on old messages)."""
        entry = self.services.kb.get(entry_id)
        if entry is None:
            return [Reply(message("unknown_button"))]
        question_id = self.services.storage.questions.record_question(
            event.user_id, event.chat_id, entry.question, entry.id, 100.0, Answered.CHOSEN
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


def entry_rows(entries: Iterable[Entry]) -> tuple[tuple[Button, ...], ...]:
    """One button per entry; its payload works on any old message."""
    return tuple((Button(e.question, f"faq:{e.id}"),) for e in entries)


def topic_rows(topics: Iterable[Topic]) -> tuple[tuple[Button, ...], ...]:
    return tuple((Button(t.label, f"topic:{t.id}"),) for t in topics)


def display_name(event: Event) -> str:
    name = (event.display_name or "").strip()
    return shorten(name, 40) if name else "et bienvenue"


def verdict_for(question: str, earlier: str | None = None) -> dict | None:
    """What the rule says for the purchases or the structure a question gives, for the answer's first lines;
    a follow-up (« et pour une commune ? ») keeps what the earlier question gave and it does not."""
    amount = purchases_meur(question)
    structure = structure_named(question)
    if earlier:
        amount = purchases_meur(earlier) if amount is None else amount
        structure = structure or structure_named(earlier)
    if amount is None and structure is None:
        return None
    return {
        "amount": None if amount is None else format_number(amount),  # « 1 000 M€ », « 72,5 M€ »
        "compulsory": None if amount is None else is_compulsory(amount),
        "structure": structure,
        "threshold": COMPULSORY_THRESHOLD_MEUR,
        "ttc": "ttc" in simplify(f"{question} {earlier or ''}").split(),
    }
