"""The "change address" flow: the new shipping address, before shipment."""

from __future__ import annotations

from enum import IntEnum

from telegram.ext import ConversationHandler

from bot.conversations.flow_builder import Leaving, flow_conversation
from bot.conversations.steps import FlowSpec, Step
from domain.enums import TicketReason

SPEC = FlowSpec(TicketReason.CHANGE_ADDRESS, min_length=15, takes_media=False)


class State(IntEnum):
    DESCRIBE = Step.DESCRIBE
    CONFIRM = Step.CONFIRM


def build(*, leaving: Leaving, persistent: bool = False) -> ConversationHandler:
    return flow_conversation(SPEC, State, leaving=leaving, persistent=persistent)
