"""◀ Retour, Passer, Annuler — as buttons on every step, and as `/retour`, `/passer`, `/annuler`."""

from __future__ import annotations

from bot.features.base import Buttons, Command, Feature
from bot.replies import Event, Reply


class DialogNavigationFeature(Feature):
    def __init__(self, engine):
        self.engine = engine

    def commands(self) -> tuple[Command, ...]:
        return (
            Command("retour", "revenir à l'étape précédente d'un dialogue", self.back, in_menu=False, keeps_dialog=False),
            Command("passer", "passer une étape facultative", self.skip, in_menu=False, keeps_dialog=False),
            Command("annuler", "interrompre le dialogue en cours", self.cancel, in_menu=False, keeps_dialog=False),
        )

    def buttons(self) -> tuple[Buttons, ...]:
        # `d:<session>:<turn>:<action>` on a step, `dr:<session>:r|n` on a resume offer.
        return (
            Buttons("d", lambda event, value: self.engine.on_button(event, f"d:{value}"), keeps_dialog=False),
            Buttons("dr", lambda event, value: self.engine.on_button(event, f"dr:{value}"), keeps_dialog=False),
        )

    def back(self, event: Event) -> list[Reply]:
        return self.engine.navigate(event, "b")

    def skip(self, event: Event) -> list[Reply]:
        return self.engine.navigate(event, "s")

    def cancel(self, event: Event) -> list[Reply]:
        return self.engine.navigate(event, "x")
