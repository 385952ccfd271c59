"""The log's lines: JSON or text, one per event, with the token, secrets and card numbers taken out."""

from __future__ import annotations

import json
import logging

from bot.logs import REDACTED, formatter

TOKEN = "123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


def _record(message: str, *args, exc_info=None) -> logging.LogRecord:
    return logging.LogRecord("bot.pipeline.sender", logging.WARNING, __file__, 1, message, args, exc_info)


def test_a_json_line_is_one_object_without_the_token_or_a_card_number() -> None:
    record = _record("POST https://api.telegram.org/bot%s/sendMessage failed for %s", TOKEN, "card 4111 1111 1111 1111")
    line = formatter("json", [TOKEN])
    out = line.format(record)
    assert "\n" not in out
    parsed = json.loads(out)
    assert parsed["level"] == "WARNING" and parsed["logger"] == "bot.pipeline.sender"
    assert parsed["message"] == (
        f"POST https://api.telegram.org/bot{REDACTED}/sendMessage failed for card •••• •••• •••• 1111"
    )


def test_a_traceback_is_redacted_too_and_stays_inside_the_json_line() -> None:
    try:
        raise ConnectionError(f"https://api.telegram.org/bot{TOKEN}/getUpdates unreachable")
    except ConnectionError:
        import sys

        record = _record("polling failed", exc_info=sys.exc_info())
    parsed = json.loads(formatter("json", [TOKEN, TOKEN.partition(":")[2]]).format(record))
    assert "ConnectionError" in parsed["exception"]
    assert TOKEN not in parsed["exception"] and TOKEN.partition(":")[2] not in parsed["exception"]
    assert REDACTED in parsed["exception"]


def test_the_text_format_is_for_people_and_redacted_the_same_way() -> None:
    out = formatter("text", ["s3cret-webhook"]).format(_record("refused a delivery with secret %s", "s3cret-webhook"))
    assert out.endswith(f"WARNING bot.pipeline.sender: refused a delivery with secret {REDACTED}")
    assert "s3cret-webhook" not in out
