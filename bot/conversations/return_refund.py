"""The "return refund" flow: what to return, exchange or refund, and photos of it."""

from __future__ import annotations

from bot.conversations.steps import FlowSpec
from domain.enums import TicketReason


def build() -> FlowSpec:
    return FlowSpec(TicketReason.RETURN_REFUND, min_length=10, takes_media=True)
