"""The moderators' card fits one Telegram message, whatever the agent wrote, and marks the evidence it quotes."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

from bot.relay.desk import Desk
from bot.relay.long_texts import utf16_len
from bot.relay.moderation_cards import card_text, segments
from bot.rendering import Renderer
from domain.services.moderation_cases import CaseView, ContextLine


def _view(text: str, previous: str | None = None, hits=()) -> CaseView:
    return CaseView(
        case_id=9,
        status="held",
        source="screen",
        rules=("payment_details",),
        store_id=1,
        store_name="Berlin Gadgets",
        ticket_id=4,
        ticket_number=2,
        text=text,
        hits=tuple(hits),
        for_edit=previous is not None,
        previous_text=previous,
        context=tuple(ContextLine("buyer", "😀" * 200, 1) for _ in range(4)),
        strikes=1,
        strike_threshold=3,
        suspended=False,
        reviewed_at=datetime(2026, 12, 3, tzinfo=UTC),
    )


def _shown_length(card: str) -> int:
    """What Telegram counts: the text once its HTML is parsed, in UTF-16 units."""
    return utf16_len(html.unescape(re.sub(r"<[^>]+>", "", card)))


def _desk() -> Desk:
    return Desk(uow=None, outbox=None, renderer=Renderer(), clock=None)  # type: ignore[arg-type]


def test_a_card_of_the_longest_emoji_message_and_edit_fits_one_message() -> None:
    longest = "💳" * 2048  # 4,096 UTF-16 units: as long as Telegram lets the agent write
    card = card_text(
        _desk(), _view(longest, previous="🚚" * 2048, hits=[{"rule": "payment_details", "start": 0, "end": 9}])
    )
    assert _shown_length(card) <= 4096
    assert "<b><u>" + "💳" * 9 + "</u></b>" in card and "…" in card  # the evidence marked, the rest cut


def test_a_short_card_is_quoted_whole() -> None:
    text = "Send me your card number & CVV <now>"
    card = card_text(_desk(), _view(text, hits=[{"rule": "payment_details", "start": 13, "end": 24}]))
    assert "your <b><u>card number</u></b> &amp; CVV &lt;now&gt;" in card
    assert _shown_length(card) < 4096


def test_evidence_pieces_cover_the_text_once_in_order() -> None:
    text = "pay to my paypal or card 4111"
    hits = [
        {"rule": "off_platform_payment", "start": 10, "end": 16},
        {"rule": "payment_details", "start": 14, "end": 29},
    ]
    pieces = segments(text, tuple(hits))
    assert "".join(piece for piece, _ in pieces) == text  # overlapping hits: each character once
    assert [rule for _, rule in pieces] == [None, "off_platform_payment", "payment_details"]
