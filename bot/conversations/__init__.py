"""The buyer's conversations: /claim, the reason flows and the request form (one module each, shared steps in `steps`)."""

from __future__ import annotations

from bot.conversations import claim, counter_offer, request_form, ticket_flow
from bot.conversations.flow_builder import Leaving


def buyer_conversations(*, leaving: Leaving, persistent: bool = False) -> list:
    """`leaving`: the commands that end a flow and run (the buyer's handlers pass them in).

    `persistent`: the application has `bot.persistence.DraftPersistence` to restore them at start-up.
    """
    return [
        counter_offer.build(leaving=leaving, persistent=persistent),  # first: its amount is typed mid-anything
        *ticket_flow.build_all(leaving=leaving, persistent=persistent),
        request_form.build(leaving=leaving, persistent=persistent),
        claim.build(leaving=leaving, persistent=persistent),
    ]
