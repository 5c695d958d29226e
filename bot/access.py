"""Who may use the animators' commands: identities the configuration names, and whoever sits at the machine."""

from __future__ import annotations

from bot.config import Settings
from bot.replies import Event

# Whoever runs the console without choosing a name: the terminal is theirs.
CONSOLE_OWNER_ID = 0
OWNER_ADDRESS = ""


class Access:
    def __init__(self, settings: Settings):
        self.settings = settings

    def is_admin(self, event: Event) -> bool:
        """The configured animators (« telegram:123 », « matrix:@x:domaine », « console:nom »); at this
        machine, whoever runs it without choosing a name (`console --user` is someone else)."""
        if event.capabilities.local and event.sender == OWNER_ADDRESS:
            return True
        return self.settings.is_admin_identity(event.channel, event.sender)

    def is_admin_user(self, addresses: list[tuple[str, str]]) -> bool:
        """Whether a stored person (their identities) is an animator."""
        return any(self.settings.is_admin_identity(channel, address) for channel, address in addresses)
