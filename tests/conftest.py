"""Shared factories: a fresh SQLite file per test, the real knowledge base loaded once."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from bot.config import Settings, StorageSettings
from bot.router import Assistant, Services
from bot.replies import Event
from bot.telegram import TELEGRAM
from knowledge.loader import load_knowledge
from knowledge.matcher import Matcher
from storage import Storage
from tests.support.chat import Chat


@pytest.fixture(autouse=True)
def no_office_conversion(monkeypatch):
    """LibreOffice takes seconds per plan: off unless a test turns it on (tests of the conversion itself)."""
    monkeypatch.setenv("SPASER_SOFFICE", "")
    from bot import office

    office.start()  # a bot stopped by an earlier test in this process refused conversions from then on


@pytest.fixture
def clock():
    """The clock everything reads, installed for the test and moved by it."""
    from domain import clock as clocks
    from tests.support.clock import FakeClock

    fake = FakeClock()
    previous = clocks.use(fake)
    yield fake
    clocks.use(previous)


@pytest.fixture(scope="session")
def kb():
    return load_knowledge()


@pytest.fixture(scope="session")
def matcher(kb):
    return Matcher(kb)


@pytest.fixture
def settings(tmp_path):
    return Settings(storage=StorageSettings(path=str(tmp_path / "spaser.db")), exports_dir=str(tmp_path / "exports"))


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory) -> Path:
    """An empty database brought up to date once: each test starts from a copy (migrating takes longer)."""
    path = tmp_path_factory.mktemp("template") / "spaser.db"
    Storage.open(path).close()
    return path


@pytest.fixture(scope="session")
def dialog_definitions():
    """The dialogs, read and checked once (they do not change during a run)."""
    from bot.features import required_steps
    from dialogs.checks import load_checked_dialogs

    return load_checked_dialogs(required_steps())


@pytest.fixture
def make_assistant(kb, matcher, tmp_path, migrated_database, dialog_definitions):
    """Build an assistant on a fresh database; extra keyword arguments override settings."""
    opened: list[Storage] = []

    def factory(**overrides) -> Assistant:
        base = Settings(storage=StorageSettings(path=str(tmp_path / "spaser.db")), exports_dir=str(tmp_path / "exports"))
        settings = dataclasses.replace(base, **overrides)
        if not Path(settings.storage.path).exists():
            shutil.copyfile(migrated_database, settings.storage.path)
        storage = Storage.open(settings.storage.path)
        opened.append(storage)
        return Assistant(Services(settings=settings, storage=storage, kb=kb, matcher=matcher, dialogs=dialog_definitions))

    yield factory
    for storage in opened:
        storage.close()


@pytest.fixture
def assistant(make_assistant):
    return make_assistant()


@pytest.fixture
def event():
    """Build events for one person in a private Telegram chat."""

    def factory(text=None, *, command=None, args="", payload=None, user_id=42, chat_type="private"):
        return Event(
            user_id=user_id,
            chat_id=user_id,
            chat_type=chat_type,
            display_name="Camille",
            text=text,
            command=command,
            args=args,
            payload=payload,
            capabilities=TELEGRAM,
        )

    return factory


@pytest.fixture
def chat(assistant):
    return Chat(assistant)


# Modules that run `spaser-bot` in subprocesses, as an operator would (each start imports everything).
SUBPROCESS_MODULES = {"test_cli.py", "test_operations.py"}


def pytest_collection_modifyitems(items):
    """The end-to-end tests (a bot, a fake server, real processes) and the command-line ones are « slow »:
    `pytest -m "not slow"` leaves them out of the edit-test loop; CI runs everything."""
    for item in items:
        if "e2e" in item.path.parts or item.path.name in SUBPROCESS_MODULES:
            item.add_marker(pytest.mark.slow)
