"""`/lier`: one person on Telegram and on Tchap becomes one user, with one workspace.

A code asked for on one messenger and typed on the other proves that both
accounts are the same person's. The code is short-lived and single-use;
it is only ever given in a private conversation.
"""

from __future__ import annotations

from bot.features.base import Command, Feature
from bot.rendering import message
from bot.replies import Event, Reply
from storage.linking import Linked, LinkRefusal


class LinkingFeature(Feature):
    def __init__(self, services):
        self.storage = services.storage

    def commands(self) -> tuple[Command, ...]:
        return (Command("lier", "relier vos comptes Telegram et Tchap (un seul espace)", self.link),)

    def link(self, event: Event) -> list[Reply]:
        if event.chat_type != "private":
            return [Reply(message("link_private_only"))]
        typed = event.args.strip()
        if not typed:
            code = self.storage.linking.new_code(event.user_id, event.channel)
            return [Reply(message("link_code", code=code, prefix=event.capabilities.command_prefix))]
        outcome = self.storage.linking.redeem(typed, event.user_id, event.channel)
        if isinstance(outcome, Linked):
            return [Reply(message("linked", workspace=outcome.workspace, topics=len(outcome.topics)))]
        return [Reply(message("link_refused", reason=str(outcome), prefix=event.capabilities.command_prefix))]


__all__ = ["LinkingFeature", "LinkRefusal"]
