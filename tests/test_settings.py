import os

import pytest
from pydantic import SecretStr, ValidationError

from bot.settings import ConfigError, Settings, env_var_name, load_settings

TOKEN = "123456789:AAH-example_token"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    """No developer's or CI's settings leak in; `.env` is read from tmp_path."""
    for name in list(os.environ):
        if name.startswith("AFTERSALES_") or name == "TELEGRAM_BOT_TOKEN":
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def config_error(**overrides) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings(**overrides)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_defaults():
    settings = load_settings()
    assert settings.telegram_bot_token is None
    assert settings.database_url == "sqlite+aiosqlite:///aftersales.sqlite3"
    assert settings.telegram_api_url == "https://api.telegram.org/bot"
    assert settings.telegram_file_url == "https://api.telegram.org/file/bot"
    assert settings.mode == "polling"
    assert settings.webhook_url is None and settings.webhook_secret is None
    assert (settings.webhook_listen, settings.webhook_port) == ("127.0.0.1", 8443)
    assert settings.moderators_chat_id is None
    assert settings.default_timezone == "UTC"
    assert settings.log_level == "INFO"
    assert settings.link_secret is None
    assert (settings.sandbox_host, settings.sandbox_port) == ("127.0.0.1", 8080)
    assert settings.max_in_flight_sends == 16
    assert (settings.http_listen, settings.http_port) == ("127.0.0.1", None)
    assert (settings.log_format, settings.retention_days, settings.instance) == ("text", 30, None)
    assert settings.concurrent_updates == 16


def test_environment_variables_with_prefix_and_the_token_without(monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("AFTERSALES_LOG_LEVEL", "warning")
    monkeypatch.setenv("AFTERSALES_CONCURRENT_UPDATES", "32")
    monkeypatch.setenv("AFTERSALES_MODERATORS_CHAT_ID", "-1001234567890")
    monkeypatch.setenv("AFTERSALES_DEFAULT_TIMEZONE", "Asia/Shanghai")
    monkeypatch.setenv("AFTERSALES_LINK_SECRET", "s3cret")
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")  # no prefix: not ours
    settings = load_settings()
    assert settings.telegram_bot_token == SecretStr(TOKEN)
    assert settings.log_level == "WARNING"
    assert settings.concurrent_updates == 32
    assert settings.moderators_chat_id == -1001234567890
    assert settings.default_timezone == "Asia/Shanghai"
    assert settings.link_secret.get_secret_value() == "s3cret"


def test_dotenv_file_in_the_working_directory(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text(
        f"TELEGRAM_BOT_TOKEN={TOKEN}\n"
        "AFTERSALES_MODE=webhook\n"
        "AFTERSALES_WEBHOOK_URL=https://bot.example.com/telegram\n"
        "AFTERSALES_WEBHOOK_SECRET=abc_DEF-123\n"
        "AFTERSALES_SANDBOX_PORT=9090\n"
        "AFTERSALES_MODERATORS_CHAT_ID=\n"  # empty: unset
        "POSTGRES_PASSWORD=for-another-tool\n",  # other tools' keys are ignored
        encoding="utf-8",
    )
    monkeypatch.setenv("AFTERSALES_SANDBOX_PORT", "7070")  # the environment wins
    settings = load_settings()
    assert settings.telegram_bot_token.get_secret_value() == TOKEN
    assert settings.mode == "webhook"
    assert settings.webhook_url == "https://bot.example.com/telegram"
    assert settings.webhook_secret.get_secret_value() == "abc_DEF-123"
    assert settings.sandbox_port == 7070
    assert settings.moderators_chat_id is None


def test_dotenv_can_be_switched_off_and_overrides_win(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("AFTERSALES_LOG_LEVEL=ERROR\n", encoding="utf-8")
    monkeypatch.setenv("AFTERSALES_WEBHOOK_PORT", "8000")
    assert load_settings(_env_file=None).log_level == "INFO"
    assert load_settings().log_level == "ERROR"
    assert load_settings(webhook_port=88).webhook_port == 88


def test_unknown_override_is_a_programming_error():
    with pytest.raises(TypeError, match="log_levle"):
        load_settings(log_levle="INFO")


@pytest.mark.parametrize(
    "env_var, value, expected",
    [
        (
            "AFTERSALES_LOG_LEVEL",
            "LOUD",
            "AFTERSALES_LOG_LEVEL: must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL (got 'LOUD')",
        ),
        (
            "AFTERSALES_LOG_FORMAT",
            "xml",
            "AFTERSALES_LOG_FORMAT: must be one of text, json (got 'xml')",
        ),
        (
            "AFTERSALES_DEFAULT_TIMEZONE",
            "Mars/Olympus",
            "AFTERSALES_DEFAULT_TIMEZONE: unknown time zone 'Mars/Olympus'",
        ),
        (
            "AFTERSALES_MODE",
            "carrier-pigeon",
            "AFTERSALES_MODE: must be one of polling, webhook (got 'carrier-pigeon')",
        ),
        (
            "TELEGRAM_BOT_TOKEN",
            "not-a-token",
            "TELEGRAM_BOT_TOKEN: must look like <digits>:<letters, digits, _ or -> as @BotFather gives it",
        ),
        (
            "AFTERSALES_DATABASE_URL",
            "mysql://shop:pw@db/shop",
            "AFTERSALES_DATABASE_URL: must be a sqlite+aiosqlite://, postgresql+asyncpg:// or "
            "postgresql:// URL (got 'mysql')",
        ),
        (
            "AFTERSALES_DATABASE_URL",
            "aftersales.sqlite3",
            "AFTERSALES_DATABASE_URL: must be a sqlite+aiosqlite://, postgresql+asyncpg:// or postgresql:// URL",
        ),
        (
            "AFTERSALES_TELEGRAM_API_URL",
            "http://127.0.0.1:8081/",
            "AFTERSALES_TELEGRAM_API_URL: must end in /bot, e.g. https://api.telegram.org/bot or "
            "http://127.0.0.1:8081/bot",
        ),
        (
            "AFTERSALES_TELEGRAM_API_URL",
            "api.telegram.org/bot",
            "AFTERSALES_TELEGRAM_API_URL: must be an http:// or https:// URL such as https://api.telegram.org/bot",
        ),
        (
            "AFTERSALES_WEBHOOK_URL",
            "bot.example.com/hook",
            "AFTERSALES_WEBHOOK_URL: must be an https:// URL (got 'bot.example.com/hook')",
        ),
        (
            "AFTERSALES_WEBHOOK_SECRET",
            "has spaces",
            "AFTERSALES_WEBHOOK_SECRET: must be 1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule)",
        ),
        (
            "AFTERSALES_WEBHOOK_SECRET",
            "x" * 257,
            "AFTERSALES_WEBHOOK_SECRET: must be 1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule)",
        ),
        ("AFTERSALES_WEBHOOK_PORT", "eighty", "AFTERSALES_WEBHOOK_PORT: must be a whole number (got 'eighty')"),
        ("AFTERSALES_SANDBOX_PORT", "70000", "AFTERSALES_SANDBOX_PORT: must be at most 65535 (got '70000')"),
        ("AFTERSALES_HTTP_PORT", "metrics", "AFTERSALES_HTTP_PORT: must be a whole number (got 'metrics')"),
        (
            "AFTERSALES_MODERATORS_CHAT_ID",
            "@moderators",
            "AFTERSALES_MODERATORS_CHAT_ID: must be a whole number (got '@moderators')",
        ),
        ("AFTERSALES_MAX_IN_FLIGHT_SENDS", "0", "AFTERSALES_MAX_IN_FLIGHT_SENDS: must be at least 1 (got '0')"),
        ("AFTERSALES_MAX_IN_FLIGHT_SENDS", "101", "AFTERSALES_MAX_IN_FLIGHT_SENDS: must be at most 100 (got '101')"),
        ("AFTERSALES_CONCURRENT_UPDATES", "257", "AFTERSALES_CONCURRENT_UPDATES: must be at most 256 (got '257')"),
    ],
)
def test_each_bad_value_is_one_line_naming_its_variable(monkeypatch, env_var, value, expected):
    monkeypatch.setenv(env_var, value)
    assert config_error() == expected


def test_secrets_are_never_echoed(monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "12345:abc!def")
    assert "abc!def" not in config_error()
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN")
    monkeypatch.setenv("AFTERSALES_DATABASE_URL", "mysql://shop:hunter2@db/shop")
    assert "hunter2" not in config_error()
    monkeypatch.setenv("AFTERSALES_DATABASE_URL", "postgresql://shop:hunter2@db/shop")
    assert "hunter2" not in repr(load_settings())


def test_only_the_first_error_is_reported(monkeypatch):
    monkeypatch.setenv("AFTERSALES_LOG_LEVEL", "LOUD")
    monkeypatch.setenv("AFTERSALES_DEFAULT_TIMEZONE", "Mars/Olympus")
    assert config_error() == "AFTERSALES_DEFAULT_TIMEZONE: unknown time zone 'Mars/Olympus'"


def test_bad_override_is_named_by_its_variable_too():
    assert config_error(concurrent_updates=0) == ("AFTERSALES_CONCURRENT_UPDATES: must be at least 1 (got 0)")
    assert config_error(webhook_listen="") == ("AFTERSALES_WEBHOOK_LISTEN: must not be empty (got '')")


def test_token_whitespace_is_trimmed(monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", f"  {TOKEN}\t")
    assert load_settings().telegram_bot_token.get_secret_value() == TOKEN


@pytest.mark.parametrize(
    "given, stored",
    [
        ("postgresql://shop@db:5432/aftersales", "postgresql+asyncpg://shop@db:5432/aftersales"),
        ("postgres://shop@db/aftersales", "postgresql+asyncpg://shop@db/aftersales"),
        ("postgresql+asyncpg://shop@db/aftersales", "postgresql+asyncpg://shop@db/aftersales"),
        ("sqlite+aiosqlite:///data/bot.sqlite3", "sqlite+aiosqlite:///data/bot.sqlite3"),
        ("sqlite+aiosqlite://", "sqlite+aiosqlite://"),
    ],
)
def test_database_url_normalisation(monkeypatch, given, stored):
    monkeypatch.setenv("AFTERSALES_DATABASE_URL", given)
    assert load_settings().database_url == stored


@pytest.mark.parametrize(
    "api_url, file_url",
    [
        ("https://api.telegram.org/bot", "https://api.telegram.org/file/bot"),
        ("http://127.0.0.1:8081/bot", "http://127.0.0.1:8081/file/bot"),
        ("http://127.0.0.1:8081/bot/", "http://127.0.0.1:8081/file/bot"),
        ("https://proxy.example/telegram/bot", "https://proxy.example/telegram/file/bot"),
    ],
)
def test_file_url_is_derived_from_the_api_url(monkeypatch, api_url, file_url):
    monkeypatch.setenv("AFTERSALES_TELEGRAM_API_URL", api_url)
    settings = load_settings()
    assert settings.telegram_api_url == file_url.replace("/file/bot", "/bot")
    assert settings.telegram_file_url == file_url


def test_file_url_refuses_an_api_url_not_ending_in_bot():
    unchecked = Settings.model_construct(telegram_api_url="http://127.0.0.1:8081/api")
    with pytest.raises(ValueError, match="AFTERSALES_TELEGRAM_API_URL must end in /bot"):
        _ = unchecked.telegram_file_url


class TestWebhookMode:
    URL = "https://bot.example.com/telegram"

    def test_requires_a_url(self):
        assert config_error(mode="webhook", webhook_secret="abc") == (
            "AFTERSALES_WEBHOOK_URL: required when AFTERSALES_MODE is webhook"
        )

    def test_requires_a_secret(self):
        assert config_error(mode="webhook", webhook_url=self.URL) == (
            "AFTERSALES_WEBHOOK_SECRET: required when AFTERSALES_MODE is webhook"
        )

    def test_complete_settings_load(self, monkeypatch):
        monkeypatch.setenv("AFTERSALES_MODE", "WEBHOOK")
        monkeypatch.setenv("AFTERSALES_WEBHOOK_URL", self.URL)
        monkeypatch.setenv("AFTERSALES_WEBHOOK_SECRET", "S" * 256)
        monkeypatch.setenv("AFTERSALES_WEBHOOK_LISTEN", "0.0.0.0")
        settings = load_settings()
        assert (settings.mode, settings.webhook_url, settings.webhook_listen) == ("webhook", self.URL, "0.0.0.0")

    def test_the_health_port_is_not_the_webhooks(self):
        assert config_error(mode="webhook", webhook_url=self.URL, webhook_secret="abc", http_port=8443) == (
            "AFTERSALES_HTTP_PORT: is AFTERSALES_WEBHOOK_PORT too (8443): give each its own"
        )
        assert (
            load_settings(mode="webhook", webhook_url=self.URL, webhook_secret="abc", http_port=9100).http_port == 9100
        )

    def test_polling_mode_needs_neither(self):
        assert load_settings(mode="polling").webhook_url is None

    def test_cloud_telegram_needs_https(self):
        assert (
            config_error(mode="webhook", webhook_url="http://bot.example.com/hook", webhook_secret="abc")
            == "AFTERSALES_WEBHOOK_URL: must be an https:// URL for Telegram's cloud"
        )

    def test_cloud_telegram_calls_only_its_ports(self):
        assert config_error(mode="webhook", webhook_url="https://bot.example.com:9000/hook", webhook_secret="abc") == (
            "AFTERSALES_WEBHOOK_URL: Telegram's cloud only calls ports 443, 80, 88, 8443 (got 9000)"
        )
        for port in (443, 80, 88, 8443):
            url = f"https://bot.example.com:{port}/hook"
            settings = load_settings(mode="webhook", webhook_url=url, webhook_secret="abc")
            assert settings.webhook_url == url

    def test_local_bot_api_server_accepts_plain_http(self):
        settings = load_settings(
            mode="webhook",
            webhook_url="http://127.0.0.1:9000/hook",
            webhook_secret="abc",
            telegram_api_url="http://127.0.0.1:8081/bot",
        )
        assert settings.webhook_url == "http://127.0.0.1:9000/hook"


def test_settings_are_immutable():
    settings = load_settings()
    with pytest.raises(ValidationError, match="frozen"):
        settings.log_level = "DEBUG"


def test_env_var_names():
    assert env_var_name("log_level") == "AFTERSALES_LOG_LEVEL"
    assert env_var_name("telegram_bot_token") == "TELEGRAM_BOT_TOKEN"


def test_a_secret_of_the_wrong_type_is_not_echoed():
    message = config_error(link_secret=9876543210)
    assert message.startswith("AFTERSALES_LINK_SECRET: ")
    assert "9876543210" not in message


def test_flow_idle_time_is_bounded(monkeypatch):
    assert load_settings(_env_file=None).flow_idle_minutes == 30
    monkeypatch.setenv("AFTERSALES_FLOW_IDLE_MINUTES", "0")
    assert config_error() == "AFTERSALES_FLOW_IDLE_MINUTES: must be at least 1 (got '0')"
