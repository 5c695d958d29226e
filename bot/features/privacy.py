"""`/mesdonnees` and `/oublier`: each person sees and erases what is stored about them."""

from __future__ import annotations

import json

from bot.features.base import Command, Feature
from bot.rendering import message
from bot.replies import Document, Event, Reply
from dialogs.engine import Hooks
from domain.clock import now_iso
from storage.rows import Session


class PrivacyFeature(Feature):
    needs = {"oubli": ("confirm",)}

    def __init__(self, services, engine):
        self.services = services  # the live index: paraphrases made of erased questions leave it
        self.storage = services.storage
        self.settings = services.settings
        self.engine = engine

    def commands(self) -> tuple[Command, ...]:
        return (
            Command("confidentialite", "vos données personnelles", self.privacy, while_muted=True),
            Command("mesdonnees", "tout ce qui est enregistré sur vous", self.my_data, while_muted=True),
            Command("oublier", "effacer toutes vos données", self.start_erasure, while_muted=True),
        )

    def dialogs(self) -> dict[str, Hooks]:
        return {"oubli": Hooks(start=self.start_erasure, finish=self.finish_erasure, command="oublier")}

    def privacy(self, event: Event) -> list[Reply]:
        p = self.settings.privacy
        unset = p.unset()
        return [Reply(message(
            "privacy", controller=None if "privacy.controller" in unset else p.controller,
            contact=None if "privacy.contact" in unset else p.contact, retention_days=p.retention_days,
            console=event.capabilities.local,
        ))]

    def my_data(self, event: Event) -> list[Reply]:
        data = self.storage.privacy.export(event.user_id)
        counts = {key: len(value) for key, value in data.items()}
        # Counted as /stats counts them: typed questions apart from answers opened from a button.
        asked = self.storage.questions.counts(event.user_id)
        counts["questions"], counts["ouvertures"] = asked["asked"], asked["chosen"]
        content = json.dumps(data, ensure_ascii=False, indent=2, default=str).encode("utf-8")
        document = Document(f"mes-donnees-{now_iso()[:10]}.json", content, caption="Vos données (JSON)")
        return [Reply(message("my_data", counts=counts), document=document)]

    def start_erasure(self, event: Event) -> list[Reply]:
        return self.engine.begin(event, "oubli")

    def finish_erasure(self, event: Event, session: Session, answers: dict) -> list[Reply]:
        if not answers.get("confirm"):
            return [Reply(message("erasure_cancelled"))]
        self.storage.privacy.erase(event.user_id)
        # Paraphrases made of the person's questions leave the index too.
        self.services.rebuild_matcher()
        return [Reply(message("erased"))]
