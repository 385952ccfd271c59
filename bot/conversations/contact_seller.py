"""The "contact seller" flow: a free question to the seller."""

from __future__ import annotations

from bot.conversations.steps import FlowSpec
from domain.enums import TicketReason


def build() -> FlowSpec:
    return FlowSpec(TicketReason.CONTACT_SELLER, min_length=2, takes_media=False)
