"""The only reader of environment variables: READINESS_* settings, validated once at start-up."""

from __future__ import annotations

from pathlib import Path
from typing import Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="READINESS_", env_file=".env", extra="ignore", frozen=True
    )

    app_id: int = Field(gt=0)
    private_key: SecretStr | None = None
    private_key_path: Path | None = None
    webhook_secret: SecretStr = Field(min_length=1)
    github_api_url: str = "https://api.github.com"
    host: str = "0.0.0.0"  # a server in a container listens on all interfaces
    port: int = Field(default=8080, ge=0, le=65535)
    data_dir: Path = Path("./data")
    redis_url: SecretStr | None = None  # shared store for replicas; a URL may carry a password
    redis_prefix: str = "readiness:"  # key prefix, so several apps can share one Redis
    workers: int = Field(default=4, ge=1, le=64)
    max_queued: int = Field(default=10_000, ge=1)  # beyond it, deliveries get 429 + Retry-After
    shutdown_timeout: float = Field(default=25.0, ge=0)  # seconds running jobs get to finish
    github_timeout: float = Field(default=30.0, gt=0)  # seconds per GitHub request, then retry
    redeliver_interval: float = Field(default=600.0, gt=0)  # seconds between missed-delivery sweeps
    log_level: str = "INFO"

    @model_validator(mode="after")
    def _one_private_key(self) -> Self:
        if self.private_key is None and self.private_key_path is None:
            raise ValueError("set READINESS_PRIVATE_KEY or READINESS_PRIVATE_KEY_PATH")
        if self.private_key_path is not None and not self.private_key_path.is_file():
            raise ValueError(f"READINESS_PRIVATE_KEY_PATH: no file at {self.private_key_path}")
        return self

    def private_key_pem(self) -> str:
        """Return the app's PEM private key, from the variable or the file."""
        if self.private_key is not None:
            return self.private_key.get_secret_value().replace("\\n", "\n")
        assert self.private_key_path is not None
        return self.private_key_path.read_text(encoding="utf-8")

    @property
    def database(self) -> Path:
        return self.data_dir / "readiness.sqlite3"
