"""The bot's log: one line per event, as text or JSON, never the bot token or a card number.

``AFTERSALES_LOG_FORMAT=json`` writes each record as one JSON object
(``time``, ``level``, ``logger``, ``message``, and ``exception`` with the
traceback when there is one) for a log collector; ``text`` (the default)
is for people. Either way the whole line, traceback included, is redacted
last: the bot token (python-telegram-bot and httpx put it in every URL they
report) and any secret given, and card numbers (a buyer's words can reach
a log in an error), masked as buyers' words are for sellers.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from datetime import UTC, datetime

from domain.moderation.masking import mask_card_numbers

REDACTED = "[redacted]"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        return json.dumps(line, ensure_ascii=False)


class RedactingFormatter(logging.Formatter):
    """Formats with ``inner``, then takes the secrets and card numbers out of the whole line."""

    def __init__(self, inner: logging.Formatter, secrets: Iterable[str]) -> None:
        super().__init__()
        self._inner = inner
        self._secrets = sorted({secret for secret in secrets if secret}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        line = self._inner.format(record)
        for secret in self._secrets:
            line = line.replace(secret, REDACTED)
        return mask_card_numbers(line).text or line


def formatter(log_format: str, secrets: Iterable[str]) -> logging.Formatter:
    inner = _JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    return RedactingFormatter(inner, secrets)


def configure_logging(level: str, log_format: str, secrets: Iterable[str]) -> None:
    """The root logger writes to stderr through the redacting formatter (replacing any handler it had)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter(log_format, secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # httpx logs every request at INFO; that drowns the bot's own log.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
