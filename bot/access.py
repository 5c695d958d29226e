"""Who may use the animators' commands."""

from __future__ import annotations

from bot.config import Settings
from bot.replies import Event

# Whoever runs the console without choosing a name: the terminal is theirs.
CONSOLE_OWNER_ID = 0


class Access:
    def __init__(self, settings: Settings):
        self.settings = settings

    def is_admin(self, event: Event) -> bool:
        """The configured animators; in the console, whoever runs it, unless they chose a name
        (`console --user`): then as the configuration says (« console:nom » in admins)."""
        if event.chat_type == "console":
            return event.user_id == CONSOLE_OWNER_ID or self.settings.is_named_admin("console", event.display_name or "")
        return self.settings.is_admin(event.user_id)
