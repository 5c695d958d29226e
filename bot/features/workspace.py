"""A workspace shared by colleagues, and where it stands.

`/inviter`, `/rejoindre` and `/espace` let colleagues share one workspace;
`/avancement` sums up what has been entered and suggests the next step.
"""

from __future__ import annotations

from dataclasses import replace

from bot.features.base import Buttons, Command, Feature, MenuButton
from bot.features.profile import NEXT_STEPS
from bot.rendering import message
from bot.replies import Button, Event, Reply
from dialogs.inputs import format_day
from storage.rows import Baseline

THEMES = (("environnement", "Environnement"), ("social", "Social"), ("economique", "Économique"), ("gouvernance", "Gouvernance"))


class WorkspaceFeature(Feature):
    def __init__(self, storage):
        self.storage = storage

    def commands(self) -> tuple[Command, ...]:
        return (
            Command("avancement", "où en est votre espace, et la prochaine étape", self.progress),
            Command("inviter", "inviter un·e collègue dans votre espace", self.invite),
            Command("rejoindre", "rejoindre l'espace d'un·e collègue avec son code", self.join),
            Command("espace", "les membres de votre espace", self.members),
        )

    def buttons(self) -> tuple[Buttons, ...]:
        return (Buttons("ws", self.on_button),)

    def menu(self) -> tuple[MenuButton, ...]:
        return (MenuButton("📈 Avancement", "avancement"),)

    # -- members --------------------------------------------------------------------

    def invite(self, event: Event) -> list[Reply]:
        workspace = self.storage.workspaces.ensure(event.user_id)
        code, expires = self.storage.workspaces.create_invite(workspace.id, event.user_id)
        return [Reply(message("invite", code=code, expires=format_day(expires), name=workspace.name or ""))]

    def join(self, event: Event) -> list[Reply]:
        code = event.args.strip()
        if not code:
            return [Reply(message("join_usage"))]
        outcome, workspace = self.storage.workspaces.join(event.user_id, code[:40])
        name = (workspace.name if workspace else None) or ""
        return [Reply(message("join_outcome", outcome=outcome, name=name), NEXT_STEPS if outcome == "joined" else ())]

    def members(self, event: Event) -> list[Reply]:
        workspace = self.storage.workspaces.of_user(event.user_id)
        if workspace is None:
            return [Reply(message("no_workspace"), NEXT_STEPS)]
        members = self.storage.workspaces.members(workspace.id)
        rows: list[tuple[Button, ...]] = []
        if workspace.role == "creator":
            rows += [
                (Button(f"Retirer {m.display_name or m.user_id}", f"ws:rm:{m.user_id}"),)
                for m in members
                if m.user_id != event.user_id
            ]
        rows.append((Button("Inviter un·e collègue", "ws:invite"), Button("Quitter l'espace", "ws:leave")))
        return [Reply(message("members", workspace=workspace, members=members, me=event.user_id), tuple(rows))]

    def on_button(self, event: Event, value: str) -> list[Reply]:
        action, _, rest = value.partition(":")
        if action == "invite":
            return self.invite(event)
        if action == "leave":
            if rest != "ok":
                return [Reply(message("leave_confirm"), ((Button("Oui, quitter", "ws:leave:ok"), Button("Non", "ws:members")),))]
            left = self.storage.workspaces.leave(event.user_id)
            return [Reply(message("left" if left else "no_workspace"))]
        if action == "members":
            return self.members(event)
        if action == "rm":
            member_id, _, confirmed = rest.partition(":")
            if not member_id.lstrip("-").isdigit():
                return [Reply(message("unknown_button"))]
            if confirmed != "ok":
                return [Reply(message("remove_confirm"), ((Button("Oui, retirer", f"ws:rm:{member_id}:ok"), Button("Non", "ws:members")),))]
            removed = self.storage.workspaces.remove(event.user_id, int(member_id))
            return [Reply(message("removed" if removed else "remove_refused"))]
        return [Reply(message("unknown_button"))]

    # -- /avancement ------------------------------------------------------------------

    def _baseline(self, workspace_id: int) -> Baseline | None:
        """The stored DECP baseline with its day in French, for /avancement."""
        baseline = self.storage.baselines.get(workspace_id)
        return replace(baseline, received_on=format_day(baseline.received_on)) if baseline else None

    def progress(self, event: Event) -> list[Reply]:
        workspace = self.storage.workspaces.of_user(event.user_id)
        if workspace is None:
            return [Reply(message("no_workspace"), NEXT_STEPS)]
        actors = self.storage.actors.count(workspace.id)
        indicators = self.storage.indicators.list(workspace.id)
        by_theme = [
            (label, [sum(1 for i in indicators if i.theme == value and i.priority == p) for p in (1, 2, 3)])
            for value, label in THEMES
        ]
        if not workspace.profile_done:
            nxt = "profil"
        elif actors == 0:
            nxt = "cartographie"
        elif not indicators:
            nxt = "indicateurs"
        else:
            nxt = "complete"
        html = message(
            "progress",
            workspace=workspace,
            members=len(self.storage.workspaces.members(workspace.id)),
            actors=actors,
            indicators=len(indicators),
            by_theme=by_theme,
            next_step=nxt,
            baseline=self._baseline(workspace.id),
        )
        return [Reply(html, NEXT_STEPS)]
