"""`/mesdonnees` and `/oublier`: each person sees and erases what is stored about them."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from bot.rendering import message
from bot.replies import Document, Event, Reply
from dialogs.engine import Hooks
from storage.clock import now_iso
from storage.dialogs import Session

if TYPE_CHECKING:
    from bot.conversation import Assistant


class PrivacyFeature:
    def __init__(self, assistant: "Assistant"):
        self.assistant = assistant
        self.storage = assistant.services.storage
        self.engine = assistant.engine
        self.engine.register("oubli", Hooks(start=self.start_erasure, finish=self.finish_erasure, command="oublier"))

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
        self.assistant.admin.rebuild_matcher(self.assistant.services.kb)
        return [Reply(message("erased"))]
