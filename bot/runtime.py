"""Build the services every channel shares from the settings."""

from __future__ import annotations

from bot.config import Settings
from bot.faq_index import build_matcher
from bot.router import Assistant, Services
from bot.features import required_steps
from dialogs.checks import load_checked_dialogs
from knowledge import content
from domain.errors import ContentError
from knowledge.loader import load_knowledge
from storage import Storage


def open_services(settings: Settings) -> Services:
    """Load and check the knowledge base and the dialogs, open (and migrate) the database."""
    outdated = content.current().outdated()
    if outdated:
        raise ContentError(outdated)
    kb = load_knowledge()
    dialogs = load_checked_dialogs(required_steps())
    storage = Storage.open(settings.storage.path)
    matcher = build_matcher(kb, storage.review.variants(), settings.faq)
    return Services(settings=settings, storage=storage, kb=kb, matcher=matcher, dialogs=dialogs)


def build_assistant(settings: Settings) -> Assistant:
    return Assistant(open_services(settings))
