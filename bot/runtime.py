"""Build the services every channel shares from the settings."""

from __future__ import annotations

from pathlib import Path

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


def hold_database_lock(database: Path):
    """One running bot per database: an OS lock next to it, released by the system even after a kill -9.

    Two bots on one database would both send every announcement. Returns the
    open lock file (keep it open while running), or None if another bot holds it.
    """
    import fcntl

    database.parent.mkdir(parents=True, exist_ok=True)
    handle = open(database.with_name(database.name + ".lock"), "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    return handle
