"""`spaser-bot run` as a process: token problems are clear errors, never a traceback."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


async def run_cli(*args, cwd, env_extra=None, timeout=30):
    env = {k: v for k, v in os.environ.items() if k != "SPASER_BOT_TOKEN"}
    env.update(env_extra or {})
    env["PYTHONPATH"] = str(ROOT)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", *args, cwd=cwd, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout)
    return proc.returncode, out.decode(), err.decode()


async def test_run_without_token_exits_non_zero_with_a_clear_message(tmp_path):
    code, _, err = await run_cli("run", cwd=tmp_path)
    assert code != 0
    assert "Aucun jeton Telegram" in err and "Traceback" not in err


async def test_rejected_token_exits_non_zero_and_is_never_logged(fake, tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(f"telegram:\n  base_url: {fake.base_url}\n", encoding="utf-8")
    secret = "999:NOT-THE-RIGHT-TOKEN"
    code, out, err = await run_cli("run", "--config", str(config), cwd=tmp_path, env_extra={"SPASER_BOT_TOKEN": secret})
    assert code != 0
    assert "refusé le jeton" in err
    assert secret not in out + err and "NOT-THE-RIGHT" not in out + err
