"""Decisions that move money, recorded for the marketplace in the decision's own transaction.

Money moves in the marketplace, not in the bot (docs/business-rules.md#integration):
each such decision writes one `OutboundWebhook` row beside the change it
reports, so the event exists exactly when the decision committed. A
dispatcher posts it later, signed, until the marketplace acknowledges it.

The idempotency key is the event type and its subject ("refund.approved:request:12"):
the same on every retry, and unique in the database, so a decision reported
twice would fail its transaction rather than pay twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.models import OutboundWebhook, Store

REFUND_APPROVED = "refund.approved"  # return and refund, or refund only, approved by the store or the moderators
PARTIAL_REFUND_ACCEPTED = "partial_refund.accepted"  # the buyer accepted the store's offer
COUNTER_OFFER_ACCEPTED = "counter_offer.accepted"  # the store accepted the buyer's counter-offer
REQUEST_AUTO_APPROVED = "request.auto_approved"  # the store did not answer in time
RESHIPMENT_APPROVED = "reshipment.approved"
EXCHANGE_APPROVED = "exchange.approved"  # no money back, but the marketplace arranges the swap
CANCELLATION_APPROVED = "cancellation.approved"  # the order is cancelled and refunded
EVENT_TYPES = (
    REFUND_APPROVED,
    PARTIAL_REFUND_ACCEPTED,
    COUNTER_OFFER_ACCEPTED,
    REQUEST_AUTO_APPROVED,
    RESHIPMENT_APPROVED,
    EXCHANGE_APPROVED,
    CANCELLATION_APPROVED,
)


def decided_by(actor: str) -> dict[str, Any]:
    """Who decided, as the marketplace reads it: a role and our id of the person ("agent:12")."""
    role, _, ident = actor.partition(":")
    if role not in ("agent", "buyer", "moderator"):
        return {"role": "system"}
    return {"role": role, "user_id": int(ident) if ident.isdigit() else None}


def record_money_event(
    uow,
    *,
    event_type: str,
    store: Store,
    order_number: str | None,
    subject: tuple[str, int],
    actor: str,
    at: datetime,
    amount_minor: int | None,
    currency: str | None,
    details: dict[str, Any] | None = None,
) -> OutboundWebhook:
    """One event row for the dispatcher; `subject` is ("request", 12) or ("cancellation", 3)."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"not a money event: {event_type}")
    kind, subject_id = subject
    sequence_key = f"{kind}:{subject_id}"  # one request's events go out in order
    key = f"{event_type}:{sequence_key}"
    payload: dict[str, Any] = {
        "id": key,
        "type": event_type,
        "created_at": at.isoformat().replace("+00:00", "Z"),
        "store": {"id": store.id, "name": store.name},
        "order": order_number,
        "request": subject_id if kind == "request" else None,
        "cancellation": subject_id if kind == "cancellation" else None,
        "amount": {"minor": amount_minor, "currency": currency} if amount_minor is not None else None,
        "decided_by": decided_by(actor),
        **(details or {}),
    }
    row = OutboundWebhook(
        idempotency_key=key,
        store_id=store.id,
        sequence_key=sequence_key,
        event_type=event_type,
        payload=payload,
        status="pending",
        created_at=at,
        next_attempt_at=at,
        attempts=0,
    )
    uow.session.add(row)
    uow.wrote_money_events = True
    return row
