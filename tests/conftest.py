"""Shared factories: a fresh SQLite file per test, the real knowledge base loaded once."""

from __future__ import annotations

import dataclasses

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


@pytest.fixture
def make_assistant(kb, matcher, tmp_path):
    """Build an assistant on a fresh database; extra keyword arguments override settings."""
    opened: list[Storage] = []

    def factory(**overrides) -> Assistant:
        base = Settings(storage=StorageSettings(path=str(tmp_path / "spaser.db")), exports_dir=str(tmp_path / "exports"))
        settings = dataclasses.replace(base, **overrides)
        storage = Storage.open(settings.storage.path)
        opened.append(storage)
        return Assistant(Services(settings=settings, storage=storage, kb=kb, matcher=matcher))

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
