"""Settings read from environment variables (and an optional .env file), with safe defaults."""

import os
import re
import secrets
from datetime import date, time
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT_DIR = Path(__file__).resolve().parents[2]
MIN_SECRET_LENGTH = 32
ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$")
HTTP_URL = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/\S*)?$")


def read_or_create_secret(path: Path) -> str:
    """A random secret kept in a file only its owner reads, created on first use."""
    try:
        secret = path.read_text().strip()
    except FileNotFoundError:
        secret = ""
    if len(secret) >= MIN_SECRET_LENGTH:
        return secret
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    descriptor = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(secret + "\n")
    try:
        os.link(tmp, path)  # the first process to create it wins; the others read its secret
    except FileExistsError:
        secret = path.read_text().strip() or secret
    finally:
        tmp.unlink(missing_ok=True)
    return secret


class Settings(BaseSettings):
    """Configuration of the API gateway."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    app_env: Literal["development", "test", "production"] = "development"
    database_url: str = f"sqlite+aiosqlite:///{ROOT_DIR / 'var' / 'assistant.db'}"
    rasa_url: str = "http://127.0.0.1:5005"
    # Rasa in shards: several servers (comma or space separated) sharing one tracker store; each
    # conversation goes to one of them (rendezvous hashing of its id). Unset: RASA_URL alone.
    rasa_urls: str = ""
    # The token of Rasa's HTTP API (model loading, status): RASA_TOKEN, else the file `make run`
    # generates on first start (never a default in the repository).
    rasa_token: SecretStr | None = None
    rasa_token_file: Path = ROOT_DIR / "var" / "secrets" / "rasa_token"
    action_server_url: str = "http://127.0.0.1:5055"
    public_url: str = "http://localhost:8000"
    # Signs staff tokens. Unset: generated once into secret_key_file (development and tests);
    # production refuses to start without it. There is no default value anywhere.
    secret_key: SecretStr = SecretStr("")
    secret_key_file: Path = ROOT_DIR / "var" / "secrets" / "secret_key"

    # Verified identity of widget users (api/auth/identity.py): the host portal signs the user's
    # profile as a JWT, HS256 with a shared secret or RS256 with the portal's public key (PEM, in
    # the variable or a file). Unset outside production: a secret is generated into
    # identity_secret_file and the demo page signs its own profile with it.
    identity_hs256_secret: SecretStr | None = None
    identity_secret_file: Path = ROOT_DIR / "var" / "secrets" / "identity_secret"
    identity_rs256_public_key: str | None = None
    identity_rs256_public_key_file: Path | None = None
    identity_audience: str | None = "assistant-chorus"
    identity_issuer: str | None = None
    identity_max_lifetime_seconds: int = Field(default=24 * 3600, ge=60, le=30 * 24 * 3600)
    identity_leeway_seconds: int = Field(default=30, ge=0, le=600)
    # Rasa's REST channel (/webhooks/rest/webhook): when set, callers add ?token=<it>, as with
    # Rasa's --auth-token; only then do identity tokens sent in its metadata count.
    rest_channel_token: SecretStr | None = None

    token_max_age_seconds: int = Field(default=12 * 3600, ge=60, le=30 * 24 * 3600)
    rasa_timeout_seconds: float = Field(default=15.0, gt=0, le=300)
    rasa_max_in_flight: int = Field(default=8, ge=1, le=1000)
    health_timeout_seconds: float = Field(default=2.0, gt=0, le=60)
    max_text_length: int = Field(default=5000, ge=1, le=100_000)
    max_payload_length: int = Field(default=500, ge=1, le=10_000)
    max_metadata_bytes: int = Field(default=4096, ge=2, le=1_000_000)
    max_request_bytes: int = Field(default=256 * 1024, ge=1024, le=100 * 1024 * 1024)

    # LiveChat opening hours (advisors answer only then); outside them the user may leave a
    # message. Weekdays: 0 is Monday. Public holidays from the `holidays` package (None: none).
    handoff_timezone: str = "Europe/Paris"
    handoff_opening_time: time = time(8, 30)
    handoff_closing_time: time = time(18, 30)
    handoff_weekdays: set[int] = Field(default={0, 1, 2, 3, 4})
    handoff_holidays_country: str | None = "FR"
    handoff_holidays_subdivision: str | None = None
    handoff_closed_dates: set[date] = Field(default_factory=set)
    # Several API processes: their WebSocket notifications go through Redis (None: in process).
    realtime_redis_url: str | None = None
    # Failed logins allowed per user name and per address in a moving window (`limits` syntax),
    # counted in Redis when THROTTLE_REDIS_URL is set (several API processes), else in memory.
    login_attempts_per_username: str = "5/15 minutes"
    login_attempts_per_address: str = "30/15 minutes"
    throttle_redis_url: str | None = None
    # Public writes (messages, close, feedback, rating) allowed per conversation and per address.
    public_writes_per_conversation: str = "30/minute"
    public_writes_per_address: str = "600/minute"
    # FSD notifications: an SMTP server (mails wait in the outbox, retried, while it is down).
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=1025, ge=1, le=65535)
    smtp_sender: str = "assistant-chorus@localhost"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    outbox_poll_seconds: float = Field(default=30.0, gt=0, le=3600)
    # An external service desk (HTTP adapter); unset: the embedded desk.
    fsd_desk_url: str | None = None
    fsd_desk_api_key: SecretStr | None = None
    # The key the FSD system presents (X-API-Key) to call /api/v1/integration/...; unset: closed.
    fsd_system_api_key: SecretStr | None = None
    fsd_max_attachment_bytes: int = Field(default=5 * 1024 * 1024, ge=1024, le=100 * 1024 * 1024)
    fsd_max_attachments: int = Field(default=20, ge=1, le=100)
    # Retraining the NLU (api/training/): the bot's Python, where models and run logs go.
    bot_python: Path = ROOT_DIR / ".venv-bot" / "bin" / "python"
    models_dir: Path = ROOT_DIR / "models"
    training_dir: Path = ROOT_DIR / "var" / "training"
    training_timeout_seconds: int = Field(default=3600, ge=60, le=24 * 3600)
    canned_responses_file: Path = ROOT_DIR / "knowledge_base" / "canned_responses.yml"

    dsfr_dir: Path = ROOT_DIR / "node_modules" / "@gouvfr" / "dsfr" / "dist"
    # The State's chart components (statistics page).
    dsfr_chart_dir: Path = ROOT_DIR / "node_modules" / "@gouvfr" / "dsfr-chart" / "dist"
    domains_file: Path = ROOT_DIR / "knowledge_base" / "domains.yml"
    swagger_ui_dir: Path = ROOT_DIR / "node_modules" / "swagger-ui-dist"
    # Who may show the pages in a frame (CSP frame-ancestors): this origin, plus the portals.
    frame_ancestors: str = Field(default="'self'", pattern=r"^[A-Za-z0-9 :/.*'_-]+$")
    # The portals that embed the widget with embed.js (origins such as https://portail.example,
    # separated by spaces): they may frame /embed, call the API (CORS) and hand it the user's
    # signed profile (postMessage). Empty: no other site may embed it.
    embed_origins: str = ""

    def portal_origins(self) -> list[str]:
        """The embedding portals' origins, each checked (scheme, host, optional port)."""
        origins = self.embed_origins.replace(",", " ").split()
        for origin in origins:
            if not ORIGIN.match(origin):
                raise ValueError(
                    f"EMBED_ORIGINS: {origin!r} is not an origin (https://host[:port])"
                )
        return origins

    @field_validator("rasa_urls")
    @classmethod
    def check_rasa_urls(cls, value: str) -> str:
        """Each server of RASA_URLS is an http(s) URL."""
        for url in value.replace(",", " ").split():
            if not HTTP_URL.match(url):
                raise ValueError(f"RASA_URLS: {url!r} is not an http(s) URL")
        return value

    def rasa_shards(self) -> list[str]:
        """The Rasa servers: RASA_URLS, else RASA_URL; each an http(s) URL, no duplicate."""
        urls = self.rasa_urls.replace(",", " ").split() or [self.rasa_url]
        return list(dict.fromkeys(url.rstrip("/") for url in urls))

    def rasa_auth_token(self) -> str | None:
        """The token for Rasa's HTTP API, from RASA_TOKEN or the generated file."""
        if self.rasa_token is not None:
            return self.rasa_token.get_secret_value() or None
        try:
            return self.rasa_token_file.read_text().strip() or None
        except OSError:
            return None

    def identity_public_key(self) -> str | None:
        """The portal's RS256 public key (PEM), from the variable or the file."""
        if self.identity_rs256_public_key:
            return self.identity_rs256_public_key
        if self.identity_rs256_public_key_file is not None:
            return self.identity_rs256_public_key_file.read_text()
        return None

    @model_validator(mode="after")
    def resolve_identity_keys(self) -> "Settings":
        """Generate the demo page's identity secret outside production; check the given ones."""
        hs256 = self.identity_hs256_secret
        if hs256 is not None and len(hs256.get_secret_value()) < MIN_SECRET_LENGTH:
            raise ValueError(
                f"IDENTITY_HS256_SECRET must be {MIN_SECRET_LENGTH} characters or more"
            )
        key_file = self.identity_rs256_public_key_file
        if key_file is not None and not key_file.is_file():
            raise ValueError("IDENTITY_RS256_PUBLIC_KEY_FILE does not name a readable file")
        public_key = self.identity_public_key()
        if public_key is not None and "PUBLIC KEY" not in public_key:
            raise ValueError("the identity public key must be a PEM public key")
        if hs256 is None and public_key is None and self.app_env != "production":
            self.identity_hs256_secret = SecretStr(read_or_create_secret(self.identity_secret_file))
        channel = self.rest_channel_token
        if channel is not None and len(channel.get_secret_value()) < 24:
            raise ValueError("REST_CHANNEL_TOKEN must be at least 24 characters")
        return self

    @model_validator(mode="after")
    def resolve_secrets(self) -> "Settings":
        """Generate the development secret once; refuse a missing or short one in production."""
        secret = self.secret_key.get_secret_value()
        if self.app_env == "production" and len(secret) < MIN_SECRET_LENGTH:
            raise ValueError(
                f"SECRET_KEY must be set to a random secret of {MIN_SECRET_LENGTH} characters or "
                "more when APP_ENV=production"
            )
        if not secret:
            self.secret_key = SecretStr(read_or_create_secret(self.secret_key_file))
        key = self.fsd_system_api_key.get_secret_value() if self.fsd_system_api_key else None
        if self.app_env == "production" and key is not None and len(key) < 24:
            raise ValueError("FSD_SYSTEM_API_KEY must be at least 24 characters in production")
        return self

    @model_validator(mode="after")
    def check_origins(self) -> "Settings":
        """Refuse embedding origins that are not origins."""
        self.portal_origins()
        return self

    @model_validator(mode="after")
    def check_limits(self) -> "Settings":
        """Refuse rate limits `limits` cannot read."""
        from limits import parse

        for name in (
            "login_attempts_per_username",
            "login_attempts_per_address",
            "public_writes_per_conversation",
            "public_writes_per_address",
        ):
            try:
                parse(getattr(self, name))
            except ValueError as exc:
                raise ValueError(f"{name.upper()} is not a limit such as '5/15 minutes'") from exc
        return self

    @model_validator(mode="after")
    def check_opening_hours(self) -> "Settings":
        """Refuse opening hours that cannot be used (closing before opening, unknown zone)."""
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        if self.handoff_closing_time <= self.handoff_opening_time:
            raise ValueError("HANDOFF_CLOSING_TIME must be after HANDOFF_OPENING_TIME")
        if not self.handoff_weekdays <= set(range(7)):
            raise ValueError("HANDOFF_WEEKDAYS must be numbers from 0 (Monday) to 6 (Sunday)")
        try:
            ZoneInfo(self.handoff_timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown HANDOFF_TIMEZONE {self.handoff_timezone!r}") from exc
        return self


@lru_cache
def get_settings() -> Settings:
    """Return the process-wide settings (read once)."""
    return Settings()
