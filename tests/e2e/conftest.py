"""Run the real python-telegram-bot Application against the fake server."""

from __future__ import annotations

import dataclasses

import pytest

from bot.config import Settings, StorageSettings, TelegramSettings
from bot.core_access import CoreAccess
from bot.router import Assistant
from bot.runtime import open_services
from bot.telegram.app import build_application
from tests.support.fake_telegram import FakeTelegram


@pytest.fixture
async def fake():
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()


class RunningBot:
    def __init__(self, fake: FakeTelegram, settings: Settings):
        self.fake = fake
        self.settings = settings
        self.application = None
        self.assistant = None

    async def start(self):
        self.core = CoreAccess()
        services = self.core.call(open_services, self.settings)
        self.assistant = self.core.call(Assistant, services)
        self.application, _ = build_application(self.core, self.assistant, self.fake.token)
        await self.application.initialize()
        await self.application.post_init(self.application)
        await self.application.start()
        await self.application.updater.start_polling(poll_interval=0, timeout=1, allowed_updates=["message", "edited_message", "callback_query"])
        return self

    async def stop(self):
        if self.application is None:
            return
        await self.application.updater.stop()
        await self.application.stop()
        await self.application.post_stop(self.application)
        await self.application.shutdown()
        self.core.call(self.assistant.services.storage.close)
        self.application = None


@pytest.fixture
async def start_bot(fake, tmp_path):
    """Start a bot on the fake server; settings overrides as keyword arguments."""
    running: list[RunningBot] = []

    async def factory(**overrides) -> RunningBot:
        base = Settings(
            telegram=TelegramSettings(base_url=fake.base_url),
            storage=StorageSettings(path=str(tmp_path / "bot.db")),
            exports_dir=str(tmp_path / "exports"),
        )
        bot = RunningBot(fake, dataclasses.replace(base, **overrides))
        running.append(bot)
        return await bot.start()

    yield factory
    for bot in running:
        await bot.stop()


@pytest.fixture(scope="session")
def homeserver(tmp_path_factory):
    from tests.support.synapse import Homeserver, unavailable

    reason = unavailable()
    if reason is not None:
        pytest.skip(reason)
    server = Homeserver(tmp_path_factory.mktemp("synapse"))
    try:
        server.start()
    except Exception as exc:  # a machine where it cannot run: say why rather than fail everything
        server.stop()
        pytest.skip(f"Synapse n'a pas pu démarrer : {exc}")
    yield server
    server.stop()


@pytest.fixture
async def tchap(homeserver, tmp_path):
    from tests.support.tchap import Tchap

    made: list = []

    async def make(allowed_domains=(), start=True, animator=False, telegram=None):
        session = Tchap(homeserver, tmp_path / f"t{len(made)}", allowed_domains, animator, telegram)
        made.append(session)
        if start:
            session.start()
        await session.agent.login()
        return session

    yield make
    for session in made:
        await session.agent.close()
        session.stop()


