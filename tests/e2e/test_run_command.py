"""`spaser-bot run` as a process: token problems are clear errors, never a traceback."""

from __future__ import annotations

import asyncio
import contextlib
import sys

from tests.support.cli import BotProcess, bot_environment


async def run_cli(*args, cwd, env_extra=None, timeout=30):
    env = bot_environment(**(env_extra or {}))
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", *args, cwd=cwd, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout)
    return proc.returncode, out.decode(), err.decode()


@contextlib.asynccontextmanager
async def webhook_bot(fake, tmp_path, url: str, port: int, extra: str, stderr=asyncio.subprocess.DEVNULL):
    """`spaser-bot run` in webhook mode against the fake server, interrupted (Ctrl-C) at the end."""
    config = tmp_path / "config.yaml"
    config.write_text(
        f"telegram:\n  base_url: {fake.base_url}\n  webhook:\n    url: {url}\n    listen: 127.0.0.1\n"
        f"    port: {port}\n{extra}",
        encoding="utf-8",
    )
    env = bot_environment(fake.token)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "run", "--config", str(config), cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=stderr,
    )
    try:
        yield proc
    finally:
        proc.send_signal(2)
        await asyncio.wait_for(proc.wait(), 20)


async def first_post(session, url: str, update: dict, headers: dict | None = None):
    """The first post to the webhook: its web server starts just after setWebhook."""
    import aiohttp

    for _ in range(50):
        try:
            return await session.post(url, json=update, headers=headers)
        except aiohttp.ClientConnectionError:
            await asyncio.sleep(0.1)
    raise TimeoutError("the webhook's web server did not start")


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


async def test_webhook_mode_registers_the_hook_and_answers_posted_updates(fake, tmp_path, unused_tcp_port):
    """With telegram.webhook set, the bot registers it and answers updates Telegram posts to it."""
    import aiohttp

    port = unused_tcp_port
    url = f"http://127.0.0.1:{port}/spaser-hook"
    async with webhook_bot(
        fake, tmp_path, url, port, f"    secret_token: s3cret-Token_1\nstorage:\n  path: {tmp_path / 'w.db'}\n"
    ):
        await fake.wait_for(lambda: fake.webhook is not None, timeout=20)
        assert fake.webhook == {"url": url, "secret_token": "s3cret-Token_1"}
        update = {
            "update_id": 1,
            "message": {
                "message_id": 1, "date": 0, "text": "combien de pages fait un spaser ?",
                "chat": {"id": 3003, "type": "private", "first_name": "Lou"},
                "from": {"id": 3003, "is_bot": False, "first_name": "Lou"},
            },
        }
        async with aiohttp.ClientSession() as session:
            wrong = await first_post(session, url, update, {"X-Telegram-Bot-Api-Secret-Token": "wrong"})
            assert wrong.status == 403  # a request without the secret is refused
            ok = await session.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-Token_1"})
            assert ok.status == 200
        [answer] = await fake.wait_for_messages(3003, 1, timeout=10)
        assert "trentaine de pages" in answer["text"]


async def test_webhook_without_a_configured_secret_gets_one_and_forged_chats_are_ignored(fake, tmp_path, unused_tcp_port):
    """No secret_token: one is generated and kept in the data folder; a post without it is refused;
    a private-chat update whose chat is not its sender is ignored."""
    import aiohttp

    port = unused_tcp_port
    url = f"http://127.0.0.1:{port}/hook"
    data = tmp_path / "data"
    async with webhook_bot(fake, tmp_path, url, port, f"storage:\n  path: {data / 'w.db'}\nadmins: [4444]\n",
                           stderr=asyncio.subprocess.PIPE) as proc:
        await fake.wait_for(lambda: fake.webhook is not None, timeout=20)
        secret = (data / "webhook-secret").read_text().strip()
        assert len(secret) >= 32 and fake.webhook["secret_token"] == secret
        assert (data / "webhook-secret").stat().st_mode & 0o077 == 0

        def update(update_id, chat_id, from_id, text):
            return {"update_id": update_id, "message": {
                "message_id": update_id, "date": 0, "text": text,
                "chat": {"id": chat_id, "type": "private", "first_name": "X"},
                "from": {"id": from_id, "is_bot": False, "first_name": "X"}}}

        async with aiohttp.ClientSession() as session:
            anonymous = await first_post(session, url, update(1, 4444, 4444, "/mesdonnees"))
            assert anonymous.status == 403
            headers = {"X-Telegram-Bot-Api-Secret-Token": secret}
            forged = await session.post(url, json=update(2, 6666, 4444, "/stats"), headers=headers)
            assert forged.status == 200
            fine = await session.post(url, json=update(3, 7777, 7777, "combien de pages fait un spaser ?"), headers=headers)
            assert fine.status == 200
        await fake.wait_for_messages(7777, 1, timeout=10)
        await asyncio.sleep(0.5)
        assert fake.sent_to(6666) == [] and fake.sent_to(4444) == []
    err = (await proc.stderr.read()).decode()
    assert "secret a été généré" in err and secret not in err


async def test_webhook_answers_telegram_once_the_update_is_applied(fake, tmp_path, unused_tcp_port):
    """Telegram sends an update again until its request is answered: answered before the update is applied,
    a crash meanwhile would lose it. A file still downloading keeps the request open."""
    import aiohttp

    from tests.support.workspace import HEADER

    port = unused_tcp_port
    url = f"http://127.0.0.1:{port}/hook"
    async with webhook_bot(fake, tmp_path, url, port, f"    secret_token: s3cret\nstorage:\n  path: {tmp_path / 'w.db'}\n"):
        await fake.wait_for(lambda: fake.webhook is not None, timeout=20)
        fake.downloads_open.clear()
        file_id = "doc1"
        fake.files[file_id] = (HEADER + ";Élu·e;Mairie;;;Consultation;Autre;Social;\r\n").encode()
        update = {"update_id": 7, "message": {
            "message_id": 7, "date": 0, "chat": {"id": 5005, "type": "private", "first_name": "Lou"},
            "from": {"id": 5005, "is_bot": False, "first_name": "Lou"},
            "document": {"file_id": file_id, "file_unique_id": "u1", "file_name": "carto.csv",
                         "file_size": len(fake.files[file_id])}}}
        headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret"}
        async with aiohttp.ClientSession() as session:
            await first_post(session, url, {"update_id": 1}, headers)
            posted = asyncio.ensure_future(session.post(url, json=update, headers=headers))
            await fake.wait_for(lambda: fake.downloads_started >= 1, timeout=10)
            await asyncio.sleep(1.0)
            assert not posted.done()  # the file is not read yet: Telegram would send it again
            fake.downloads_open.set()
            response = await asyncio.wait_for(posted, 10)
            assert response.status == 200
        [preview] = await fake.wait_for_messages(5005, 1, timeout=10)
        assert "1 ligne à ajouter" in preview["text"]


async def test_start_up_failures_are_french_sentences_without_traceback_or_token(tmp_path):
    secret = "123456:VERY-SECRET-TOKEN"
    unreachable = tmp_path / "unreachable.yaml"
    unreachable.write_text(f'telegram:\n  base_url: "http://127.0.0.1:1/"\nstorage:\n  path: {tmp_path / "a.db"}\n')
    code, out, err = await run_cli("run", "--config", str(unreachable), cwd=tmp_path, env_extra={"SPASER_BOT_TOKEN": secret})
    assert code != 0 and "impossible de joindre l'API Telegram" in err and "telegram.base_url" in err
    assert "Traceback" not in out + err and "VERY-SECRET" not in out + err
    bad_scheme = tmp_path / "ftp.yaml"
    bad_scheme.write_text('telegram:\n  base_url: "ftp://127.0.0.1:1/"\n')
    code, out, err = await run_cli("run", "--config", str(bad_scheme), cwd=tmp_path, env_extra={"SPASER_BOT_TOKEN": secret})
    assert code == 2 and "telegram.base_url" in err and "Traceback" not in err and "VERY-SECRET" not in err
    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(b"not a database" + bytes(range(256)) * 20)
    config = tmp_path / "corrupt.yaml"
    config.write_text(f"storage:\n  path: {corrupt}\n")
    code, out, err = await run_cli("console", "--config", str(config), cwd=tmp_path)
    assert code == 1 and "storage.path" in err and "endommagée" in err and "Traceback" not in err


async def test_a_second_bot_on_the_same_database_stops_with_a_clear_message(fake, tmp_path):
    first = BotProcess(fake, tmp_path)
    await first.start()
    try:
        await fake.wait_for(lambda: any(c.method == "getUpdates" for c in fake.calls), timeout=20)
        code, _, err = await run_cli("run", "--config", str(first.config), cwd=tmp_path,
                                     env_extra={"SPASER_BOT_TOKEN": fake.token})
        assert code == 2 and "Un autre bot tourne déjà" in err and "Traceback" not in err
        await first.kill()  # the lock dies with the process, even on kill -9
        await first.start()  # the same bot again, now alone
        await asyncio.sleep(3)
        assert first.proc.returncode is None  # running
    finally:
        await first.stop()