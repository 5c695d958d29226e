"""Running `spaser-bot` as an operator would, in a subprocess."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path


ROOT = Path(__file__).resolve().parents[2]


def bot_environment(token: str | None = None, **extra: str) -> dict:
    """The environment `spaser-bot` runs in: this checkout's code, and no token nor crash point but those given.

    A token or a crash point left in the developer's own environment must not
    change what a test runs."""
    env = {k: v for k, v in os.environ.items() if k not in ("SPASER_BOT_TOKEN", "SPASER_CRASH_AT")}
    if token is not None:
        env["SPASER_BOT_TOKEN"] = token
    env.update(extra)
    env["PYTHONPATH"] = str(ROOT)
    return env


def fake_server_config(folder: Path, fake, database: Path, extra: str = "", name: str = "config.yaml") -> Path:
    """A configuration that points `spaser-bot run` at the fake Bot API server; `extra` is more YAML."""
    config = folder / name
    config.write_text(f"telegram:\n  base_url: {fake.base_url}\nstorage:\n  path: {database}\n{extra}", encoding="utf-8")
    return config


def spaser_bot(*args, stdin: str = "", cwd: Path, env_extra: dict | None = None, timeout: float = 60):
    env = bot_environment(**(env_extra or {}))
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=timeout,
    )


class BotProcess:
    """`spaser-bot run` against the fake Bot API server, on one database kept across restarts.

    `logs`: each start writes its output to `bot-N.log` in the folder (otherwise it is dropped)."""

    def __init__(self, fake, folder: Path, logs: bool = False, extra_config: str = ""):
        self.fake = fake
        self.folder = folder
        self.db = folder / "bot.db"
        self.config = fake_server_config(folder, fake, self.db, extra_config)
        self.logs = logs
        self.starts = 0
        self.proc = None

    async def start(self, crash_at: str | None = None):
        env = bot_environment(self.fake.token, **({"SPASER_CRASH_AT": crash_at} if crash_at else {}))
        self.starts += 1
        output = open(self.folder / f"bot-{self.starts}.log", "wb") if self.logs else subprocess.DEVNULL
        try:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot.cli", "run", "--config", str(self.config), cwd=self.folder, env=env,
                stdout=output, stderr=output)
        finally:
            if self.logs:
                output.close()  # the child keeps its own copy

    async def crashed(self) -> int:
        return await asyncio.wait_for(self.proc.wait(), 20)

    async def kill(self):
        """kill -9: nothing is finished, nothing is saved."""
        self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()

    async def stop(self):
        if self.proc is not None and self.proc.returncode is None:
            self.proc.terminate()
            await self.proc.wait()
