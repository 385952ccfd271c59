"""The "cancel order" flow: a reason from the product's list, details, optional proof; told up front how it would go."""

from __future__ import annotations

from bot.conversations.steps import FlowSpec
from domain.enums import TicketReason

# PRODUCT.md, "Cancellations".
CANCEL_REASONS = ("changed_mind", "by_mistake", "cheaper", "too_slow", "wrong_address", "other")


def build() -> FlowSpec:
    return FlowSpec(
        TicketReason.CANCEL_ORDER, min_length=2, takes_media=True, picks_cancel_reason=True, cancel_reasons=CANCEL_REASONS
    )
