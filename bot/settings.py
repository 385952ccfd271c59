"""The bot's configuration, read from the environment and a `.env` file.

Every setting is an environment variable ``AFTERSALES_<NAME>`` (the token is
``TELEGRAM_BOT_TOKEN``, the name everyone already uses), also read from
``.env`` in the working directory; real environment variables win over the
file. ``load_settings()`` is the entry point: a bad value becomes a one-line
``ConfigError`` naming the variable, never a pydantic report or a traceback.
"""

from __future__ import annotations

import re
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

from domain.calendar import load_zone

__all__ = ["ConfigError", "Settings", "env_var_name", "load_settings"]

ENV_PREFIX = "AFTERSALES_"
TOKEN_ENV_VAR = "TELEGRAM_BOT_TOKEN"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
MODES = ("polling", "webhook")
LOG_FORMATS = ("text", "json")

_TOKEN_SHAPE = re.compile(r"[0-9]+:[A-Za-z0-9_-]+")
# Telegram's rule for setWebhook's secret_token.
_WEBHOOK_SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,256}")
_CLOUD_API_HOST = "api.telegram.org"
# Cloud Telegram delivers webhooks only to these ports (setWebhook docs).
_CLOUD_WEBHOOK_PORTS = (443, 80, 88, 8443)
_SECRET_FIELDS = frozenset({"telegram_bot_token", "webhook_secret", "link_secret", "database_url"})


class ConfigError(Exception):
    """A setting is missing or wrong; ``str()`` is one line naming its variable."""

    def __init__(self, env_var: str, problem: str) -> None:
        self.env_var = env_var
        self.problem = problem
        super().__init__(_one_line(f"{env_var}: {problem}"))


class _SettingProblem(ValueError):
    """Raised by cross-field checks to say which variable is at fault."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        super().__init__(problem)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=".env",
        env_file_encoding="utf-8",
        # `AFTERSALES_X=` in a .env template means "not set", not "empty".
        env_ignore_empty=True,
        # A .env file is often shared with other tools (docker compose).
        extra="ignore",
        populate_by_name=True,
        hide_input_in_errors=True,
        frozen=True,
    )

    telegram_bot_token: SecretStr | None = Field(default=None, validation_alias=TOKEN_ENV_VAR)
    # repr=False: a PostgreSQL URL may carry a password.
    database_url: str = Field(default="sqlite+aiosqlite:///aftersales.sqlite3", repr=False)
    telegram_api_url: str = "https://api.telegram.org/bot"
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = Field(default="127.0.0.1", min_length=1)
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    # /healthz, /readyz and /metrics (bot.pipeline.ops); not served unless a port is given.
    http_listen: str = Field(default="127.0.0.1", min_length=1)
    http_port: int | None = Field(default=None, ge=1, le=65535)
    moderators_chat_id: int | None = None
    default_timezone: str = "UTC"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_format: Literal["text", "json"] = "text"
    link_secret: SecretStr | None = None
    sandbox_host: str = Field(default="127.0.0.1", min_length=1)
    sandbox_port: int = Field(default=8080, ge=1, le=65535)
    max_in_flight_sends: int = Field(default=16, ge=1, le=100)
    concurrent_updates: int = Field(default=16, ge=1, le=256)
    flow_idle_minutes: int = Field(default=30, ge=1, le=7 * 24 * 60)
    # Handled updates, sent messages, spent deadlines and delivered webhooks are deleted after this.
    retention_days: int = Field(default=30, ge=1, le=3650)
    # Names this process on the outbox rows it sends (bot.pipeline.leases); default: host and directory.
    instance: str | None = Field(default=None, min_length=1, max_length=64)

    @field_validator("telegram_bot_token", mode="after")
    @classmethod
    def _token_has_botfathers_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        # Stray whitespace from copy-pasting is the usual cause of a bad token.
        token = value.get_secret_value().strip()
        if not _TOKEN_SHAPE.fullmatch(token):
            raise ValueError("must look like <digits>:<letters, digits, _ or -> as @BotFather gives it")
        return SecretStr(token)

    @field_validator("database_url", mode="after")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        # Only the scheme is ever echoed: the rest may hold a password.
        scheme, separator, rest = value.strip().partition("://")
        scheme = scheme.lower()
        if separator and scheme in ("postgresql", "postgres"):
            return f"postgresql+asyncpg://{rest}"
        if separator and scheme in ("sqlite+aiosqlite", "postgresql+asyncpg"):
            return f"{scheme}://{rest}"
        got = f" (got {scheme!r})" if separator else ""
        raise ValueError("must be a sqlite+aiosqlite://, postgresql+asyncpg:// or postgresql:// URL" + got)

    @field_validator("telegram_api_url", mode="after")
    @classmethod
    def _api_url_ends_in_bot(cls, value: str) -> str:
        url = value.strip().rstrip("/")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("must be an http:// or https:// URL such as https://api.telegram.org/bot")
        # python-telegram-bot appends the token to it, and the file URL is
        # derived from it; a URL with the token inside would also leak it, so
        # the value is not echoed.
        if not parts.path.endswith("/bot") or parts.query or parts.fragment:
            raise ValueError("must end in /bot, e.g. https://api.telegram.org/bot or http://127.0.0.1:8081/bot")
        return url

    @field_validator("webhook_url", mode="after")
    @classmethod
    def _webhook_url_is_absolute(cls, value: str | None) -> str | None:
        if value is None:
            return None
        url = value.strip()
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"must be an https:// URL (got {_shorten(url)!r})")
        try:
            _ = parts.port  # reading the port is what validates it
        except ValueError:
            raise ValueError(f"has an invalid port (got {_shorten(url)!r})") from None
        return url

    @field_validator("webhook_secret", mode="after")
    @classmethod
    def _webhook_secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _WEBHOOK_SECRET_SHAPE.fullmatch(value.get_secret_value()):
            raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule)")
        return value

    @field_validator("default_timezone", mode="after")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        load_zone(value.strip())  # its ValueError says "unknown time zone '...'"
        return value.strip()

    @field_validator("log_level", mode="before")
    @classmethod
    def _log_level_any_case(cls, value: Any) -> Any:
        return _one_of(value, LOG_LEVELS, str.upper)

    @field_validator("log_format", mode="before")
    @classmethod
    def _log_format_any_case(cls, value: Any) -> Any:
        return _one_of(value, LOG_FORMATS, str.lower)

    @field_validator("mode", mode="before")
    @classmethod
    def _mode_any_case(cls, value: Any) -> Any:
        return _one_of(value, MODES, str.lower)

    @model_validator(mode="after")
    def _http_port_is_free(self) -> Settings:
        if self.http_port is not None and self.mode == "webhook" and self.http_port == self.webhook_port:
            raise _SettingProblem("http_port", f"is AFTERSALES_WEBHOOK_PORT too ({self.http_port}): give each its own")
        return self

    @model_validator(mode="after")
    def _webhook_mode_is_complete(self) -> Settings:
        if self.mode != "webhook":
            return self
        if self.webhook_url is None:
            raise _SettingProblem("webhook_url", "required when AFTERSALES_MODE is webhook")
        if self.webhook_secret is None:
            raise _SettingProblem("webhook_secret", "required when AFTERSALES_MODE is webhook")
        # A self-hosted Bot API server (--local) also accepts plain http and
        # any port; Telegram's cloud does not.
        if urlsplit(self.telegram_api_url).hostname == _CLOUD_API_HOST:
            parts = urlsplit(self.webhook_url)
            if parts.scheme != "https":
                raise _SettingProblem("webhook_url", "must be an https:// URL for Telegram's cloud")
            port = parts.port or 443
            if port not in _CLOUD_WEBHOOK_PORTS:
                ports = ", ".join(map(str, _CLOUD_WEBHOOK_PORTS))
                raise _SettingProblem("webhook_url", f"Telegram's cloud only calls ports {ports} (got {port})")
        return self

    @property
    def telegram_file_url(self) -> str:
        """python-telegram-bot's ``base_file_url``: ``.../bot`` becomes ``.../file/bot``."""
        if not self.telegram_api_url.endswith("/bot"):
            raise ValueError(f"{env_var_name('telegram_api_url')} must end in /bot")
        return self.telegram_api_url[: -len("/bot")] + "/file/bot"


def env_var_name(field: str) -> str:
    """The environment variable that sets ``field``."""
    if field == "telegram_bot_token":
        return TOKEN_ENV_VAR
    return ENV_PREFIX + field.upper()


def load_settings(**overrides: Any) -> Settings:
    """Read the settings; ``overrides`` (by field name) win over the environment.

    pydantic-settings' own init options pass through, e.g. ``_env_file=None``
    to ignore ``.env`` in tests.
    """
    unknown = sorted(key for key in overrides if not key.startswith("_") and key not in Settings.model_fields)
    if unknown:
        raise TypeError(f"load_settings() got unknown settings: {', '.join(unknown)}")
    try:
        return Settings(**overrides)
    except ValidationError as error:
        raise _config_error(error.errors()[0]) from None
    except SettingsError as error:
        raise ConfigError(".env", str(error)) from None


def _config_error(error: Any) -> ConfigError:
    problem = error.get("ctx", {}).get("error")
    if isinstance(problem, _SettingProblem):
        return ConfigError(env_var_name(problem.field), str(problem))
    location = error["loc"]
    field = _field_for(str(location[0])) if location else None
    env_var = env_var_name(field) if field else "settings"
    return ConfigError(env_var, _describe(error, show_input=field not in _SECRET_FIELDS))


def _field_for(name: str) -> str | None:
    if name in Settings.model_fields:
        return name
    if name == TOKEN_ENV_VAR:
        return "telegram_bot_token"
    return None


def _describe(error: Any, show_input: bool) -> str:
    kind = error["type"]
    ctx = error.get("ctx", {})
    if kind == "value_error":
        return str(ctx["error"])  # our own validators word their messages
    if kind in ("int_parsing", "int_type", "int_from_float"):
        text = "must be a whole number"
    elif kind == "greater_than_equal":
        text = f"must be at least {ctx['ge']}"
    elif kind == "less_than_equal":
        text = f"must be at most {ctx['le']}"
    elif kind == "string_too_short":
        text = "must not be empty"
    elif kind == "missing":
        return "is required"
    else:
        message = str(error["msg"])
        text = message[:1].lower() + message[1:]
    if show_input and "input" in error:
        text += f" (got {_shorten(error['input'])!r})"
    return text


def _one_of(value: Any, allowed: tuple[str, ...], normalise: Any) -> Any:
    if isinstance(value, str) and normalise(value.strip()) in allowed:
        return normalise(value.strip())
    raise ValueError(f"must be one of {', '.join(allowed)} (got {_shorten(value)!r})")


def _shorten(value: Any, limit: int = 60) -> Any:
    if isinstance(value, str) and len(value) > limit:
        return value[: limit - 1] + "…"
    return value


def _one_line(text: str) -> str:
    return " ".join(line.strip() for line in text.splitlines() if line.strip())
