"""Settings read from ``NETRA_*`` environment variables (and an optional ``.env`` file).

Only this module reads the environment. Everything else receives a :class:`Settings` through
``get_settings()`` (cached) or the ``SettingsDep`` dependency, so tests can pass their own.
"""

from __future__ import annotations

import logging
import secrets
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

logger = logging.getLogger(__name__)

# Values people copy from examples; accepting them in production would sign cookies with a public secret.
PLACEHOLDER_SECRETS = frozenset(
    {"", "changeme", "change-me", "change_me", "secret", "netra", "please-change", "development", "dev"}
)
MIN_SECRET_LENGTH = 32


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NETRA_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///./netra.db"
    secret_key: SecretStr | None = None
    environment: Literal["development", "production"] = "development"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    # Ingestion limits (issue 4): the raw upload, and what an XLSX (a zip) may inflate to.
    max_upload_bytes: int = Field(default=512 * 1024 * 1024, gt=0)
    max_decompressed_bytes: int = Field(default=768 * 1024 * 1024, gt=0)
    # A new version that keeps fewer accepted rows than this fraction of the active version's is stored but
    # held until a steward (or, for a roster, its operator) activates it: a truncated export or a wrong
    # file must not silently shrink what checks read. 0: never hold.
    version_hold_below: float = Field(default=0.5, ge=0, le=1)
    # Who runs this installation, named on the public Cek NIK pages (e.g. "BKPSDM Kota Contoh").
    service_operator: str = Field(default="", max_length=200)
    # The zone pages show times in (stored in UTC): WIB (UTC+7), WITA (UTC+8) or WIT (UTC+9).
    display_timezone: Literal["WIB", "WITA", "WIT"] = "WIB"
    # Every request body but a file upload: the largest legitimate one, a /match of 1,000 people with the
    # longest NIK, name and NIP the schema allows, is about 430 KB.
    max_body_bytes: int = Field(default=1024 * 1024, gt=0)

    # Public self-check (issue 6); limits in the `limits` library's notation ("10/minute;100/day").
    selfcheck_rate_limits: str = "10/minute;100/day"
    selfcheck_challenge_after: int = Field(default=3, ge=0)
    # Proxies whose X-Forwarded-For is believed: comma-separated IPs or CIDRs. Empty: the peer is the client.
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Where the limiter keeps its counters: "memory://" (one process) or "redis://host:6379/0" (shared).
    rate_limit_storage: str = "memory://"
    selfcheck_report_rate_limits: str = "5/hour;20/day"
    # A challenge is required once `selfcheck_challenge_after` look-ups were made in this window (0: never).
    selfcheck_challenge_window: str = "hour"
    # Proof-of-work difficulty: the client tries on average half of this many SHA-256 hashes. 1,000,000
    # averages 1.4 s in chromium throttled like a mid-tier phone and 66 ms of a native core
    # (python -m bench.challenge).
    selfcheck_pow_maxnumber: int = Field(default=1_000_000, ge=1)
    selfcheck_challenge_ttl_seconds: int = Field(default=600, gt=0)
    # The no-JavaScript fallback (a question in words): a script answers it for free, so each client may
    # answer only this many per period; past that only the proof of work is accepted. Can be turned off.
    selfcheck_text_challenge: bool = True
    selfcheck_text_challenge_limits: str = "5/day"
    # How long the token from a positive self-check answer allows filing a misuse report.
    selfcheck_report_token_seconds: int = Field(default=1800, gt=0)
    # Worker threads per process that run self-check look-ups (see app.deps.get_lookup_threads).
    selfcheck_threads: int = Field(default=1, ge=1)

    # `netra purge` deletes data no longer used once older than this many days (UU PDP); unset: only with
    # an explicit --days.
    retention_days: int | None = Field(default=None, ge=1)

    # Background work (issue 5): a claimed job is re-claimable this long after its worker stops renewing.
    worker_lease_seconds: int = Field(default=300, gt=0)
    # Run a worker thread inside the web process; unset means "only on SQLite" (the embedded default).
    embedded_worker: bool | None = None

    # Ingestion (issue 4): uploads up to this size are stored before the request answers; larger ones are
    # queued for a worker. Uploaded files wait in upload_dir (shared storage when workers run elsewhere).
    inline_ingest_max_bytes: int = Field(default=5 * 1024 * 1024, ge=0)
    upload_dir: str = ""  # empty: a "netra-uploads" folder in the system temp directory

    # Web UI session lifetime (the cookie's and the server-side session's).
    session_max_age_seconds: int = Field(default=8 * 3600, gt=0)
    # Login attempts against one username, from any client; every attempt counts, a success clears them.
    login_rate_limits_account: str = "10/15 minutes"
    # Failed logins from one client, whatever the username (password spraying).
    login_rate_limits_client: str = "30/15 minutes;200/day"

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @model_validator(mode="after")
    def _require_secret_in_production(self) -> Settings:
        secret = self.secret_key.get_secret_value() if self.secret_key is not None else ""
        unsafe = secret.strip().lower() in PLACEHOLDER_SECRETS or len(secret) < MIN_SECRET_LENGTH
        if not unsafe:
            return self
        if self.environment == "production":
            raise ValueError(
                "NETRA_SECRET_KEY is missing or a placeholder; production needs a random secret of at least "
                f"{MIN_SECRET_LENGTH} characters, for example from "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
            )
        logger.warning(
            "NETRA_SECRET_KEY not set (or too short): using a random secret for this process; "
            "web sessions will not survive a restart"
        )
        self.secret_key = SecretStr(secrets.token_urlsafe(48))
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def runs_embedded_worker(self) -> bool:
        return self.is_sqlite if self.embedded_worker is None else self.embedded_worker

    @property
    def upload_path(self) -> Path:
        return Path(self.upload_dir) if self.upload_dir else Path(tempfile.gettempdir()) / "netra-uploads"

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    def secret(self) -> str:
        # The validator above always leaves a secret in place.
        assert self.secret_key is not None
        return self.secret_key.get_secret_value()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
