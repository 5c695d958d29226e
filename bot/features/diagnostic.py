"""`/diagnostic`: the maturity self-diagnosis, its profile and what it means for the SPASER."""

from __future__ import annotations

from dataclasses import replace

from bot.features.base import Command, Feature, MenuButton
from bot.rendering import message
from bot.replies import Button, Event, Reply
from dialogs.diagnostic import rubric_labels, score
from dialogs.engine import Hooks
from dialogs.inputs import format_day
from storage.diagnostics import RUBRICS
from storage.rows import Session


class DiagnosticFeature(Feature):
    needs = {"diagnostic": ()}

    def __init__(self, storage, engine):
        self.storage = storage
        self.engine = engine

    def commands(self) -> tuple[Command, ...]:
        return (Command("diagnostic", "autodiagnostic de maturité achats durables",
                        lambda event: self.engine.open(event, "diagnostic")),)

    def menu(self) -> tuple[MenuButton, ...]:
        return (MenuButton("🧭 Autodiagnostic", "diagnostic"),)

    def dialogs(self) -> dict[str, Hooks]:
        return {"diagnostic": Hooks(start=self.start, finish=self.finish, command="diagnostic")}

    def start(self, event: Event) -> list[Reply]:
        workspace = self.storage.workspaces.of_user(event.user_id)
        previous = self.storage.diagnostics.latest(workspace.id) if workspace else None
        replies = []
        if previous is not None:
            replies.append(Reply(message("diagnostic_previous", overall=previous.overall, profile=previous.profile,
                                         date=format_day(previous.created_at))))
        return replies + self.engine.begin(event, "diagnostic", workspace_id=workspace.id if workspace else None)

    def finish(self, event: Event, session: Session, answers: dict) -> list[Reply]:
        workspace = self.storage.workspaces.ensure(event.user_id)
        previous = self.storage.diagnostics.latest(workspace.id)
        result = score(answers)
        self.storage.diagnostics.record(workspace.id, event.user_id, result.rubrics, result.overall, result.profile.label)
        actors = self.storage.actors.count(workspace.id)
        indicators = self.storage.indicators.count(workspace.id)
        result = replace(result, advice=with_what_exists(result.advice, actors, indicators))
        labels = rubric_labels()
        rubrics = [
            (labels[r], result.rubrics.get(r, 0.0), previous.rubrics.get(r) if previous else None) for r in RUBRICS if r in labels
        ]
        html = message(
            "diagnostic_result", result=result, rubrics=rubrics,
            previous=previous.overall if previous else None, previous_date=format_day(previous.created_at) if previous else "",
        )
        buttons = (
            (Button("🔎 Exemples comme le mien", "ex:mine"), Button("📄 Mon plan SPASER", "menu:plan")),
            (Button("🗺 Cartographie", "menu:cartographie"), Button("📊 Indicateurs", "menu:indicateurs")),
        )
        return [Reply(html, buttons)]


ALREADY = 3  # from this many rows, « start mapping » or « choose indicators » is no longer the next step


def with_what_exists(advice: tuple[str, ...], actors: int, indicators: int) -> tuple[str, ...]:
    """The profile's advice, turned to the next step where the workspace already holds the first one."""
    adapted = []
    for item in advice:
        if actors >= ALREADY and "/cartographie" in item and item.startswith(("Cartographier", "Repérer")):
            item = (f"Vous avez déjà cartographié {actors} acteurs : associez-les à la co-construction des "
                    "objectifs (/cartographie).")
        elif indicators >= ALREADY and "/indicateurs" in item and item.startswith("Choisir"):
            item = (f"Vous suivez déjà {indicators} indicateurs : donnez à chacun une cible et une échéance "
                    "(/indicateurs).")
        if item not in adapted:
            adapted.append(item)
    return tuple(adapted)


def latest_for_outline(storage, workspace_id: int | None) -> dict | None:
    """The newest diagnosis as the outline shows it: profile, score, approach and advice."""
    if workspace_id is None:
        return None
    row = storage.diagnostics.latest(workspace_id)
    if row is None:
        return None
    from dialogs.diagnostic import profiles

    profile = next((p for p in profiles() if p.label == row.profile), None)
    return {
        "profile": row.profile,
        "overall": row.overall,
        "date": format_day(row.created_at),
        "approach": profile.approach if profile else "",
        "axes": profile.axes if profile else "",
        "indicators": profile.indicators if profile else "",
    }
