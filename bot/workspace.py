"""The structure's workspace in chat: profile, members, and where things stand.

`/profil` runs the profile dialog and says whether a SPASER is compulsory;
`/inviter`, `/rejoindre` and `/espace` let colleagues share one workspace;
`/avancement` sums up what has been entered and suggests the next step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.rendering import message
from bot.replies import Button, Event, Reply
from dialogs.engine import Hooks
from dialogs.inputs import format_day, format_value
from knowledge.obligation import is_compulsory
from storage.dialogs import Session

if TYPE_CHECKING:
    from bot.conversation import Assistant

THEMES = (("environnement", "Environnement"), ("social", "Social"), ("economique", "Économique"), ("gouvernance", "Gouvernance"))


class WorkspaceFeature:
    def __init__(self, assistant: "Assistant"):
        self.assistant = assistant
        self.storage = assistant.services.storage
        self.engine = assistant.engine
        self.engine.register(
            "profil", Hooks(start=self.start_profile, finish=self.finish_profile, command="profil", check=check_profile)
        )

    # -- /profil --------------------------------------------------------------------

    def start_profile(self, event: Event) -> list[Reply]:
        workspace = self.storage.workspaces.of_user(event.user_id)
        if workspace is not None and workspace["profile_done"]:
            answers = {key: workspace[key] for key in PROFILE_STEPS}
            return self.engine.begin(event, "profil", workspace_id=workspace["id"], answers=answers, at_summary=True)
        return self.engine.begin(event, "profil", workspace_id=workspace["id"] if workspace else None)

    def finish_profile(self, event: Event, session: Session, answers: dict) -> list[Reply]:
        workspace = self.storage.workspaces.ensure(event.user_id)
        self.storage.workspaces.save_profile(workspace["id"], answers)
        purchases = answers.get("purchases_meur") or 0
        dialog = self.engine.dialogs["profil"]
        html = message(
            "profile_done",
            name=answers.get("name") or "",
            compulsory=is_compulsory(purchases),
            purchases=format_value(dialog.step("purchases_meur"), purchases),
            period=f"{answers.get('period_start')}–{answers.get('period_end')}",
        )
        return [Reply(html, NEXT_STEPS)]

    # -- members --------------------------------------------------------------------

    def invite(self, event: Event) -> list[Reply]:
        workspace = self.storage.workspaces.ensure(event.user_id)
        code, expires = self.storage.workspaces.create_invite(workspace["id"], event.user_id)
        return [Reply(message("invite", code=code, expires=format_day(expires), name=workspace.get("name") or ""))]

    def join(self, event: Event) -> list[Reply]:
        code = event.args.strip()
        if not code:
            return [Reply(message("join_usage"))]
        outcome, workspace = self.storage.workspaces.join(event.user_id, code[:40])
        name = (workspace or {}).get("name") or ""
        return [Reply(message("join_outcome", outcome=outcome, name=name), NEXT_STEPS if outcome == "joined" else ())]

    def members(self, event: Event) -> list[Reply]:
        workspace = self.storage.workspaces.of_user(event.user_id)
        if workspace is None:
            return [Reply(message("no_workspace"), NEXT_STEPS)]
        members = self.storage.workspaces.members(workspace["id"])
        rows: list[tuple[Button, ...]] = []
        if workspace["role"] == "creator":
            rows += [
                (Button(f"Retirer {m['display_name'] or m['user_id']}", f"ws:rm:{m['user_id']}"),)
                for m in members
                if m["user_id"] != event.user_id
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

    def _baseline(self, workspace_id: int) -> dict | None:
        """The stored DECP baseline with its day in French, for /avancement."""
        baseline = self.storage.baselines.get(workspace_id)
        return {**baseline, "received_on": format_day(baseline["received_on"])} if baseline else None

    def progress(self, event: Event) -> list[Reply]:
        workspace = self.storage.workspaces.of_user(event.user_id)
        if workspace is None:
            return [Reply(message("no_workspace"), NEXT_STEPS)]
        actors = self.storage.actors.count(workspace["id"])
        indicators = self.storage.indicators.list(workspace["id"])
        by_theme = [
            (label, [sum(1 for i in indicators if i["theme"] == value and i["priority"] == p) for p in (1, 2, 3)])
            for value, label in THEMES
        ]
        if not workspace["profile_done"]:
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
            members=len(self.storage.workspaces.members(workspace["id"])),
            actors=actors,
            indicators=len(indicators),
            by_theme=by_theme,
            next_step=nxt,
            baseline=self._baseline(workspace["id"]),
        )
        return [Reply(html, NEXT_STEPS)]


PROFILE_STEPS = (
    "structure_type", "name", "region", "purchases_meur", "existing_spaser", "existing_years", "period_start",
    "period_end", "siret",
)
NEXT_STEPS = (
    (Button("👤 Mon profil", "menu:profil"), Button("🗺 Cartographie", "menu:cartographie")),
    (Button("📊 Indicateurs", "menu:indicateurs"), Button("📄 Mon plan", "menu:plan")),
)


def check_profile(answers: dict, session=None) -> str | None:
    start, end = answers.get("period_start"), answers.get("period_end")
    if isinstance(start, int) and isinstance(end, int) and end < start:
        return f"La période se termine ({end}) avant de commencer ({start}) : corrigez l'une des deux années."
    return None
