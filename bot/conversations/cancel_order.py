"""The "cancel order" flow: a reason from the product's list, details, optional proof; told up front how it would go."""

from __future__ import annotations

from enum import IntEnum

from telegram.ext import ConversationHandler

from bot.conversations.flow_builder import flow_conversation
from bot.conversations.steps import FlowSpec, Step
from domain.enums import CancellationReason, TicketReason

# PRODUCT.md, "Cancellations": the domain's list, so a later cancellation request records the same codes.
CANCEL_REASONS = tuple(reason.value for reason in CancellationReason)

SPEC = FlowSpec(
    TicketReason.CANCEL_ORDER, min_length=2, takes_media=True, picks_cancel_reason=True, cancel_reasons=CANCEL_REASONS
)


class State(IntEnum):
    PICK_CANCEL_REASON = Step.PICK_CANCEL_REASON
    DESCRIBE = Step.DESCRIBE
    MEDIA = Step.MEDIA
    CONFIRM = Step.CONFIRM


def build(*, persistent: bool = False) -> ConversationHandler:
    return flow_conversation(SPEC, State, persistent=persistent)
