"""The fake Bot API server rejects what Telegram rejects."""

from __future__ import annotations

import json

import aiohttp
import pytest


async def call(fake, method, token=None, **params):
    data = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{fake.base_url}/bot{token or fake.token}/{method}", data=data) as resp:
            return resp.status, await resp.json()


async def test_valid_message_is_accepted(fake):
    status, body = await call(fake, "sendMessage", chat_id=1, text="<b>ok</b> &amp; bien", parse_mode="HTML")
    assert status == 200 and body["result"]["text"] == "ok & bien"


async def test_wrong_token_is_unauthorized(fake):
    status, _ = await call(fake, "getMe", token="1:WRONG")
    assert status == 401


@pytest.mark.parametrize(
    "text, parse_mode, expected",
    [
        ("x" * 4097, None, "too long"),
        ("é" * 4000 + "<b>" + "y" * 200 + "</b>", "HTML", "too long"),
        ("<b>non fermé", "HTML", "can't parse entities"),
        ("a & b", "HTML", "can't parse entities"),
        ("<script>x</script>", "HTML", "can't parse entities"),
        ("<b><i>x</b></i>", "HTML", "can't parse entities"),
        ("   ", None, "non-empty"),
    ],
)
async def test_bad_texts_are_rejected(fake, text, parse_mode, expected):
    params = {"chat_id": 1, "text": text}
    if parse_mode:
        params["parse_mode"] = parse_mode
    status, body = await call(fake, "sendMessage", **params)
    assert status == 400 and expected in body["description"]
    assert fake.rejected


async def test_utf16_length_counts_emoji_as_two(fake):
    status, _ = await call(fake, "sendMessage", chat_id=1, text="🙂" * 2049)
    assert status == 400


@pytest.mark.parametrize("data", ["", "x" * 65, "é" * 33])
async def test_callback_data_outside_1_to_64_bytes_is_rejected(fake, data):
    markup = {"inline_keyboard": [[{"text": "b", "callback_data": data}]]}
    status, body = await call(fake, "sendMessage", chat_id=1, text="t", reply_markup=markup)
    assert status == 400 and "BUTTON_DATA_INVALID" in body["description"]


async def test_identical_edit_is_not_modified(fake):
    _, body = await call(fake, "sendMessage", chat_id=1, text="même texte")
    message_id = body["result"]["message_id"]
    status, body = await call(fake, "editMessageText", chat_id=1, message_id=message_id, text="même texte")
    assert status == 400 and "message is not modified" in body["description"]
    status, _ = await call(fake, "editMessageText", chat_id=1, message_id=message_id, text="autre texte")
    assert status == 200


async def test_blocked_chat_gets_403(fake):
    fake.blocked.add(7)
    status, body = await call(fake, "sendMessage", chat_id=7, text="bonjour")
    assert status == 403 and "blocked" in body["description"]


async def test_flood_control_answers_429_with_retry_after(fake):
    fake.flood_control = True
    statuses = [(await call(fake, "sendMessage", chat_id=n, text="x"))[0] for n in range(31)]
    assert statuses[:30] == [200] * 30
    status, body = await call(fake, "sendMessage", chat_id=99, text="x")
    assert status == 429 and body["parameters"]["retry_after"] >= 1


async def test_invalid_command_menu_is_rejected(fake):
    status, _ = await call(fake, "setMyCommands", commands=[{"command": "Aide!", "description": "x"}])
    assert status == 400


async def test_get_updates_keeps_updates_until_confirmed(fake):
    first = fake.push_message(5, "un")
    fake.push_message(5, "deux")
    _, body = await call(fake, "getUpdates", offset=0)
    assert [u["update_id"] for u in body["result"]] == [first, first + 1]
    _, body = await call(fake, "getUpdates", offset=0)
    assert len(body["result"]) == 2  # not confirmed yet
    _, body = await call(fake, "getUpdates", offset=first + 1)
    assert [u["update_id"] for u in body["result"]] == [first + 1]
