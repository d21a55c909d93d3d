"""Service configuration: one ``Settings`` read from ``SOLESCAN_*`` environment variables.

Code reaches it through :func:`get_settings` (cached); tests build their own ``Settings``
and pass it to :func:`service.app.create_app`, or clear the cache.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

MIB = 1024 * 1024


class Settings(BaseSettings):
    """Every knob of the HTTP service (env prefix ``SOLESCAN_``)."""

    model_config = SettingsConfigDict(env_prefix="SOLESCAN_", extra="ignore")

    data_dir: Path = Field(
        default=Path("var"),
        description="Directory for the embedded SQLite store (created when missing).",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the store; default: SQLite file in data_dir. "
        "PostgreSQL: postgresql+psycopg://user:pass@host:5432/db",
    )
    model_path: Path | None = Field(
        default=None, description="Model artifact to serve; default: the shipped one."
    )
    model_version: str | None = Field(
        default=None,
        description="Version to serve from the model store (model_path or the shipped "
        "store); default: the one its CURRENT file names.",
    )
    host: str = Field(
        default="127.0.0.1",
        description="Address the service listens on (set by `solescan serve --host`). "
        "Without API keys the service starts only on a loopback address.",
    )
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int | None = Field(
        default=None, ge=1, description="Server processes; default: one per core."
    )
    keep_images: bool = Field(
        default=True,
        description="Keep each photo, without its metadata, for retraining.",
    )
    image_retention_days: int = Field(
        default=90,
        ge=0,
        description="Kept photos older than this are purged (0: keep until the analysis "
        "is deleted).",
    )
    model_check_seconds: float = Field(
        default=10.0,
        ge=0,
        description="How often each worker reads the model store's CURRENT file and, when "
        "it names another version (a promotion), serves that one; 0: never. Not used when "
        "model_version pins a version or model_path is a single artifact.",
    )
    purge_interval_minutes: float = Field(
        default=60.0, gt=0, description="How often each worker purges expired photos."
    )
    max_upload_mb: float = Field(
        default=25.0, gt=0, description="Largest request body accepted, in MiB."
    )
    analysis_threads: int = Field(
        default=1,
        ge=1,
        description="Analyses run at once per worker process (workers x threads <= cores).",
    )
    max_pending_analyses: int = Field(
        default=32,
        ge=0,
        description="Uploads allowed to wait for an analysis slot per worker; beyond it "
        "the service answers 503 with Retry-After.",
    )
    key_pepper: SecretStr = Field(
        default=SecretStr(""),
        description="Secret mixed into API key hashes; changing it invalidates every key.",
    )
    log_level: str = Field(default="INFO", description="Python logging level.")
    session_secret: SecretStr | None = Field(
        default=None,
        description="Secret that signs the browser pages' session cookie; default: a random "
        "secret made once and kept in data_dir/session_secret (shared by the workers). Set "
        "it when several machines serve the same clinics.",
    )

    @property
    def max_upload_bytes(self) -> int:
        """The request body cap in bytes."""
        return int(self.max_upload_mb * MIB)

    @property
    def resolved_database_url(self) -> str:
        """The store URL: the configured one, or SQLite in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'solescan.sqlite3').resolve()}"

    @property
    def listens_on_loopback(self) -> bool:
        """Whether ``host`` only accepts connections from this machine."""
        return is_loopback(self.host)


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and addresses in 127.0.0.0/8 or ::1."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment once."""
    return Settings()
