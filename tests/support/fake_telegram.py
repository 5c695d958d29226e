"""A fake Telegram Bot API server on loopback, strict where Telegram is strict.

It serves what the bot calls, keeps every call, and rejects what Telegram
rejects: texts over 4,096 characters (after entity parsing), malformed HTML,
callback data outside 1–64 bytes, an edit with identical content, more than
30 messages per second when flood control is on, and any call to a chat
marked blocked. Tests play users by pushing updates and read what was sent.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
import time
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser

from aiohttp import web

ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "span", "tg-spoiler", "blockquote", "tg-emoji"}
ENTITY = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")
KNOWN_ENTITIES = {"lt", "gt", "amp", "quot"}
INT_FIELDS = {"chat_id", "message_id", "offset", "limit", "timeout", "cache_time", "reply_to_message_id"}
JSON_FIELDS = {"reply_markup", "commands", "allowed_updates", "scope", "entities", "show_alert", "link_preview_options", "disable_notification", "reply_parameters"}


class HTMLCheck(HTMLParser):
    """Parse Telegram HTML the way the server does: known tags, balanced, valid entities."""

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.error: str | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED_TAGS:
            self.error = self.error or f"unsupported start tag \"{tag}\""
        self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.error = self.error or f"unexpected end tag \"{tag}\""
        else:
            self.stack.pop()

    def handle_data(self, data):
        if "<" in data or ">" in data:
            self.error = self.error or "unescaped angle bracket"
        if re.search(r"&(?!(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);)", data):
            self.error = self.error or "unescaped ampersand"
        self.text.append(data)

    def handle_entityref(self, name):
        if name not in KNOWN_ENTITIES:
            self.error = self.error or f"unsupported entity &{name};"
        self.text.append(html.unescape(f"&{name};"))

    def handle_charref(self, name):
        self.text.append(html.unescape(f"&#{name};"))


def parse_html(text: str) -> tuple[str | None, str]:
    """Return (error, plain text) for a Telegram-HTML message."""
    if re.search(r"&(?!(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);)", text):
        return "Can't find end of the entity starting at an ampersand", text
    checker = HTMLCheck()
    try:
        checker.feed(text)
        checker.close()
    except Exception as exc:  # pragma: no cover - HTMLParser is lenient
        return str(exc), text
    if checker.error is None and checker.stack:
        checker.error = f"can't find end tag corresponding to start tag \"{checker.stack[-1]}\""
    return checker.error, "".join(checker.text)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class Call:
    method: str
    params: dict
    ok: bool
    error: str | None = None
    at: float = field(default_factory=time.monotonic)


class FakeTelegram:
    """State of the fake server: updates to deliver, messages sent, calls made."""

    def __init__(self, token: str = "123456:TEST-TOKEN", username: str = "spaser_test_bot"):
        self.token = token
        self.username = username
        self.bot_id = int(token.split(":")[0])
        self.calls: list[Call] = []
        self.updates: list[dict] = []
        self.history: dict[int, dict] = {}  # every update ever pushed, to offer one again
        self.next_update_id = 1
        self.next_message_id: dict[int, int] = {}
        self.messages: dict[tuple[int, int], dict] = {}
        self.sent: list[dict] = []
        self.blocked: set[int] = set()
        self.flood_control = False
        self.flood_limit = 30
        self.chat_flood_limit: int | None = None  # messages per chat and per second before a 429
        self._chat_sends: dict[int, deque] = {}
        self.chat_429 = 0
        self._recent_sends: deque[float] = deque()
        self._new_update = asyncio.Event()
        self._sent_event = asyncio.Event()
        self.commands: list[dict] = []
        self.files: dict[str, bytes] = {}  # what users sent, by file_id
        self.announced_sizes: dict[str, int] = {}  # the size each sent file claims to have
        self.webhook: dict | None = None
        # Cleared: a file's download waits until it is set again (a slow network, for a kill meanwhile).
        self.downloads_open = asyncio.Event()
        self.downloads_open.set()
        self.downloads_started = 0
        self.uploads: dict[str, tuple[str, bytes]] = {}  # documents the bot sent, by the file_id returned
        self.contents: dict[tuple[int, int], bytes] = {}  # the bytes of each document message sent
        self.listeners: list = []  # callables told of every message sent, for benchmarks
        self.runner: web.AppRunner | None = None
        self.port: int | None = None

    # -- server lifecycle ---------------------------------------------------------

    async def start(self) -> str:
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._dispatch)
        app.router.add_get("/file/bot{token}/documents/{file_id}", self._download)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        return self.base_url

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    # -- what tests read ----------------------------------------------------------

    @property
    def rejected(self) -> list[Call]:
        return [c for c in self.calls if not c.ok]

    def content(self, msg: dict) -> bytes:
        """The file of a document message the bot sent."""
        return self.contents[(msg["chat"]["id"], msg["message_id"])]

    def sent_to(self, chat_id: int) -> list[dict]:
        return [m for m in self.sent if m["chat"]["id"] == chat_id]

    async def wait_for(self, predicate, timeout: float = 5.0):
        """Wait until predicate() is truthy; return its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("the bot did not send what was expected")
            self._sent_event.clear()
            try:
                await asyncio.wait_for(self._sent_event.wait(), timeout=min(remaining, 0.2))
            except asyncio.TimeoutError:
                pass

    async def wait_for_messages(self, chat_id: int, count: int, timeout: float = 5.0) -> list[dict]:
        return await self.wait_for(lambda: len(self.sent_to(chat_id)) >= count and self.sent_to(chat_id), timeout)

    # -- what tests do, as users --------------------------------------------------

    def _user(self, user_id: int, first_name: str = "Camille") -> dict:
        return {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "fr"}

    def _chat(self, chat_id: int, chat_type: str, user: dict) -> dict:
        if chat_type == "private":
            return {"id": chat_id, "type": "private", "first_name": user["first_name"]}
        return {"id": chat_id, "type": chat_type, "title": "Groupe acheteurs"}

    def push_update(self, update: dict) -> int:
        update["update_id"] = self.next_update_id
        self.next_update_id += 1
        self.updates.append(update)
        self.history[update["update_id"]] = update
        self._new_update.set()
        return update["update_id"]

    def offer_again(self, update_id: int) -> None:
        """Telegram offers an update again when its confirmation did not reach it (a crash)."""
        if all(u["update_id"] != update_id for u in self.updates):  # still unconfirmed: offered anyway
            self.updates.append(self.history[update_id])
        self.updates.sort(key=lambda u: u["update_id"])
        self._new_update.set()

    def forget(self, update_id: int) -> None:
        """Telegram no longer offers the update: a getUpdates call confirmed it before the crash."""
        self.updates = [u for u in self.updates if u["update_id"] != update_id]

    def unconfirmed(self, update_id: int) -> bool:
        return any(u["update_id"] == update_id for u in self.updates)

    def push_message(self, user_id: int, text: str | None = None, *, chat_id: int | None = None,
                     chat_type: str = "private", first_name: str = "Camille", **content) -> int:
        user = self._user(user_id, first_name)
        chat_id = chat_id if chat_id is not None else user_id
        msg = {
            "message_id": self._new_message_id(chat_id),
            "date": int(time.time()),
            "chat": self._chat(chat_id, chat_type, user),
            "from": user,
        }
        if text is not None:
            msg["text"] = text
            entities = []
            if text.startswith("/"):
                length = len(text.split()[0])
                entities.append({"type": "bot_command", "offset": 0, "length": utf16_len(text[:length])})
            for m in re.finditer(r"@\w+", text):
                entities.append({"type": "mention", "offset": utf16_len(text[: m.start()]), "length": utf16_len(m.group())})
            if entities:
                msg["entities"] = entities
        msg.update(content)
        return self.push_update({"message": msg})

    def push_document(self, user_id: int, filename: str, content: bytes, file_size: int | None = None) -> int:
        """A person sends a file; the bot fetches it with getFile and a download.

        `file_size` announces another size than the content's (a 30 MB file
        without making one): the bot must refuse it before downloading.
        """
        file_id = f"doc{len(self.files) + 1}"
        self.files[file_id] = content
        self.announced_sizes[file_id] = file_size if file_size is not None else len(content)
        document = {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_name": filename,
                    "file_size": self.announced_sizes[file_id]}
        return self.push_message(user_id, document=document)

    async def _download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token or request.match_info["file_id"] not in self.files:
            return web.Response(status=404)
        self.downloads_started += 1
        await self.downloads_open.wait()
        return web.Response(body=self.files[request.match_info["file_id"]])

    def push_edit(self, user_id: int, text: str) -> int:
        user = self._user(user_id)
        msg = {
            "message_id": self._new_message_id(user_id),
            "date": int(time.time()),
            "edit_date": int(time.time()),
            "chat": self._chat(user_id, "private", user),
            "from": user,
            "text": text,
        }
        return self.push_update({"edited_message": msg})

    def press(self, user_id: int, bot_message: dict, data: str) -> int:
        user = self._user(user_id)
        return self.push_update(
            {
                "callback_query": {
                    "id": f"cb{self.next_update_id}",
                    "from": user,
                    "message": bot_message,
                    "chat_instance": str(bot_message["chat"]["id"]),
                    "data": data,
                }
            }
        )

    def _new_message_id(self, chat_id: int) -> int:
        self.next_message_id[chat_id] = self.next_message_id.get(chat_id, 0) + 1
        return self.next_message_id[chat_id]

    # -- the Bot API ----------------------------------------------------------------

    async def _dispatch(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self._error(request.match_info["method"], {}, 401, "Unauthorized")
        method = request.match_info["method"]
        params = await self._params(request)
        handler = getattr(self, f"api_{method}", None)
        if handler is None:
            return self._error(method, params, 404, "Not Found: method not found")
        chat_id = params.get("chat_id")
        if isinstance(chat_id, int) and chat_id in self.blocked:
            return self._error(method, params, 403, "Forbidden: bot was blocked by the user")
        try:
            result = await handler(params)
        except ApiError as exc:
            return self._error(method, params, exc.code, exc.description, exc.parameters)
        self.calls.append(Call(method, params, True))
        return web.json_response({"ok": True, "result": result})

    async def _params(self, request: web.Request) -> dict:
        if request.content_type == "application/json":
            return await request.json()
        form = await request.post() if request.can_read_body else {}
        params = dict(request.query)
        for key, value in form.items():
            if hasattr(value, "file"):
                content = value.file.read()
                params[key] = {"filename": value.filename, "size": len(content), "content": content}
                continue
            if key in INT_FIELDS:
                try:
                    value = int(value)
                except ValueError:
                    pass
            elif key in JSON_FIELDS:
                value = json.loads(value)
            params[key] = value
        return params

    def _error(self, method, params, code, description, parameters=None) -> web.Response:
        self.calls.append(Call(method, params, False, f"{code} {description}"))
        body = {"ok": False, "error_code": code, "description": description}
        if parameters:
            body["parameters"] = parameters
        return web.json_response(body, status=code)

    def _bot_user(self) -> dict:
        return {"id": self.bot_id, "is_bot": True, "first_name": "Assistant SPASER", "username": self.username,
                "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}

    async def api_getMe(self, params):
        return self._bot_user()

    async def api_deleteWebhook(self, params):
        self.webhook = None
        return True

    async def api_setWebhook(self, params):
        url = params.get("url") or ""
        if not url.startswith("https://") and not url.startswith("http://127.0.0.1"):
            raise ApiError(400, "Bad Request: bad webhook: HTTPS url must be provided for webhook")
        self.webhook = {"url": url, "secret_token": params.get("secret_token")}
        return True

    async def api_getWebhookInfo(self, params):
        return {"url": "", "has_custom_certificate": False, "pending_update_count": len(self.updates)}

    async def api_close(self, params):
        return True

    async def api_logOut(self, params):
        return True

    async def api_getUpdates(self, params):
        offset = params.get("offset") or 0
        if offset:
            # Telegram's semantics: asking from `offset` confirms every earlier update.
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        limit = params.get("limit") or 100
        timeout = min(float(params.get("timeout") or 0), 0.5)
        if not self.updates and timeout > 0:
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), timeout=timeout)
            except asyncio.TimeoutError:
                pass
        return self.updates[:limit]

    def _check_flood(self, chat_id=None):
        if self.chat_flood_limit and chat_id is not None:
            # Telegram's per-chat limit: short bursts, then 429 with a pause to wait out.
            recent = self._chat_sends.setdefault(int(chat_id), deque())
            now = time.monotonic()
            while recent and now - recent[0] > 1.0:
                recent.popleft()
            if len(recent) >= self.chat_flood_limit:
                self.chat_429 += 1
                raise ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})
            recent.append(now)
        if not self.flood_control:
            return
        now = time.monotonic()
        while self._recent_sends and now - self._recent_sends[0] > 1.0:
            self._recent_sends.popleft()
        if len(self._recent_sends) >= self.flood_limit:
            retry = 1
            raise ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})
        self._recent_sends.append(now)

    def _check_text(self, text, parse_mode, limit=4096, field_name="text"):
        if not isinstance(text, str) or not text.strip():
            raise ApiError(400, f"Bad Request: {field_name} must be non-empty")
        plain = text
        if parse_mode == "HTML":
            error, plain = parse_html(text)
            if error:
                raise ApiError(400, f"Bad Request: can't parse entities: {error}")
        elif parse_mode is not None:
            raise ApiError(400, "Bad Request: unsupported parse_mode in this fake")
        if utf16_len(plain) > limit:
            raise ApiError(400, f"Bad Request: {'message' if field_name == 'text' else field_name} is too long")
        return plain

    def _check_markup(self, markup):
        if not markup:
            return
        rows = markup.get("inline_keyboard")
        if not isinstance(rows, list):
            raise ApiError(400, "Bad Request: inline keyboard expected")
        for row in rows:
            for button in row:
                if not button.get("text"):
                    raise ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode()) <= 64:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")

    def _store(self, chat_id, text, markup, extra=None) -> dict:
        message_id = self._new_message_id(chat_id)
        msg = {"message_id": message_id, "date": int(time.time()), "chat": {"id": chat_id, "type": "private"},
               "from": self._bot_user(), **(extra or {})}
        if text is not None:
            msg["text"] = text
        if markup:
            msg["reply_markup"] = markup
        self.messages[(chat_id, message_id)] = msg
        self.sent.append(msg)
        self._sent_event.set()
        for listener in self.listeners:
            listener(msg)
        return msg

    async def api_sendMessage(self, params):
        self._check_flood(params.get("chat_id"))
        plain = self._check_text(params.get("text"), params.get("parse_mode"))
        markup = params.get("reply_markup")
        self._check_markup(markup)
        msg = self._store(params["chat_id"], plain, markup, {"raw_text": params.get("text")})
        return {k: v for k, v in msg.items() if k != "raw_text"}

    def _check_media(self, params) -> None:
        """What every file-sending method checks first: flood control, a caption of 1024 characters, the keyboard."""
        self._check_flood(params.get("chat_id"))
        if params.get("caption"):
            self._check_text(params["caption"], params.get("parse_mode"), 1024, "caption")
        self._check_markup(params.get("reply_markup"))

    def _store_media(self, params, field: str, value, content: bytes) -> dict:
        """The message a file-sending method leaves: the file, its caption as shown, its bytes for the tests."""
        msg = self._store(params["chat_id"], None, params.get("reply_markup"), {field: value})
        if params.get("caption"):
            _, caption = parse_html(params["caption"]) if params.get("parse_mode") == "HTML" else (None, params["caption"])
            msg["caption"] = caption
        self.contents[(params["chat_id"], msg["message_id"])] = content
        return msg

    async def api_sendDocument(self, params):
        self._check_media(params)
        document = params.get("document")
        if isinstance(document, str):  # a file_id Telegram gave for an earlier upload
            if document not in self.uploads:
                raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
            name, content = self.uploads[document]
        elif isinstance(document, dict):
            name, content = document["filename"], document["content"]
        else:
            raise ApiError(400, "Bad Request: there is no document in the request")
        file_id = f"up{len(self.uploads) + 1}"
        self.uploads[file_id] = (name, content)
        return self._store_media(params, "document", {"file_id": file_id, "file_unique_id": f"u{file_id}",
                                                      "file_name": name, "file_size": len(content)}, content)

    async def api_sendPhoto(self, params):
        """A picture: JPEG or PNG, 10 MB at most, width + height ≤ 10 000, sides ratio ≤ 20 (Bot API limits)."""
        self._check_media(params)
        photo = params.get("photo")
        if not isinstance(photo, dict):
            raise ApiError(400, "Bad Request: there is no photo in the request")
        content = photo["content"]
        if len(content) > 10 * 1024 * 1024:
            raise ApiError(400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
        if content[:8] == b"\x89PNG\r\n\x1a\n":
            width, height = int.from_bytes(content[16:20], "big"), int.from_bytes(content[20:24], "big")
        elif content[:3] == b"\xff\xd8\xff":
            width = height = 1  # not parsed: the bot sends PNG
        else:
            raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
        if width + height > 10000 or max(width, height) > 20 * min(width, height):
            raise ApiError(400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
        file_id = f"ph{len(self.uploads) + 1}"
        self.uploads[file_id] = (photo["filename"], content)
        return self._store_media(params, "photo", [{"file_id": file_id, "file_unique_id": f"u{file_id}", "width": width,
                                                    "height": height, "file_size": len(content)}], content)

    async def api_getFile(self, params):
        file_id = params.get("file_id")
        if file_id not in self.files:
            raise ApiError(400, "Bad Request: invalid file_id")
        if self.announced_sizes.get(file_id, 0) > 20 * 1024 * 1024:  # bots download files of 20 MB at most
            raise ApiError(400, "Bad Request: file is too big")
        return {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_size": len(self.files[file_id]),
                "file_path": f"documents/{file_id}"}

    async def api_editMessageText(self, params):
        key = (params.get("chat_id"), params.get("message_id"))
        if key not in self.messages:
            raise ApiError(400, "Bad Request: message to edit not found")
        plain = self._check_text(params.get("text"), params.get("parse_mode"))
        markup = params.get("reply_markup")
        self._check_markup(markup)
        current = self.messages[key]
        if current.get("text") == plain and current.get("reply_markup") == markup:
            raise ApiError(400, "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
        current["text"] = plain
        current["reply_markup"] = markup
        return current

    async def api_editMessageReplyMarkup(self, params):
        key = (params.get("chat_id"), params.get("message_id"))
        if key not in self.messages:
            raise ApiError(400, "Bad Request: message to edit not found")
        markup = params.get("reply_markup")
        self._check_markup(markup)
        if self.messages[key].get("reply_markup") == markup:
            raise ApiError(400, "Bad Request: message is not modified")
        self.messages[key]["reply_markup"] = markup
        return self.messages[key]

    async def api_answerCallbackQuery(self, params):
        if not params.get("callback_query_id"):
            raise ApiError(400, "Bad Request: query id is required")
        if len(params.get("text") or "") > 200:
            raise ApiError(400, "Bad Request: text is too long")
        return True

    async def api_setMyCommands(self, params):
        commands = params.get("commands") or []
        if len(commands) > 100:
            raise ApiError(400, "Bad Request: too many commands")
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", command.get("command", "")):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(command.get("description", "")) <= 256:
                raise ApiError(400, "Bad Request: command description is invalid")
        self.commands = commands
        return True


class ApiError(Exception):
    def __init__(self, code: int, description: str, parameters: dict | None = None):
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters
