"""Changes to an order before shipment (address, size or colour, a product removed): the record and the store's decision.

docs/business-rules.md#ticket-reasons: reasons 1-3 are possible only before
shipment. Opening such a ticket records what the buyer asked (`record_opened`,
called by `open_ticket` in the ticket's own transaction); an active agent of
the store then applies or declines it, once: the status moves by `transition`
(a compare-and-set), so of two presses one wins and the other meets
`Refused("already_decided")` on the retry. Applying changes the order itself:
the new address, the item removed, or the item's size or colour (the order
has no variant field, so the item's title carries the agreed size or colour).
Who decided and when is on the record and in the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from domain.clock import Clock
from domain.enums import ORDER_CHANGE_REASONS, ChangeStatus, OrderStatus, TicketReason
from domain.errors import NotFound
from domain.models import ChangeRequest, Order, OrderItem, Store, Ticket
from domain.results import Audience, Notice
from domain.services import ticket_deadlines
from domain.services.checkpoint import screen_note
from domain.services.refusals import Refused
from domain.services.ticket_access import require_agent_of, require_store, require_ticket
from domain.states import transition
from domain.storage.uow import UnitOfWork

MAX_NOTE = 1000
MAX_TITLE = 255  # order_items.title


@dataclass(frozen=True)
class ChangeDecision:
    change_id: int
    status: ChangeStatus
    notices: tuple[Notice, ...]


@dataclass(frozen=True)
class ChangeView:
    """A change request as the store's card shows it; `actions` are the buttons it may press now."""

    change_id: int
    ticket_id: int
    kind: TicketReason
    asked: str
    status: ChangeStatus
    actions: frozenset[str]
    items: tuple[tuple[int, str, int], ...]  # the order's items now: id, title, quantity (to pick one)
    item_title: str | None
    previous: str | None
    decision_reason: str | None
    decided_at: datetime | None


@dataclass
class Case:
    """A decision's subject with what surrounds it: the ticket, the store, the order, the buyer to tell."""

    subject_id: int
    ticket: Ticket
    store: Store
    order: Order
    buyer_telegram_id: int | None

    def notices(self, notice_kind: str, *audiences: Audience, **data: object) -> tuple[Notice, ...]:
        base = {"subject_id": self.subject_id, "number": self.ticket.number, "order_number": self.order.external_number}
        return tuple(
            Notice(notice_kind, to, self.ticket.id, self.store.id, self.buyer_telegram_id, {**base, **data})
            for to in audiences
        )


async def load_case(uow: UnitOfWork, subject_id: int, ticket_id: int, order_id: int) -> Case:
    ticket = await require_ticket(uow, ticket_id)
    store = await require_store(uow, ticket.store_id)
    order = await uow.orders.get(order_id)
    if order is None:
        raise NotFound(f"no order with id {order_id}")
    buyer = await uow.users.get(ticket.buyer_id)
    return Case(subject_id, ticket, store, order, buyer.telegram_id if buyer else None)


async def agent_actor(uow: UnitOfWork, case: Case, telegram_id: int) -> str:
    """ "agent:<user id>" for an active agent of the store; Forbidden for anyone else."""
    user, _agent = await require_agent_of(uow, case.store.id, telegram_id)
    return f"agent:{user.id}"


async def answered(uow: UnitOfWork, case: Case, now: datetime) -> None:
    """A decision answers the buyer: the first-response clock has nothing left to remind of."""
    if case.ticket.first_responded_at is None:
        case.ticket.first_responded_at = now
    await ticket_deadlines.stop_first_response_clock(uow, case.ticket, now)


def check_note(note: str | None, *, required: bool) -> str | None:
    note = (note or "").strip()
    if required and not note:
        raise Refused("note_required")
    if len(note) > MAX_NOTE:
        raise Refused("note_too_long", f"a note has at most {MAX_NOTE} characters")
    return screen_note(note) or None


# --- opening ---


async def record_opened(
    uow: UnitOfWork, ticket: Ticket, order: Order, reason: TicketReason, text: str | None, *, now: datetime
) -> ChangeRequest | None:
    """A new change ticket gets its change request (other reasons: None)."""
    if reason not in ORDER_CHANGE_REASONS:
        return None
    change = ChangeRequest(
        ticket_id=ticket.id,
        order_id=order.id,
        kind=reason,
        asked=(text or "").strip(),
        status=ChangeStatus.REQUESTED,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(change)
    await uow.flush()
    uow.audit.record(
        "change.requested",
        subject_type="change",
        subject_id=change.id,
        actor=f"buyer:{ticket.buyer_id}",
        at=now,
        data={"ticket_id": ticket.id, "kind": reason.value},
    )
    return change


async def change_of_ticket(uow: UnitOfWork, ticket_id: int) -> ChangeRequest | None:
    return await uow.session.scalar(select(ChangeRequest).where(ChangeRequest.ticket_id == ticket_id))


# --- what may be done ---


def change_actions(change: ChangeRequest, order: Order) -> frozenset[str]:
    """Apply only while the order has not shipped; declining stays possible until decided."""
    if ChangeStatus(change.status) != ChangeStatus.REQUESTED:
        return frozenset()
    if OrderStatus(order.status) == OrderStatus.CONFIRMED:
        return frozenset({"apply", "decline"})
    return frozenset({"decline"})


def needs_item(change: ChangeRequest, order: Order) -> bool:
    """Whether applying asks which item: a product removed or re-sized, on an order of several items."""
    return TicketReason(change.kind) != TicketReason.CHANGE_ADDRESS and len(order.items) > 1


async def change_view(uow: UnitOfWork, change_id: int) -> ChangeView:
    change = await _change(uow, change_id)
    order = await uow.orders.get(change.order_id)
    if order is None:
        raise NotFound(f"no order with id {change.order_id}")
    return ChangeView(
        change_id=change.id,
        ticket_id=change.ticket_id,
        kind=TicketReason(change.kind),
        asked=change.asked,
        status=ChangeStatus(change.status),
        actions=change_actions(change, order),
        items=tuple((item.id, item.title, item.quantity) for item in order.items),
        item_title=change.item_title,
        previous=change.previous,
        decision_reason=change.decision_reason,
        decided_at=change.decided_at,
    )


async def _change(uow: UnitOfWork, change_id: int) -> ChangeRequest:
    change = await uow.session.get(ChangeRequest, change_id)
    if change is None:
        raise NotFound(f"no change request with id {change_id}")
    return change


# --- the decisions ---


async def apply_change(
    uow: UnitOfWork, clock: Clock, change_id: int, actor_telegram_id: int, *, order_item_id: int | None = None
) -> ChangeDecision:
    """Apply the change to the order (before shipment only). Refused: already_decided, already_shipped,
    pick_item (several items, none named), unknown_item, only_item (removing the last one is a cancellation)."""
    change = await _change(uow, change_id)
    case = await load_case(uow, change.id, change.ticket_id, change.order_id)
    actor = await agent_actor(uow, case, actor_telegram_id)
    if ChangeStatus(change.status) != ChangeStatus.REQUESTED:
        raise Refused("already_decided")
    order, kind, now = case.order, TicketReason(change.kind), clock.now()
    if OrderStatus(order.status) != OrderStatus.CONFIRMED:
        raise Refused("already_shipped")
    item = None if kind == TicketReason.CHANGE_ADDRESS else _item(order, order_item_id)
    if kind == TicketReason.REMOVE_PRODUCT and len(order.items) < 2:
        raise Refused("only_item")  # checked before anything moves: a refusal is answered, and the rest commits
    await transition(uow, change, ChangeStatus.APPLIED, actor=actor, at=now, data={"kind": kind.value})
    if kind == TicketReason.CHANGE_ADDRESS:
        change.previous, order.shipping_address = order.shipping_address, change.asked
    elif kind == TicketReason.REMOVE_PRODUCT:
        assert item is not None
        change.item_title, change.previous = item.title, str(item.quantity)
        order.items.remove(item)  # delete-orphan: the row goes; request items keep their copy
    else:
        assert item is not None
        change.item_title, change.previous = item.title, item.title
        item.title = f"{item.title} ({change.asked})"[:MAX_TITLE]
    order.updated_at = now
    change.decided_by, change.decided_at = actor, now
    uow.audit.record(
        "order.changed",
        subject_type="order",
        subject_id=order.id,
        actor=actor,
        at=now,
        data={"change_id": change.id, "kind": kind.value, "item": change.item_title, "previous": change.previous},
    )
    await answered(uow, case, now)
    await uow.flush()
    return _decided(case, change, "applied")


async def decline_change(
    uow: UnitOfWork, clock: Clock, change_id: int, actor_telegram_id: int, note: str | None = None
) -> ChangeDecision:
    change = await _change(uow, change_id)
    case = await load_case(uow, change.id, change.ticket_id, change.order_id)
    actor = await agent_actor(uow, case, actor_telegram_id)
    if ChangeStatus(change.status) != ChangeStatus.REQUESTED:
        raise Refused("already_decided")
    note, now = check_note(note, required=False), clock.now()
    await transition(uow, change, ChangeStatus.DECLINED, actor=actor, reason=note, at=now)
    change.decision_reason, change.decided_by, change.decided_at = note, actor, now
    await answered(uow, case, now)
    await uow.flush()
    return _decided(case, change, "declined")


def _item(order: Order, order_item_id: int | None) -> OrderItem:
    if order_item_id is None:
        if len(order.items) == 1:
            return order.items[0]
        raise Refused("pick_item")
    item = next((i for i in order.items if i.id == order_item_id), None)
    if item is None:
        raise Refused("unknown_item")
    return item


def _decided(case: Case, change: ChangeRequest, outcome: str) -> ChangeDecision:
    notices = case.notices(
        "change_decided",
        "buyer",
        "store",
        outcome=outcome,
        change=str(change.kind),
        asked=change.asked,
        item_title=change.item_title,
        note=change.decision_reason,
    )
    return ChangeDecision(change.id, ChangeStatus(change.status), notices)
