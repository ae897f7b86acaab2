"""Serve the app until SIGTERM or SIGINT; log where it listens, its version, and why it stops.

The socket is bound before the app starts, so a port in use is a setting error (exit 2) rather
than a traceback after the job store was opened.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import signal
import socket

from aiohttp import web

from bot.access_log import AccessLog
from bot.app import create_app
from bot.errors import SettingError
from bot.settings import Settings
from bot.version import VERSION

log = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def listen(host: str, port: int) -> socket.socket:
    """Return a listening socket on `host`:`port` (port 0: any free one).

    Raises SettingError naming READINESS_PORT (in use, not allowed) or READINESS_HOST.
    """
    try:
        family = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM)[0][0]
        return socket.create_server((host, port), family=family)
    except socket.gaierror as exc:
        problem = f"not a name or address to listen on ({exc.strerror})"
        raise SettingError("READINESS_HOST", problem) from None
    except OSError as exc:
        in_port = exc.errno in (errno.EADDRINUSE, errno.EACCES)
        variable = "READINESS_PORT" if in_port else "READINESS_HOST"
        # os.strerror: the exception's own text names the address
        raise SettingError(
            variable, f"cannot listen there ({os.strerror(exc.errno or 0)})"
        ) from None


async def serve(settings: Settings, sock: socket.socket) -> None:
    """Run the app on `sock` until SIGTERM or SIGINT, then stop it gracefully.

    Raises SettingError when the app cannot start (the job store cannot be opened).
    """
    loop = asyncio.get_running_loop()
    stop: asyncio.Future[signal.Signals] = loop.create_future()
    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, _stop_once, stop, signum)
    try:
        app = await create_app(settings)
        runner = web.AppRunner(app, handle_signals=False, access_log_class=AccessLog)
        await runner.setup()
        try:
            await web.SockSite(runner, sock).start()
            host, port = sock.getsockname()[:2]
            log.info(
                "readiness %s listening on %s port %d",
                VERSION,
                host,
                port,
                extra={"version": VERSION, "host": host, "port": port},
            )
            received = await stop
            log.info(
                "readiness %s received %s: stopping",
                VERSION,
                received.name,
                extra={"version": VERSION, "signal": received.name},
            )
        finally:
            await runner.cleanup()
        log.info("readiness %s stopped", VERSION, extra={"version": VERSION})
    finally:
        for signum in STOP_SIGNALS:
            loop.remove_signal_handler(signum)


def _stop_once(stop: asyncio.Future[signal.Signals], signum: int) -> None:
    """Record the first stop signal; a second one while stopping changes nothing."""
    if not stop.done():
        stop.set_result(signal.Signals(signum))
