"""`/start` and `/aide`: the welcome, the main menu and the list of commands."""

from __future__ import annotations

from bot.access import Access
from bot.features.base import Catalogue, Command, Feature
from bot.features.faq import display_name
from bot.rendering import message
from bot.replies import Button, Event, Reply


class WelcomeFeature(Feature):
    def __init__(self, catalogue: Catalogue, access: Access, engine):
        self.catalogue = catalogue
        self.access = access
        self.engine = engine

    def commands(self) -> tuple[Command, ...]:
        return (
            Command("start", "accueil et menu principal", self.start, keeps_dialog=False),
            Command("aide", "ce que je sais faire", self.help),
        )

    def start(self, event: Event) -> list[Reply]:
        """Greet, say what the assistant does, and show the main menu."""
        html = message("welcome", name=display_name(event), first_time=event.first_contact)
        replies = [Reply(html, self.catalogue.menu_rows)]
        pending = self.engine.pending(event.user_id)
        if pending is not None:
            title = self.engine.dialogs[pending.dialog].title
            buttons = ((Button("▶️ Reprendre", f"dr:{pending.id}:r"),),)
            replies.append(Reply(message("dialog_pending_offer", title=title), buttons))
        for feature in self.catalogue.features:
            replies += feature.on_start(event)
        return replies

    def help(self, event: Event) -> list[Reply]:
        """List the commands this person may use."""
        commands = [(c.name, c.help) for c in self.catalogue.listed(self.access.is_admin(event))]
        return [Reply(message("help", commands=commands), self.catalogue.menu_rows)]
