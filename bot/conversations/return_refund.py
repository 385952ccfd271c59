"""The "return refund" flow: what to return, exchange or refund, and photos of it."""

from __future__ import annotations

from enum import IntEnum

from telegram.ext import ConversationHandler

from bot.conversations.flow_builder import Leaving, flow_conversation
from bot.conversations.steps import FlowSpec, Step
from domain.enums import TicketReason

SPEC = FlowSpec(TicketReason.RETURN_REFUND, min_length=10, takes_media=True)


class State(IntEnum):
    DESCRIBE = Step.DESCRIBE
    MEDIA = Step.MEDIA
    CONFIRM = Step.CONFIRM


def build(*, leaving: Leaving, persistent: bool = False) -> ConversationHandler:
    return flow_conversation(SPEC, State, leaving=leaving, persistent=persistent)
