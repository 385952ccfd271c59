"""The "cancel order" flow: a reason from the product's list and details; told up front how it would go.

It asks for no photos (a change of mind needs no proof), and its buttons name the
request, so "cancel" never sits beside "send" on a cancellation.
"""

from __future__ import annotations

from enum import IntEnum

from telegram.ext import ConversationHandler

from bot.conversations.flow_builder import Leaving, flow_conversation
from bot.conversations.steps import ConfirmWording, FlowSpec, Step
from domain.enums import CancellationReason, TicketReason

# docs/business-rules.md#cancellations: the domain's list, so a later cancellation request records the same codes.
CANCEL_REASONS = tuple(reason.value for reason in CancellationReason)

SPEC = FlowSpec(
    TicketReason.CANCEL_ORDER,
    min_length=2,
    takes_media=False,
    picks_cancel_reason=True,
    cancel_reasons=CANCEL_REASONS,
    wording=ConfirmWording(
        send="flows/button_send_cancellation.txt",
        quit="flows/button_keep_order.txt",
        reminder="flows/want_button_cancellation.html",
        left="flows/left_cancellation.html",
    ),
)


class State(IntEnum):
    PICK_CANCEL_REASON = Step.PICK_CANCEL_REASON
    DESCRIBE = Step.DESCRIBE
    MEDIA = Step.MEDIA  # no longer entered; kept so a draft stored while the flow still asked for photos can finish
    CONFIRM = Step.CONFIRM


def build(*, leaving: Leaving, persistent: bool = False) -> ConversationHandler:
    return flow_conversation(SPEC, State, leaving=leaving, persistent=persistent)
