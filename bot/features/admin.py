"""The animators' commands: unanswered questions, reloading the base, statistics.

Reserved to the configured admins (and the console's user); anyone else gets
the same neutral refusal for each of them.
"""

from __future__ import annotations

from datetime import date

from bot.access import Access
from bot.features.base import Buttons, Command, Feature
from bot.rendering import message, shorten
from bot.replies import Button, Event, Reply
from dialogs.engine import Hooks
from dialogs.inputs import parse_id
from knowledge import content
from knowledge.checks import check_knowledge
from knowledge.loader import load_knowledge
from knowledge.question_groups import Group, group_questions
from storage.rows import Session
from storage.stats import compute


class AdminFeature(Feature):
    needs = {"reformulation": ("text",), "rattachement": ("words",)}

    def __init__(self, services, engine, access: Access):
        self.services = services  # the live base and index, which /recharger replaces
        self.engine = engine
        self.access = access

    def commands(self) -> tuple[Command, ...]:
        return (
            Command("nonrepondues", "questions sans bonne réponse, à traiter", self.unanswered, admin=True),
            Command("recharger", "recharger la base de connaissances", self.reload, admin=True),
            Command("stats", "statistiques d'usage", self.stats, admin=True),
            Command("muet", "ignorer un utilisateur abusif (/muet ID), /muet -ID pour le rétablir", self.mute, admin=True),
        )

    def buttons(self) -> tuple[Buttons, ...]:
        return (Buttons("nr", self.on_button),)

    def dialogs(self) -> dict[str, Hooks]:
        return {
            "reformulation": Hooks(start=self.unanswered, finish=self.finish_rewrite, command="nonrepondues"),
            "rattachement": Hooks(start=self.unanswered, finish=self.finish_search, command="nonrepondues"),
        }

    @property
    def threshold(self) -> float:
        return self.services.matcher.answer_threshold

    # -- /nonrepondues ----------------------------------------------------------------

    def groups(self, limit: int = 10) -> list[Group]:
        review = self.services.storage.review
        return group_questions(review.to_review(self.threshold), review.reviewed_keys(), limit)

    def group_of(self, question_id: int) -> Group | None:
        return next((g for g in self.groups(limit=10_000) if g.question_id == question_id), None)

    def unanswered(self, event: Event) -> list[Reply]:
        groups = self.groups()
        if not groups:
            return [Reply(message("unanswered_none"))]
        buttons = tuple((Button(f"{i}. {g.text}", f"nr:o:{g.question_id}"),) for i, g in enumerate(groups, 1))
        shown = [(shorten(g.text, 150), g.count, sorted(g.reasons)) for g in groups]
        return [Reply(message("unanswered_list", groups=shown), buttons)]

    def on_button(self, event: Event, value: str) -> list[Reply]:
        if not self.access.is_admin(event):
            return [Reply(message("admin_only"))]
        action, _, rest = value.partition(":")
        if action == "e":
            variant = self.services.storage.review.get_variant(vid) if (vid := parse_id(rest)) is not None else None
            if variant is None:
                return [Reply(message("unknown_button"))]
            return self.engine.begin(event, "reformulation", target_id=variant.id)
        question_id, _, entry_id = rest.partition(":")
        group = self.group_of(qid) if (qid := parse_id(question_id)) is not None else None
        if group is None:
            return [Reply(message("unanswered_done_already"))] + self.unanswered(event)
        if action == "o":
            # Only entries that really are close: a weak score is no « nearest entry ».
            matcher = self.services.matcher
            closest = [m.entry for m in matcher.rank(group.text)[:3] if m.score >= matcher.suggest_threshold]
            html = message("unanswered_group", text=shorten(group.text, 300), count=group.count, has_closest=bool(closest))
            return [Reply(html, self._attach_rows(group.question_id, closest))]
        if action == "s":
            return self.engine.begin(event, "rattachement", target_id=group.question_id)
        if action == "a" and self.services.kb.get(entry_id) is not None:
            variant_id = self.services.storage.review.attach(group.key, group.question_id, group.text, entry_id, event.user_id)
            self.services.rebuild_matcher()
            entry = self.services.kb.get(entry_id)
            rewrite = ((Button("✏️ Réécrire cette reformulation", f"nr:e:{variant_id}"),),) if variant_id else ()
            return [Reply(message("unanswered_attached", text=group.text, question=entry.question), rewrite)] + self.unanswered(event)
        if action == "x":
            self.services.storage.review.mark(group.key, "dismissed", event.user_id)
            return [Reply(message("unanswered_dismissed", text=group.text))] + self.unanswered(event)
        return self.unanswered(event)

    def _attach_rows(self, question_id: int, entries) -> tuple:
        rows = tuple((Button(f"➕ {e.question}", f"nr:a:{question_id}:{e.id}"),) for e in entries)
        return rows + (
            (Button("🔎 Chercher une autre entrée", f"nr:s:{question_id}"),),
            (Button("🗑 Écarter", f"nr:x:{question_id}"), Button("◀ Liste", "nr:l:0")),
        )

    def finish_search(self, event: Event, session: Session, answers: dict) -> list[Reply]:
        """Any entry of the base, found by the words the animator typed."""
        group = self.group_of(session.target_id) if session.target_id else None
        if group is None:
            return [Reply(message("unanswered_done_already"))] + self.unanswered(event)
        words = answers["words"]
        found = [m.entry for m in self.services.matcher.rank(words, limit=8)]
        html = message("unanswered_search", words=words, text=shorten(group.text, 200), found=bool(found))
        return [Reply(html, self._attach_rows(group.question_id, found))]

    def finish_rewrite(self, event: Event, session: Session, answers: dict) -> list[Reply]:
        review = self.services.storage.review
        if session.target_id is None or not review.rewrite(session.target_id, answers["text"]):
            return [Reply(message("unknown_button"))]
        self.services.rebuild_matcher()
        return [Reply(message("variant_rewritten", text=answers["text"]))]

    # -- /muet -----------------------------------------------------------------------

    def mute(self, event: Event) -> list[Reply]:
        """/muet 123 ignores user 123's messages; /muet -123 gives them back their voice."""
        arg = (event.args or "").strip()
        restore = arg.startswith("-")
        user_id = parse_id(arg.lstrip("-").strip())
        if user_id is None:
            return [Reply(message("mute_usage"))]
        addresses = self.services.storage.identities.addresses(user_id)
        if user_id == event.user_id or self.access.is_admin_user(addresses):
            return [Reply(message("mute_refused"))]
        if not self.services.storage.users.set_muted(user_id, not restore):
            return [Reply(message("mute_unknown", user_id=user_id))]
        return [Reply(message("unmuted" if restore else "muted_done", user_id=user_id))]

    # -- /recharger -------------------------------------------------------------------

    def reload(self, event: Event) -> list[Reply]:
        where = content.current()
        problems, summary = check_knowledge()
        problems = where.outdated() + problems
        if problems:
            return [Reply(message("reload_refused", problems=problems[:10], more=max(0, len(problems) - 10),
                                  where=where.describe()))]
        self.services.replace_knowledge(load_knowledge())
        return [Reply(message("reloaded", summary=summary, where=where.describe()))]

    # -- /stats -----------------------------------------------------------------------

    def stats(self, event: Event) -> list[Reply]:
        figures = compute(self.services.storage.db)
        kb = self.services.kb
        titles = {e.id: e.question for e in kb.entries}
        due = kb.due_for_review(date.today())
        return [Reply(message("stats", s=figures, titles=titles, dialogs=self.services.dialogs, due=due))]
