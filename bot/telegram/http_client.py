"""The HTTP client python-telegram-bot talks to the Bot API through, on aiohttp.

python-telegram-bot's default client (httpx) spends a few milliseconds of CPU
per call in its connection pool, which made the HTTP client the bottleneck of
the whole bot (about 150 updates/s on two cores). python-telegram-bot lets an
application supply its own `BaseRequest`; aiohttp's client does the same work
several times cheaper. Calls without a file go as a JSON body (a format the
Bot API documents): encoding a long text as a form costs more than the rest of the call.
"""

from __future__ import annotations

import asyncio
import json

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

JSON_HEADERS = {"Content-Type": "application/json"}


class AiohttpRequest(BaseRequest):
    """One aiohttp session with a bounded pool of keep-alive connections."""

    def __init__(
        self,
        connection_pool_size: int = 8,
        read_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 30.0,
        media_timeout: float | None = 20.0,
    ):
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_timeout = media_timeout
        self._session: aiohttp.ClientSession | None = None
        # The last response's body as received: a batch of updates is kept as it came (bot.telegram.confirming).
        self.last_body: bytes | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout=BaseRequest.DEFAULT_NONE,
        write_timeout=BaseRequest.DEFAULT_NONE,
        connect_timeout=BaseRequest.DEFAULT_NONE,
        pool_timeout=BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        files = request_data.multipart_data if request_data and request_data.contains_files else None
        fields = request_data.json_parameters if files else None
        read = self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        write = self._media_timeout if files else None
        if not isinstance(write_timeout, DefaultValue) and write_timeout is not None:
            write = write_timeout
        connect = self._connect_timeout if isinstance(connect_timeout, DefaultValue) else connect_timeout
        pool = self._pool_timeout if isinstance(pool_timeout, DefaultValue) else pool_timeout
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=None if pool is None or connect is None else pool + connect,
            sock_connect=connect,
            sock_read=None if read is None else read + (write or 0),
        )
        headers = None
        if files:
            body: aiohttp.FormData | bytes | None = aiohttp.FormData()
            for name, value in (fields or {}).items():
                body.add_field(name, value)
            for name, part in files.items():
                filename, content, *rest = part
                body.add_field(name, content, filename=filename, content_type=rest[0] if rest else None)
        elif request_data is not None:
            body = json.dumps(request_data.parameters, ensure_ascii=False).encode()
            headers = JSON_HEADERS
        else:
            body = None
        try:
            async with self._session.request(method, url, data=body, headers=headers, timeout=timeout) as response:
                self.last_body = await response.read()
                return response.status, self.last_body
        except asyncio.TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{exc.__class__.__name__}: {exc}") from exc
