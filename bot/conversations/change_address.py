"""The "change address" flow: the new shipping address, before shipment."""

from __future__ import annotations

from bot.conversations.steps import FlowSpec
from domain.enums import TicketReason


def build() -> FlowSpec:
    return FlowSpec(TicketReason.CHANGE_ADDRESS, min_length=15, takes_media=False)
