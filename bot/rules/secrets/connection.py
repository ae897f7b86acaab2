"""Passwords inside `Key=value;` connection strings (ADO.NET, ODBC, JDBC), in any file type.

The same judgement as the database-url detector: a password for a local host, a conventional
development password, the user name repeated or a placeholder is left alone. A password pair
counts as part of a connection string when it is delimited like one (`;Password=…`, `&password=`,
`Pwd=…;`) and the line names another connection key (`Server=`, `User Id=`, `jdbc:`…).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from bot.rules.model import Severity
from bot.rules.redact import redact
from bot.rules.secrets.detectors import DEV_PASSWORDS, LOCAL_HOSTS, Hit
from bot.rules.secrets.values import GENERIC_WORDS, placeholder

MIN_LENGTH = 3  # as the database-url detector
# SQL Server's names for the local machine.
LOCAL_SERVERS = frozenset({".", "(local)", "(localdb)"})

_PASSWORD = re.compile(
    r"(?i)(?:password|pwd)[ \t]*=[ \t]*(?P<value>\{[^}\n]{1,128}\}|[^;&\"'\s<>]{1,128})(?P<end>;?)"
)
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
_KEYS = (
    r"server|data[ \t]?source|host|hostname|address|addr|network[ \t]?address|database"
    r"|initial[ \t]?catalog|uid|user[ \t]?id|userid|user|username|dsn|driver"
)
_CONTEXT = re.compile(rf"(?i)(?:^|[;&?\"'\s])(?:{_KEYS})[ \t]*=|\bjdbc:")
_HOST = re.compile(
    r"(?i)(?:^|[;&?\"'\s])(?:server|data[ \t]?source|host|hostname|address|addr"
    r"|network[ \t]?address)[ \t]*=[ \t]*(?P<host>[^;&\"'\s]+)"
    r"|\bjdbc:[a-z0-9]+:(?://)?(?P<url_host>[^/;:?\"'\s,]+)"
)
_USER = re.compile(
    r"(?i)(?:^|[;&?\"'\s])(?:uid|user[ \t]?id|userid|user|username)[ \t]*=[ \t]*"
    r"(?P<user>[^;&\"'\s]+)"
)


@dataclass(frozen=True)
class Password:
    """A connection-string password: its span, and the hit when it is worth reporting."""

    span: tuple[int, int]
    hit: Hit | None


def passwords(text: str, example: bool) -> Iterator[Password]:
    """Yield the password of every connection string on one line; in tests, fixtures and docs,
    where connection strings are mostly samples, a reported one is a notice.
    """
    context: bool | None = None
    for match in _PASSWORD.finditer(text):
        start = match.start()
        if start and text[start - 1] in _NAME_CHARS:
            continue  # part of a longer name (`DB_PASSWORD=`)
        lead = text[:start].rstrip(" \t")[-1:]
        if lead in ("?", "&") and "jdbc:" not in text.lower():
            continue  # an HTTP query string, not a database's
        if lead not in (";", "?", "&") and not match["end"]:
            continue  # a lone `password=x`: an ordinary assignment, judged as one
        if context is None:
            context = _CONTEXT.search(text) is not None
        if not context:
            return
        span = match.span("value")
        value = match["value"]
        if value.startswith("{") and value.endswith("}"):
            value = value[1:-1]  # ODBC quotes values with braces
        yield Password(span, _hit(text, value, span, example))


def _hit(text: str, value: str, span: tuple[int, int], example: bool) -> Hit | None:
    lowered = value.lower()
    user = _USER.search(text)
    if (
        len(value) < MIN_LENGTH
        or placeholder(value)
        or lowered in DEV_PASSWORDS
        or any(word in lowered for word in GENERIC_WORDS)
        or (user is not None and user["user"].lower() == lowered)
        or _local(text)
    ):
        return None
    return Hit(
        "database-url",
        "a database password in a connection string",
        value,
        redact(value),
        Severity.NOTICE if example else Severity.WARNING,
        "change the database user's password",
        span,
    )


def _local(text: str) -> bool:
    """Tell whether the connection string names a local server (`localhost,1433`, `.\\SQLEXPRESS`,
    `tcp:127.0.0.1`, `(localdb)\\MSSQLLocalDB`)."""
    match = _HOST.search(text)
    if match is None:
        return False
    host = (match["host"] or match["url_host"]).lower().removeprefix("tcp:")
    if host in LOCAL_HOSTS:
        return True
    host = re.split(r"[,\\:]", host, maxsplit=1)[0]
    return host in LOCAL_HOSTS or host in LOCAL_SERVERS
