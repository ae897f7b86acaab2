"""The only reader of environment variables: READINESS_* settings, validated once at start-up.

`StoreSettings` is where the job store lives (all `readiness jobs` needs); `Settings` adds what
the server needs. A value that cannot work fails validation with a message that names the
variable and never repeats its value.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Self

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, SettingsConfigDict

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
GITHUB_API_URL = "https://api.github.com"


class StoreSettings(BaseSettings):
    """Where the job store is: SQLite in `data_dir`, or Redis at `redis_url` (`redis_prefix`)."""

    model_config = SettingsConfigDict(
        env_prefix="READINESS_", env_file=".env", extra="ignore", frozen=True
    )

    data_dir: Path = Path("./data")
    redis_url: SecretStr | None = None  # shared store for replicas; a URL may carry a password
    redis_prefix: str = "readiness:"  # key prefix, so several apps can share one Redis
    # Seconds a replica's claim may stay silent before another replica takes its job over (a
    # replica that died mid-review); live replicas renew every third of it.
    redis_lease: float = Field(default=300.0, gt=0)

    @property
    def database(self) -> Path:
        return self.data_dir / "readiness.sqlite3"


class Settings(StoreSettings):
    """Everything `readiness serve` needs."""

    app_id: int = Field(gt=0)
    private_key: SecretStr | None = None
    private_key_path: Path | None = None
    webhook_secret: SecretStr = Field(min_length=1)
    # During a rotation: deliveries signed with this older secret are accepted too.
    webhook_secret_previous: SecretStr | None = None
    github_api_url: str = GITHUB_API_URL
    host: str = "0.0.0.0"  # a server in a container listens on all interfaces
    port: int = Field(default=8080, ge=0, le=65535)
    workers: int = Field(default=4, ge=1, le=64)
    max_queued: int = Field(default=10_000, ge=1)  # beyond it, deliveries get 429 + Retry-After
    shutdown_timeout: float = Field(default=25.0, ge=0)  # seconds running jobs get to finish
    github_timeout: float = Field(default=30.0, gt=0)  # seconds per GitHub request, then retry
    # Seconds a review waits out GitHub failures (5xx, rate limits) from when its head was
    # queued, retrying meanwhile; then its run completes `neutral`.
    retry_deadline: float = Field(default=1800.0, gt=0)
    redeliver_interval: float = Field(default=600.0, gt=0)  # seconds between missed-delivery sweeps
    log_level: str = "INFO"
    # JSON lines, or lines for people; "auto": JSON unless standard error is a terminal.
    log_format: Literal["auto", "json", "text"] = "auto"

    @field_validator("private_key")
    @classmethod
    def _private_key_is_rsa(cls, value: SecretStr | None) -> SecretStr | None:
        """Accept the PEM with real or escaped (`\\n`) line breaks, as a one-line variable has."""
        if value is None:
            return None
        pem = value.get_secret_value().replace("\\n", "\n")
        _check_rsa_private_key(pem)
        return SecretStr(pem)

    @field_validator("private_key_path")
    @classmethod
    def _private_key_file_is_rsa(cls, path: Path | None) -> Path | None:
        if path is None:
            return None
        try:
            pem = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or "not a text file"
            raise PydanticCustomError(
                "unreadable_file", "cannot read the file ({reason})", {"reason": reason}
            ) from None
        _check_rsa_private_key(pem)
        return path

    @field_validator("log_level")
    @classmethod
    def _known_log_level(cls, value: str) -> str:
        if value.upper() not in LOG_LEVELS:
            raise PydanticCustomError(
                "log_level", "not a log level (one of {levels})", {"levels": ", ".join(LOG_LEVELS)}
            )
        return value.upper()

    @field_validator("log_format", mode="before")
    @classmethod
    def _any_case_log_format(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _one_private_key(self) -> Self:
        if self.private_key is None and self.private_key_path is None:
            # No single field is at fault, so the message names both variables itself.
            raise PydanticCustomError(
                "missing_private_key",
                "READINESS_PRIVATE_KEY or READINESS_PRIVATE_KEY_PATH: neither is set",
            )
        return self

    def private_key_pem(self) -> str:
        """Return the app's PEM private key, from the variable or the file."""
        if self.private_key is not None:
            return self.private_key.get_secret_value()
        assert self.private_key_path is not None
        return self.private_key_path.read_text(encoding="utf-8")


class SetupSettings(BaseSettings):
    """What `readiness setup` reads: which GitHub to register the app on (Enterprise Server: its
    API root, `https://HOST/api/v3`)."""

    model_config = SettingsConfigDict(
        env_prefix="READINESS_", env_file=".env", extra="ignore", frozen=True
    )

    github_api_url: str = GITHUB_API_URL


def _check_rsa_private_key(pem: str) -> None:
    """Raise unless `pem` is an unencrypted PEM RSA private key, the kind GitHub generates.

    The messages never quote the key: cryptography's own error texts are not passed on.
    """
    try:
        key = load_pem_private_key(pem.encode(), password=None)
    except TypeError:  # cryptography's way of saying "this key needs a password"
        raise PydanticCustomError(
            "encrypted_private_key", "an encrypted key; give the unencrypted key GitHub generated"
        ) from None
    except (ValueError, UnsupportedAlgorithm):
        raise PydanticCustomError("private_key", "not a PEM RSA private key") from None
    if not isinstance(key, RSAPrivateKey):
        raise PydanticCustomError("private_key", "not a PEM RSA private key")
