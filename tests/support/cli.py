"""Running `spaser-bot` as an operator would, in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


ROOT = Path(__file__).resolve().parents[2]


def spaser_bot(*args, stdin: str = "", cwd: Path, env_extra: dict | None = None, timeout: float = 60):
    env = {k: v for k, v in os.environ.items() if k != "SPASER_BOT_TOKEN"}
    env.update(env_extra or {})
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=timeout,
    )
