"""Open the job store the settings point at; a store that cannot work is a setting error."""

from __future__ import annotations

import logging
import sqlite3
import tempfile
from pathlib import Path

from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from bot.errors import SettingError
from bot.jobs.redis_store import CONNECT_TIMEOUT_S, RedisStore, redis_problem
from bot.jobs.sqlite_store import SqliteStore
from bot.jobs.store import JobStore, StoreNotFound
from bot.settings import StoreSettings

log = logging.getLogger(__name__)


async def open_store(settings: StoreSettings, *, create: bool = True) -> JobStore:
    """Open the Redis store when READINESS_REDIS_URL is set, else SQLite in READINESS_DATA_DIR.

    A server opens with `create` (making the data directory and the database); a reader such as
    `readiness jobs` opens with `create=False`, reads only a store a server made, and changes
    nothing. Raises SettingError naming the variable when the store cannot be opened.
    """
    if settings.redis_url is not None:
        store: JobStore = await _open_redis(
            settings.redis_url.get_secret_value(),
            settings.redis_prefix,
            create,
            settings.redis_lease,
        )
        log.info("job store: Redis")
    else:
        store = _open_sqlite(settings.database, create)
        log.info("job store: SQLite at %s", settings.database)
    return store


async def _open_redis(url: str, prefix: str, create: bool, lease_s: float) -> RedisStore:
    # Error texts are ours: a Redis URL may carry a password, so the variable's value is not shown.
    try:
        return await RedisStore.connect(url, prefix=prefix, create=create, lease_s=lease_s)
    except ValueError:
        problem = "not a Redis URL (redis://, rediss:// or unix://)"
        raise SettingError("READINESS_REDIS_URL", problem) from None
    except (TimeoutError, RedisTimeoutError):
        problem = f"Redis did not answer within {CONNECT_TIMEOUT_S:g} s"
        raise SettingError("READINESS_REDIS_URL", problem) from None
    except RedisError as exc:
        raise SettingError("READINESS_REDIS_URL", redis_problem(exc)) from None
    except StoreNotFound:
        problem = "no job store under this prefix in that Redis (a server has never used it)"
        raise SettingError("READINESS_REDIS_PREFIX", problem) from None


def _open_sqlite(path: Path, create: bool) -> SqliteStore:
    if not create:
        try:
            return SqliteStore(path, read_only=True)
        except StoreNotFound:
            problem = f"no job store there ({path.name} is missing); use the server's directory"
            raise SettingError("READINESS_DATA_DIR", problem) from None
        except sqlite3.Error as exc:
            problem = f"{path.name} there is not a job store ({exc})"
            raise SettingError("READINESS_DATA_DIR", problem) from None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write a file rather than ask os.access: root passes that check on a read-only mount.
        with tempfile.TemporaryFile(dir=path.parent):
            pass
    except FileExistsError:
        raise SettingError("READINESS_DATA_DIR", "a file, not a directory") from None
    except OSError as exc:
        problem = f"cannot write there ({exc.strerror})"
        raise SettingError("READINESS_DATA_DIR", problem) from None
    try:
        return SqliteStore(path)
    except sqlite3.Error as exc:
        problem = f"cannot open {path.name} there ({exc})"
        raise SettingError("READINESS_DATA_DIR", problem) from None
