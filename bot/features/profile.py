"""`/profil`: the structure's profile, and whether a SPASER is compulsory for it."""

from __future__ import annotations

from bot.features.base import Command, Feature, MenuButton
from bot.rendering import message
from bot.replies import Button, Event, Reply
from dialogs.engine import Hooks
from dialogs.inputs import format_value
from domain.rules import COMPULSORY_THRESHOLD_MEUR, PROFILE_FIELDS, is_compulsory
from storage.rows import Session


class ProfileFeature(Feature):
    needs = {"profil": PROFILE_FIELDS}

    def __init__(self, storage, engine):
        self.storage = storage
        self.engine = engine

    def commands(self) -> tuple[Command, ...]:
        return (Command("profil", "le profil de votre structure (SPASER obligatoire ?)",
                        lambda event: self.engine.open(event, "profil")),)

    def menu(self) -> tuple[MenuButton, ...]:
        return (MenuButton("👤 Mon profil", "profil"),)

    def dialogs(self) -> dict[str, Hooks]:
        return {"profil": Hooks(start=self.start_profile, finish=self.finish_profile, command="profil", check=check_profile)}

    # -- /profil --------------------------------------------------------------------

    def start_profile(self, event: Event) -> list[Reply]:
        workspace = self.storage.workspaces.of_user(event.user_id)
        if workspace is not None and workspace.profile_done:
            answers = {key: getattr(workspace, key) for key in PROFILE_FIELDS}
            return self.engine.begin(event, "profil", workspace_id=workspace.id, answers=answers, at_summary=True)
        return self.engine.begin(event, "profil", workspace_id=workspace.id if workspace else None)

    def finish_profile(self, event: Event, session: Session, answers: dict) -> list[Reply]:
        workspace = self.storage.workspaces.ensure(event.user_id)
        self.storage.workspaces.save_profile(workspace.id, answers)
        purchases = answers.get("purchases_meur") or 0
        dialog = self.engine.dialogs["profil"]
        html = message(
            "profile_done",
            name=answers.get("name") or "",
            compulsory=is_compulsory(purchases),
            threshold=COMPULSORY_THRESHOLD_MEUR,
            purchases=format_value(dialog.step("purchases_meur"), purchases),
            period=f"{answers.get('period_start')}–{answers.get('period_end')}",
        )
        return [Reply(html, NEXT_STEPS)]


NEXT_STEPS = (
    (Button("👤 Mon profil", "menu:profil"), Button("🗺 Cartographie", "menu:cartographie")),
    (Button("📊 Indicateurs", "menu:indicateurs"), Button("📄 Mon plan", "menu:plan")),
)


def check_profile(answers: dict, session=None) -> str | None:
    start, end = answers.get("period_start"), answers.get("period_end")
    if isinstance(start, int) and isinstance(end, int) and end < start:
        return f"La période se termine ({end}) avant de commencer ({start}) : corrigez l'une des deux années."
    return None
