"""The "remove product" flow: which product to take off the order, before shipment."""

from __future__ import annotations

from bot.conversations.steps import FlowSpec
from domain.enums import TicketReason


def build() -> FlowSpec:
    return FlowSpec(TicketReason.REMOVE_PRODUCT, min_length=2, takes_media=False)
