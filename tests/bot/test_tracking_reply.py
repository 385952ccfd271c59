"""The agent's one line for a shipped replacement: carrier, tracking number, an optional link."""

from __future__ import annotations

import pytest

from bot.handlers.reshipments import Tracking, parse_tracking
from domain.services.refusals import Refused


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("DHL 00340434161234567890", Tracking("DHL", "00340434161234567890")),
        ("  Deutsche Post   RR123456785DE ", Tracking("Deutsche Post", "RR123456785DE")),
        ("GLS 1234-5678-90 https://gls.de/t?1", Tracking("GLS", "1234-5678-90", "https://gls.de/t?1")),
    ],
)
def test_a_line_reads_as_carrier_number_and_link(text, parsed):
    assert parse_tracking(text) == parsed


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "tracking_unreadable"),
        ("00340434161234567890", "tracking_unreadable"),
        ("sent it today", "tracking_unreadable"),
        ("123 456", "tracking_unreadable"),
        ("https://dhl.de/t DHL 0034", "tracking_unreadable"),
        ("DHL 0034 https://a.de https://b.de", "tracking_unreadable"),
        ("DHL 0034 www.dhl.de", "tracking_url_invalid"),
    ],
)
def test_a_line_that_does_not_read_so_is_refused(text, why):
    with pytest.raises(Refused) as refused:
        parse_tracking(text)
    assert refused.value.why == why
