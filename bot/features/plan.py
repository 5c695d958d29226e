"""`/plan`: choose the axes, then receive the starter SPASER as Markdown and DOCX."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date
from functools import lru_cache

from bot import office
from bot.features.base import Command, Feature, MenuButton
from bot.features.diagnostic import latest_for_outline
from bot.features.referentiel import baseline_for_outline
from bot.rendering import message
from bot.documents_out import deferred, definitions
from bot.replies import Event, Reply
from dialogs.engine import Hooks
from documents.outline import (
    FOLLOW_UP, SUBJECT, DocumentInfo, build_context, markdown_to_docx, parse_move, placements, render_markdown,
    suggested_axes,
)
from domain.text import clean_text
from domain import clock
from domain.clock import now_iso
from storage.faults import crash_point
from storage.rows import Actor, Indicator, Session, Workspace, from_plain

RENAME = re.compile(r"^\s*(\d+)\s*[:=\-–—]\s*(.+)$")


class PlanFeature(Feature):
    needs = {"plan": ("axes", "renames")}

    def __init__(self, storage, engine, definitions):
        self.storage = storage
        self.engine = engine
        self.definitions = definitions
        self.dialog = definitions["plan"]

    def commands(self) -> tuple[Command, ...]:
        return (Command("plan", "votre SPASER de départ, en Word et en Markdown", lambda event: self.engine.open(event, "plan")),)

    def menu(self) -> tuple[MenuButton, ...]:
        return (MenuButton("📄 Mon plan SPASER", "plan"),)

    def dialogs(self) -> dict[str, Hooks]:
        return {"plan": Hooks(start=self.start, finish=self.finish, command="plan", check=self.check, context=self.context)}

    def start(self, event: Event) -> list[Reply]:
        workspace = self.storage.workspaces.of_user(event.user_id)
        previous = self.storage.outlines.last_axes(workspace.id) if workspace else None
        if previous:
            # Axes are numbered as the selection shows them: in the order of the choices.
            order = [c.value for c in self.dialog.step("axes").choices]
            # (« gouvernance », an axis of older plans, is now the follow-up part.)
            previous = sorted((p for p in previous if p[0] in order), key=lambda p: order.index(p[0]))
            axes = [axis_id for axis_id, _ in previous]
            choice_labels = {c.value: c.label for c in self.dialog.step("axes").choices}
            renames = [f"{n} : {name}" for n, (axis_id, name) in enumerate(previous, 1) if name != choice_labels.get(axis_id)]
        else:
            indicators = self.storage.indicators.list(workspace.id) if workspace else []
            axes, renames = suggested_axes(indicators), []
        answers = {"axes": axes}
        if renames:
            answers["renames"] = renames
        return self.engine.begin(event, "plan", workspace_id=workspace.id if workspace else None, answers=answers)

    def chosen_axes(self, answers: dict) -> list[tuple[str, str]]:
        labels = {c.value: c.label for c in self.dialog.step("axes").choices}
        # numbered as shown on screen, in the order of the choices, whatever order was stored
        chosen = [(axis_id, label) for axis_id, label in labels.items() if axis_id in (answers.get("axes") or [])]
        for item in answers.get("renames") or []:
            match = RENAME.match(item)
            if match and 1 <= int(match.group(1)) <= len(chosen):
                position = int(match.group(1)) - 1
                chosen[position] = (chosen[position][0], match.group(2).strip())
        return chosen

    def check(self, answers: dict, session: Session | None = None) -> str | None:
        count = len(answers.get("axes") or [])
        for item in answers.get("renames") or []:
            match = RENAME.match(item)
            if not match or not 1 <= int(match.group(1)) <= count:
                return message("plan_rename_problem", item=item[:80], count=count)
        if answers.get("moves"):
            actors, indicators = self._rows_of(session.workspace_id if session else None)
            for item in answers["moves"]:
                if parse_move(item, len(actors), len(indicators), count) is None:
                    return message("plan_move_problem", item=item[:80], count=count, actors=len(actors),
                                   indicators=len(indicators))
        return None

    def _rows_of(self, workspace_id: int | None) -> tuple[list[Actor], list[Indicator]]:
        if workspace_id is None:
            return [], []
        return self.storage.actors.list(workspace_id), self.storage.indicators.list(workspace_id)

    def placed(self, answers: dict, actors: list[Actor], indicators: list[Indicator]) -> tuple[list, list]:
        """Where each row stands with the moves typed so far: (row, axis id or « suivi » or None) pairs."""
        ids = [axis_id for axis_id, _ in self.chosen_axes(answers)]
        actor_places = placements(actors, ids)
        indicator_places = placements(indicators, ids)
        for item in answers.get("moves") or []:
            move = parse_move(item, len(actors), len(indicators), len(ids))
            if move is None:
                continue
            kind, number, target = move
            where = FOLLOW_UP if target == FOLLOW_UP else ids[target - 1]
            (actor_places if kind == "A" else indicator_places)[number - 1] = where
        return list(zip(actors, actor_places)), list(zip(indicators, indicator_places))

    def context(self, session: Session, step_id: str, answers: dict) -> str | None:
        """At « Rattachements »: the axes as numbered, and where each actor and indicator stands now."""
        if step_id != "moves":
            return None
        actors, indicators = self._rows_of(session.workspace_id)
        if not actors and not indicators:
            return message("plan_nothing_to_place")
        chosen = self.chosen_axes(answers)
        numbers = {axis_id: n for n, (axis_id, _) in enumerate(chosen, 1)}
        placed_actors, placed_indicators = self.placed(answers, actors, indicators)

        def line(ref: str, text: str, where: str | None) -> tuple[str, str, str]:
            if where == FOLLOW_UP:
                return ref, text, "suivi"
            return ref, text, f"axe {numbers[where]}" if where in numbers else "à placer"

        rows = [line(f"A{n}", a.name or "", w) for n, (a, w) in enumerate(placed_actors, 1)]
        rows += [line(f"I{n}", i.indicator or "", w) for n, (i, w) in enumerate(placed_indicators, 1)]
        return message("plan_placements", axes=[name for _, name in chosen], rows=rows)

    def finish(self, event: Event, session: Session, answers: dict) -> list[Reply]:
        workspace = self.storage.workspaces.ensure(event.user_id)
        chosen = self.chosen_axes(answers)
        actors = self.storage.actors.list(workspace.id)
        indicators = self.storage.indicators.list(workspace.id)
        # The moves typed are kept on the rows: the next /plan starts from them.
        placed_actors, placed_indicators = self.placed(answers, actors, indicators)
        for records, placed in ((self.storage.actors, placed_actors), (self.storage.indicators, placed_indicators)):
            for row, where in placed:
                if where != row.axis and (row.axis or where is not None):
                    records.place(workspace.id, row.id, where)
        actors = [replace(row, axis=where) for row, where in placed_actors]
        indicators = [replace(row, axis=where) for row, where in placed_indicators]
        diagnostic = latest_for_outline(self.storage, workspace.id) if answers.get("diagnostic_annex") else None
        baseline = baseline_for_outline(self.storage.baselines.get(workspace.id))
        # Read here, in the event's transaction; made by the channel in the documents' process (bot.documents_out).
        recipe = {
            "workspace": vars(workspace), "actors": [vars(a) for a in actors],
            "indicators": [vars(i) for i in indicators], "chosen": chosen, "diagnostic": diagnostic,
            "baseline": baseline, "today": clock.now().date().isoformat(),
        }
        self.storage.outlines.record(workspace.id, event.user_id, chosen, len(actors), len(indicators))
        crash_point("plan-written")
        stamp = now_iso()[:10]
        converting = office.available()
        html = message(
            "plan_ready", axes=[name for _, name in chosen], actors=len(actors), indicators=len(indicators),
            profile=bool(workspace.profile_done), converting=converting,
        )
        return [
            Reply(html),
            Reply("", document=deferred(f"spaser-{stamp}.docx", "outline", {**recipe, "format": "docx"},
                                        caption="Votre SPASER (Word, LibreOffice)", convert=converting)),
            Reply("", document=deferred(f"spaser-{stamp}.md", "outline", {**recipe, "format": "md"},
                                        caption="Votre SPASER (Markdown)")),
        ]

def render_outline(recipe: dict) -> bytes:
    """The outline's file from its recipe (see `PlanFeature.finish`), in the format it names."""
    fmt = recipe.pop("format")
    markdown = _markdown(json.dumps(recipe, sort_keys=True))
    if fmt == "md":
        return markdown.encode("utf-8")
    return markdown_to_docx(markdown, document_info(Workspace(**recipe["workspace"]), date.fromisoformat(recipe["today"])))


@lru_cache(maxsize=4)
def _markdown(recipe: str) -> str:
    """The Markdown both files come from: made once for the DOCX and the .md of one /plan."""
    data = json.loads(recipe)
    return render_markdown(build_context(
        definitions(), Workspace(**data["workspace"]),
        [from_plain(Actor, a) for a in data["actors"]], [from_plain(Indicator, i) for i in data["indicators"]],
        [tuple(c) for c in data["chosen"]], today=date.fromisoformat(data["today"]),
        diagnostic=data["diagnostic"], baseline=data["baseline"]))


def generate(dialogs, workspace, actors, indicators, chosen, diagnostic=None, baseline=None) -> tuple[str, bytes]:
    """Both formats of the outline, from the same Markdown, in the calling thread (benchmarks, tests)."""
    markdown = render_markdown(build_context(dialogs, workspace, actors, indicators, chosen, diagnostic=diagnostic,
                                             baseline=baseline))
    return markdown, markdown_to_docx(markdown, document_info(workspace))


def document_info(workspace: Workspace | None, day: date | None = None) -> DocumentInfo:
    """« SPASER — Ville de Poitiers — 2026-2031 », written by the structure itself."""
    ws = workspace or Workspace(id=0)
    name = clean_text(str(ws.name or "")).strip() or "votre structure"
    start, end = ws.period_start, ws.period_end
    title = f"SPASER — {name}" + (f" — {start}-{end}" if start and end else "")
    return DocumentInfo(title=title, author=name, subject=SUBJECT, day=day or clock.now().date())
