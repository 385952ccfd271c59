"""The reason flows, one ConversationHandler each (built by `flow_builder` from each module's spec and states).

Reason "after_sales" is the hand-built request form (`request_form`), registered beside these.
"""

from __future__ import annotations

from telegram.ext import ConversationHandler

from bot.conversations import (
    cancel_order,
    change_address,
    change_size_colour,
    contact_seller,
    remove_product,
    return_refund,
)
from bot.conversations.flow_builder import Leaving

FLOW_MODULES = (
    contact_seller,
    change_address,
    change_size_colour,
    remove_product,
    cancel_order,
    return_refund,
)


def build_all(*, leaving: Leaving, persistent: bool = False) -> list[ConversationHandler]:
    return [module.build(leaving=leaving, persistent=persistent) for module in FLOW_MODULES]
