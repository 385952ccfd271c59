"""The buyer's conversations: /claim and the reason flows (one module per flow, shared steps in `steps`)."""

from __future__ import annotations


def buyer_conversations(*, persistent: bool = False) -> list:
    """`persistent`: the application has `bot.persistence.DraftPersistence` to restore them at start-up."""
    from bot.conversations import claim, ticket_flow

    return [*ticket_flow.build_all(persistent=persistent), claim.build(persistent=persistent)]
