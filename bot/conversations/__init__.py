"""The buyer's conversations: /claim and the reason flows (one module per flow, shared steps in `steps`)."""

from __future__ import annotations

from bot.conversations import claim, ticket_flow
from bot.conversations.flow_builder import Leaving


def buyer_conversations(*, leaving: Leaving, persistent: bool = False) -> list:
    """`leaving`: the commands that end a flow and run (the buyer's handlers pass them in).

    `persistent`: the application has `bot.persistence.DraftPersistence` to restore them at start-up.
    """
    return [
        *ticket_flow.build_all(leaving=leaving, persistent=persistent),
        claim.build(leaving=leaving, persistent=persistent),
    ]
