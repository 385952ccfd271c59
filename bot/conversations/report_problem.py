"""The "report problem" flow: a defective, damaged, wrong or missing item, with photos or documents."""

from __future__ import annotations

from bot.conversations.steps import FlowSpec
from domain.enums import TicketReason


def build() -> FlowSpec:
    return FlowSpec(TicketReason.AFTER_SALES, min_length=10, takes_media=True)
