"""A buyer's cancellation: its record and the store's decision, by where the parcel is.

docs/business-rules.md#cancellations, with `ticket_rules.cancel_options` as
the one rule of which way it goes (the buyer is told the same before
submitting):
- not shipped: the store approves (the order is cancelled, refunded) or rejects with a reason;
- in transit, domestic: the store tries to intercept and reports it: succeeded
  (refunded, the order cancelled) or failed (not refundable);
- in transit, international: recorded, not refundable, nothing for the store to decide;
- delivered: no cancellation (the buyer is offered a return), so none is recorded.
Each decision is taken once (`transition`'s compare-and-set), by an active
agent of the store, recorded with who and when.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.clock import Clock
from domain.enums import CancellationReason, CancellationStatus, OrderStatus, TicketReason
from domain.errors import NotFound
from domain.models import Cancellation, Order, Ticket
from domain.services.money_events import CANCELLATION_APPROVED, record_money_event
from domain.services.order_changes import Case, agent_actor, answered, check_note, load_case
from domain.services.refusals import Forbidden, Refused
from domain.services.ticket_rules import cancel_options
from domain.states import transition
from domain.storage.uow import UnitOfWork

C = CancellationStatus
_ON_THE_WAY = frozenset({OrderStatus.SHIPPED, OrderStatus.IN_TRANSIT})
# The press, the status it moves to, whether it refunds, whether the order is cancelled.
OUTCOMES: dict[str, tuple[CancellationStatus, bool, bool]] = {
    "approve": (C.APPROVED, True, True),
    "reject": (C.REJECTED, False, False),
    "intercepted": (C.INTERCEPTED, True, True),
    "interception_failed": (C.INTERCEPTION_FAILED, False, False),
}


@dataclass(frozen=True)
class CancellationDecision:
    cancellation_id: int
    status: CancellationStatus
    notices: tuple


@dataclass(frozen=True)
class CancellationView:
    cancellation_id: int
    ticket_id: int
    reason: CancellationReason
    note: str | None
    status: CancellationStatus
    refundable: bool
    path: str  # cancel_options' path when it was asked: seller_decides, interception, not_refundable
    actions: frozenset[str]
    decision_reason: str | None
    decided_at: datetime | None


def _path(cancellation: Cancellation) -> str:
    status = CancellationStatus(cancellation.status)
    if status in (C.INTERCEPTING, C.INTERCEPTED, C.INTERCEPTION_FAILED):
        return "interception"
    if status == C.REQUESTED and not cancellation.refundable:
        return "not_refundable"
    return "seller_decides"


async def record_opened(
    uow: UnitOfWork,
    ticket: Ticket,
    order: Order,
    reason: TicketReason,
    text: str | None,
    *,
    cancel_reason: str | None,
    now: datetime,
) -> Cancellation | None:
    """A new cancellation ticket gets its Cancellation, set on the way `cancel_options` says."""
    if reason != TicketReason.CANCEL_ORDER:
        return None
    options = cancel_options(order)
    if not options.can_submit:
        return None
    try:
        why = CancellationReason(cancel_reason or "")
    except ValueError:
        why = CancellationReason.OTHER
    status = C.INTERCEPTING if options.path == "interception" else C.REQUESTED
    cancellation = uow.requests.add_cancellation(
        Cancellation(
            ticket_id=ticket.id,
            order_id=order.id,
            reason=why,
            note=(text or "").strip() or None,
            status=status,
            # Not shipped: refunded once approved. On the way: only if intercepted; international: never.
            refundable=options.path == "seller_decides",
            created_at=now,
        )
    )
    await uow.flush()
    uow.audit.record(
        "cancellation.requested",
        subject_type="cancellation",
        subject_id=cancellation.id,
        actor=f"buyer:{ticket.buyer_id}",
        at=now,
        data={"ticket_id": ticket.id, "reason": why.value, "path": options.path},
    )
    return cancellation


def cancellation_actions(cancellation: Cancellation, order: Order) -> frozenset[str]:
    status, order_status = CancellationStatus(cancellation.status), OrderStatus(order.status)
    if status == C.REQUESTED and cancellation.refundable:
        # Shipped since it was asked: nothing to approve any more, only to say no.
        return frozenset({"approve", "reject"}) if order_status == OrderStatus.CONFIRMED else frozenset({"reject"})
    if status == C.INTERCEPTING:
        return (
            frozenset({"intercepted", "interception_failed"})
            if order_status in _ON_THE_WAY
            else frozenset({"interception_failed"})
        )
    return frozenset()


async def _cancellation(uow: UnitOfWork, cancellation_id: int) -> Cancellation:
    cancellation = await uow.session.get(Cancellation, cancellation_id)
    if cancellation is None:
        raise NotFound(f"no cancellation with id {cancellation_id}")
    return cancellation


async def cancellation_of_ticket(uow: UnitOfWork, ticket_id: int) -> Cancellation | None:
    return await uow.requests.cancellation_by_ticket(ticket_id)


async def cancellation_view(uow: UnitOfWork, cancellation_id: int) -> CancellationView:
    cancellation = await _cancellation(uow, cancellation_id)
    order = await uow.orders.get(cancellation.order_id)
    if order is None:
        raise NotFound(f"no order with id {cancellation.order_id}")
    return CancellationView(
        cancellation_id=cancellation.id,
        ticket_id=cancellation.ticket_id,
        reason=CancellationReason(cancellation.reason),
        note=cancellation.note,
        status=CancellationStatus(cancellation.status),
        refundable=cancellation.refundable,
        path=_path(cancellation),
        actions=cancellation_actions(cancellation, order),
        decision_reason=cancellation.decision_reason,
        decided_at=cancellation.decided_at,
    )


async def decide_cancellation(
    uow: UnitOfWork, clock: Clock, cancellation_id: int, actor_telegram_id: int, action: str, note: str | None = None
) -> CancellationDecision:
    """`action` is one of OUTCOMES; reject needs a `note` (shown to the buyer).

    Refused: already_decided (not among the actions now, e.g. the other agent
    was first), already_shipped (approve after the parcel left), note_required.
    """
    cancellation = await _cancellation(uow, cancellation_id)
    case = await load_case(uow, cancellation.id, cancellation.ticket_id, cancellation.order_id)
    actor = await agent_actor(uow, case, actor_telegram_id)
    if action not in OUTCOMES:
        raise Refused("already_decided")
    if action not in cancellation_actions(cancellation, case.order):
        pending = CancellationStatus(cancellation.status) in (C.REQUESTED, C.INTERCEPTING)
        raise Refused("already_shipped" if pending and action == "approve" else "already_decided")
    note = check_note(note, required=action == "reject")
    status, refunds, cancels_order = OUTCOMES[action]
    now = clock.now()
    await transition(uow, cancellation, status, actor=actor, reason=note, at=now, data={"refundable": refunds})
    cancellation.refundable = refunds
    cancellation.decision_reason, cancellation.decided_by, cancellation.decided_at = note, actor, now
    if cancels_order:
        await transition(
            uow, case.order, OrderStatus.CANCELLED, actor=actor, at=now, data={"cancellation_id": cancellation.id}
        )
    if refunds:  # the order is cancelled and paid back: the marketplace moves the money
        record_money_event(
            uow,
            event_type=CANCELLATION_APPROVED,
            store=case.store,
            order_number=case.order.external_number,
            subject=("cancellation", cancellation.id),
            actor=actor,
            at=now,
            amount_minor=sum(item.unit_price_minor * item.quantity for item in case.order.items),
            currency=case.order.currency,
            details={"outcome": str(status), "reason": str(cancellation.reason)},
        )
    await answered(uow, case, now)
    await uow.flush()
    return CancellationDecision(cancellation.id, CancellationStatus(cancellation.status), _notices(case, cancellation))


def can_withdraw(cancellation: Cancellation) -> bool:
    """The buyer may take a cancellation back while it waits for the store (not once an interception is under way)."""
    return CancellationStatus(cancellation.status) == C.REQUESTED


async def withdraw_cancellation(
    uow: UnitOfWork, clock: Clock, cancellation_id: int, buyer_telegram_id: int
) -> CancellationDecision:
    """The ticket's buyer withdraws their cancellation: the order goes on, the store has nothing left to decide.

    Forbidden for anyone but the ticket's buyer; Refused already_decided once
    the store decided (or, of a withdrawal and a decision at once, the later one).
    """
    cancellation = await _cancellation(uow, cancellation_id)
    case = await load_case(uow, cancellation.id, cancellation.ticket_id, cancellation.order_id)
    if case.buyer_telegram_id is None or case.buyer_telegram_id != buyer_telegram_id:
        raise Forbidden("only the ticket's buyer may withdraw its cancellation")
    if not can_withdraw(cancellation):
        raise Refused("already_decided")
    now = clock.now()
    await transition(uow, cancellation, C.WITHDRAWN, actor=f"buyer:{case.ticket.buyer_id}", at=now)
    await uow.flush()
    notices = case.notices("cancellation_withdrawn", "buyer", "store", outcome=str(C.WITHDRAWN))
    return CancellationDecision(cancellation.id, C.WITHDRAWN, notices)


def _notices(case: Case, cancellation: Cancellation) -> tuple:
    return case.notices(
        "cancellation_decided",
        "buyer",
        "store",
        outcome=str(cancellation.status),
        refundable=cancellation.refundable,
        note=cancellation.decision_reason,
    )
