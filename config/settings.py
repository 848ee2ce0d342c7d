"""One typed settings object, read from the environment (prefix ``PANTAU_``) with embedded defaults.

Defaults give the embedded set-up: a SQLite file under ``var/`` of the project, the YAML data shipped in
``config/data``, the trained model shipped in ``nlp/models`` and the datasets in ``../shared/data``.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONFIG_DATA_DIR = Path(__file__).resolve().parent / "data"


DEVELOPMENT_SECRET = "pantau-development-secret"  # refused in production


class Settings(BaseSettings):
    """Everything Pantau reads from its environment."""

    model_config = SettingsConfigDict(env_prefix="PANTAU_", extra="ignore")

    var_dir: Path = Field(
        default=PROJECT_ROOT / "var", description="Runtime state: database, logs, Prefect home"
    )
    database_url: str = Field(default="", description="SQLAlchemy URL; empty means SQLite under var_dir")
    config_dir: Path = Field(default=CONFIG_DATA_DIR, description="Folder with functions.yaml and regions/")
    sources_file: Path = Field(default=CONFIG_DATA_DIR / "sources.yaml")
    shared_data_dir: Path = Field(default=PROJECT_ROOT.parent / "shared" / "data")
    model_path: Path = Field(default=PROJECT_ROOT / "nlp" / "models" / "complaint-model.skops")

    complaint_threshold: float = Field(
        default=0.5, ge=0.0, le=1.0, description="Score from which a text is a complaint"
    )
    review_threshold: float = Field(
        default=0.3, ge=0.0, le=1.0, description="Score from which it needs review"
    )

    crawl_batch_size: int = Field(
        default=20, ge=1, description="Sources per crawl process; batches run in parallel (crawl_workers)"
    )
    crawl_workers: int = Field(default=2, ge=1, le=64, description="Crawl processes one cycle runs at once")
    source_stale_hours: int = Field(
        default=72, ge=1, description="A source with no new document for this long is flagged as quiet"
    )
    cluster_window_days: int = Field(
        default=14, ge=1, le=365, description="A mention joins an open issue seen within this many days"
    )
    x_bearer_token: SecretStr = Field(
        default=SecretStr(""),
        description="X API v2 bearer token; without it the X connector is not configured",
    )
    youtube_api_key: SecretStr = Field(default=SecretStr(""), description="YouTube Data API v3 key")
    facebook_access_token: SecretStr = Field(
        default=SecretStr(""),
        description="Graph API token (Facebook pages; Instagram with instagram_user_id)",
    )
    instagram_user_id: str = Field(default="", description="Instagram business account id for hashtag search")
    graph_api_version: str = Field(
        default="v27.0",  # the newest Meta documents (4 Nov 2026); v19.0 expired on 21 May 2026
        pattern=r"^v\d+\.\d+$",
        description="Graph API version the Facebook and Instagram connectors call (v27.0)",
    )
    social_posts_per_source: int = Field(
        default=200, ge=1, le=5000, description="Posts one cycle reads a source"
    )
    handle_hash_key: SecretStr = Field(
        default=SecretStr("pantau-development-key"),
        description="HMAC key that replaces social handles (UU 27/2022); set a secret one in production",
    )
    user_agent: str = "PantauBot/0.1 (+https://pantau.example.go.id/bot; diskominfo@example.go.id)"
    download_delay: float = Field(default=1.0, ge=0.0)
    max_page_bytes: int = Field(default=5 * 1024 * 1024, gt=0, description="Larger pages are refused")
    max_articles_per_source: int = Field(default=200, gt=0)
    crawl_timeout_seconds: int = Field(default=1800, gt=0)
    extraction_workers: int = Field(
        default_factory=lambda: os.cpu_count() or 1,
        ge=0,
        le=64,
        description="Processes that extract article text for a crawl (default: one per CPU); 0: in the crawl",
    )
    frontier_max_attempts: int = Field(
        default=4, ge=1, le=20, description="Fetches of an article before it is given up (one per cycle)"
    )
    frontier_retry_minutes: float = Field(
        default=30.0, ge=0.0, description="Wait before the first retry of a failed article; x4 each time"
    )

    environment: Literal["development", "production"] = Field(
        default="development", description="production: secure cookies, and a real secret key is required"
    )
    secret_key: SecretStr = Field(
        default=SecretStr(DEVELOPMENT_SECRET), description="Signs the console's session cookies"
    )
    web_host: str = "127.0.0.1"
    web_port: int = Field(default=8000, ge=1, le=65535)
    web_workers: int = Field(default=1, ge=1, le=64)
    console_url: str = Field(
        default="http://127.0.0.1:8000", description="Base URL of the console, for links in notifications"
    )
    smtp_host: str = Field(default="", description="SMTP server for notifications; empty: e-mail is off")
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_security: Literal["none", "starttls", "tls"] = "starttls"
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_timeout_seconds: float = Field(default=15.0, gt=0)
    mail_sender: str = Field(default="Pantau <pantau@localhost>", description="From: of notifications")
    telegram_bot_token: SecretStr = Field(default=SecretStr(""), description="Bot API token; empty: off")
    telegram_api_base: str = "https://api.telegram.org"
    filing_batch_size: int = Field(default=20, ge=1, le=1000, description="Reports one filing run sends")
    filing_lease_seconds: int = Field(
        default=120, ge=5, description="A claimed delivery not recorded within this is taken over"
    )
    delivery_max_attempts: int = Field(
        default=8, ge=1, le=50, description="Tries of a filing or notification before it is given up"
    )
    delivery_retry_seconds: float = Field(
        default=30.0, ge=0.0, description="First retry delay of a filing or notification; doubles, capped"
    )
    delivery_retry_cap_seconds: float = Field(default=3600.0, ge=0.0)
    schedule_monitor_minutes: int = Field(default=10, ge=1)
    schedule_filing_minutes: int = Field(default=2, ge=1)
    schedule_sync_minutes: int = Field(default=30, ge=1)
    schedule_deadlines_minutes: int = Field(default=60, ge=1)
    schedule_digest_time: str = Field(default="07:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")

    @model_validator(mode="after")
    def _production_has_a_secret(self) -> Settings:
        secret = self.secret_key.get_secret_value()
        if self.environment == "production" and secret in ("", DEVELOPMENT_SECRET):
            raise ValueError("PANTAU_SECRET_KEY must be set to a secret of its own in production")
        return self

    @model_validator(mode="after")
    def _review_band_below_complaint(self) -> Settings:
        if self.review_threshold > self.complaint_threshold:
            raise ValueError("review_threshold must not exceed complaint_threshold")
        return self

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to ``var_dir/pantau.db``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.var_dir / 'pantau.db'}"

    @property
    def prefect_home(self) -> Path:
        return self.var_dir / "prefect"


DEMO_ENV = "demo.env"  # in the var folder: the settings `pantau demo` ran with (its sources)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (tests build their own ``Settings``): the environment first, then what
    ``pantau demo`` left in the var folder (``DEMO_ENV``), so that the console and the commands run after
    ``make demo`` read the demo's sources with the demo's database; delete that file to leave the demo."""
    var_dir = Path(os.environ.get("PANTAU_VAR_DIR") or PROJECT_ROOT / "var")
    demo = var_dir / DEMO_ENV
    return Settings(_env_file=demo if demo.is_file() else None)  # type: ignore[call-arg]  # pydantic-settings init option
