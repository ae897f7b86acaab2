"""A TCP proxy in front of the test Redis that a test can switch off, or make go silent.

Start-up refuses a Redis it cannot reach, so store faults must begin after start-up: the bot is
pointed at the proxy, which passes traffic through until the test calls `silence()` (connections
stay open and requests are swallowed: a Redis that hangs) or `cut()` (every connection is closed
and new ones are closed at once: a Redis that is down), and `forward()` again to recover.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
from collections.abc import AsyncIterator
from urllib.parse import urlsplit, urlunsplit

CHUNK = 65536


class Mode(enum.Enum):
    FORWARD = "forward"
    SILENT = "silent"
    CUT = "cut"


class RedisProxy:
    """Relay 127.0.0.1:<port> to a real Redis; `url` is the Redis URL to give the bot."""

    def __init__(self, upstream_url: str) -> None:
        self._upstream = urlsplit(upstream_url)
        self.mode = Mode.FORWARD
        self._server: asyncio.Server | None = None
        self._links: set[asyncio.Task[None]] = set()
        self.url = ""

    async def start(self) -> str:
        """Listen on a free port of 127.0.0.1 and return the Redis URL that reaches it."""
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        netloc = self._upstream.netloc.rsplit("@", 1)
        host = f"127.0.0.1:{port}"
        self.url = urlunsplit(
            self._upstream._replace(netloc=f"{netloc[0]}@{host}" if len(netloc) == 2 else host)
        )
        return self.url

    async def close(self) -> None:
        """Stop listening and drop every connection."""
        if self._server is not None:
            self._server.close()
        for link in list(self._links):
            link.cancel()
        await asyncio.gather(*self._links, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    def forward(self) -> None:
        """Pass traffic through again; a connection whose requests were swallowed stays out of
        step, which clients notice when they time out and drop it."""
        self.mode = Mode.FORWARD

    def silence(self) -> None:
        """Keep connections open but answer nothing: requests hang until the client gives up."""
        self.mode = Mode.SILENT

    def cut(self) -> None:
        """Close every connection, and each new one as soon as it is accepted."""
        self.mode = Mode.CUT
        for link in list(self._links):
            link.cancel()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._links.add(task)
        upstream: asyncio.StreamWriter | None = None
        pumps: list[asyncio.Task[None]] = []
        try:
            if self.mode is Mode.CUT:
                return
            host, port = self._upstream.hostname or "127.0.0.1", self._upstream.port or 6379
            from_redis, upstream = await asyncio.open_connection(host, port)
            pumps = [
                asyncio.create_task(self._pump(reader, upstream)),
                asyncio.create_task(self._pump(from_redis, writer)),
            ]
            await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            pass  # the test cut the link: close both ends below
        finally:
            self._links.discard(task)
            for pump in pumps:
                pump.cancel()
            await asyncio.gather(*pumps, return_exceptions=True)
            for end in (writer, upstream):
                if end is not None:
                    end.close()

    async def _pump(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        """Copy bytes until EOF; drop them unless forwarding (a hung Redis reads, never answers)."""
        with contextlib.suppress(OSError):  # either side went away: the link ends
            while data := await source.read(CHUNK):
                if self.mode is Mode.FORWARD:
                    sink.write(data)
                    await sink.drain()


@contextlib.asynccontextmanager
async def redis_proxy(upstream_url: str) -> AsyncIterator[RedisProxy]:
    """Run a RedisProxy in front of `upstream_url` for the block."""
    proxy = RedisProxy(upstream_url)
    await proxy.start()
    try:
        yield proxy
    finally:
        await proxy.close()
