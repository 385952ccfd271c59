"""The "change size colour" flow: which item and the size or colour wanted, before shipment."""

from __future__ import annotations

from bot.conversations.steps import FlowSpec
from domain.enums import TicketReason


def build() -> FlowSpec:
    return FlowSpec(TicketReason.CHANGE_SIZE_COLOUR, min_length=3, takes_media=False)
