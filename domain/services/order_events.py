"""Order events the marketplace pushes, and the shipment-overdue timers run from an order's `ship_by`.

One service for the command line and the coming HTTP API:

- `record_order_event` checks the kind and its data (`InvalidInput` naming
  the field), stores the event under its idempotency key (a re-push of the
  same key is a harmless duplicate), applies the status change through the
  order state machine (shipped, delivered) and schedules an `ORDER_EVENT`
  deadline due at once, all in the caller's transaction.
- The bot's sweeper claims that deadline and calls `fire_claimed`, which
  returns the notices to word and deliver in the sweeper's transaction (the
  outbox). So an event the CLI records while the bot is down is told when it
  starts, exactly once, and a rolled-back event never speaks.
- `schedule_shipment_timers` (called by the order import) sets the seller's
  reminder at 2 days past `ship_by` and the buyer's refund offer at 4
  (calendar days after the ship-by day ends in the store's time zone); they
  are cancelled when the order ships or is cancelled.
- `answer_order_event`: the buyer's choice (refund or wait, confirm or correct
  the address), recorded on the event, in the audit trail and told to the store.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from domain.calendar import end_of_local_day
from domain.clock import Clock
from domain.enums import DeadlineKind, OrderEventKind, OrderStatus
from domain.errors import IllegalTransition, InvalidInput, NotFound
from domain.models import Deadline, Order, OrderEvent, Store
from domain.results import Notice
from domain.services.order_answers import tracking_url
from domain.services.refusals import Forbidden, Refused
from domain.states import transition
from domain.storage.uow import UnitOfWork

SUBJECT_EVENT, SUBJECT_ORDER = "order_event", "order"
KINDS = (DeadlineKind.ORDER_EVENT, DeadlineKind.SHIPMENT_REMINDER, DeadlineKind.SHIPMENT_REFUND_OFFER)
REMINDER_DAYS, REFUND_OFFER_DAYS = 2, 4  # days past the promised ship date (PRODUCT.md, order problems)

# What the marketplace may push, and each kind's data: required and optional fields.
PUSHABLE: Mapping[OrderEventKind, tuple[tuple[str, ...], tuple[str, ...]]] = {
    OrderEventKind.OUT_OF_STOCK: ((), ("note",)),
    OrderEventKind.SELLER_UNRESPONSIVE: ((), ("note",)),
    OrderEventKind.CUSTOMS_HOLD: (("needed",), ("note",)),
    OrderEventKind.INCORRECT_ADDRESS: ((), ("note",)),
    OrderEventKind.SHIPPED: (("carrier", "tracking_number"), ("tracking_url",)),
    OrderEventKind.DELIVERED: (("date",), ()),
}
# The buyer's answers, per kind of event that asks for one.
CHOICES: Mapping[OrderEventKind, frozenset[str]] = {
    OrderEventKind.OUT_OF_STOCK: frozenset({"refund", "wait"}),
    OrderEventKind.SHIPMENT_OVERDUE: frozenset({"refund", "wait"}),
    OrderEventKind.INCORRECT_ADDRESS: frozenset({"confirm", "correct"}),
}
MAX_TEXT = 500
MAX_ADDRESS = 500


@dataclass(frozen=True)
class RecordedEvent:
    event_id: int
    order_id: int
    kind: OrderEventKind
    duplicate: bool  # the key was seen before: nothing changed


@dataclass(frozen=True)
class Answered:
    event_id: int
    choice: str
    notices: tuple[Notice, ...]


def parse_kind(kind: str) -> OrderEventKind:
    try:
        parsed = OrderEventKind(kind.strip().lower().replace("-", "_"))
    except ValueError:
        parsed = None
    if parsed not in PUSHABLE:
        raise InvalidInput(f"kind {kind!r} is not one of {', '.join(k.value for k in PUSHABLE)}")
    return parsed


def check_data(kind: OrderEventKind, data: Any, *, today: date) -> dict[str, str]:
    """The event's data, checked for its kind: every problem names the field."""
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise InvalidInput("data must be a JSON object")
    required, optional = PUSHABLE[kind]
    for name in data:
        if name not in required + optional:
            allowed = ", ".join(required + optional) or "none"
            raise InvalidInput(f"data.{name}: not a field of {kind.value} (fields: {allowed})")
    checked: dict[str, str] = {}
    for name in required + optional:
        value = data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if name in required:
                raise InvalidInput(f"data.{name} is required for {kind.value}")
            continue
        if not isinstance(value, str):
            raise InvalidInput(f"data.{name} must be text")
        value = value.strip()
        if len(value) > MAX_TEXT:
            raise InvalidInput(f"data.{name} has more than {MAX_TEXT} characters")
        checked[name] = value
    if "tracking_number" in checked and len(checked["tracking_number"]) > 64:
        raise InvalidInput("data.tracking_number has more than 64 characters")
    if "carrier" in checked and len(checked["carrier"]) > 64:
        raise InvalidInput("data.carrier has more than 64 characters")
    if "tracking_url" in checked and not checked["tracking_url"].startswith(("https://", "http://")):
        raise InvalidInput("data.tracking_url must be an http(s) address")
    if "date" in checked:
        try:
            day = date.fromisoformat(checked["date"])
        except ValueError:
            raise InvalidInput(f"data.date {checked['date']!r} is not a date like 2026-03-31") from None
        if day > today:
            raise InvalidInput(f"data.date {day.isoformat()} is in the future")
        checked["date"] = day.isoformat()
    return checked


def default_key(store_id: int, order_number: str, kind: OrderEventKind, data: Mapping[str, str]) -> str:
    """Without a key from the marketplace, the same event pushed twice is one event."""
    body = json.dumps([store_id, order_number, kind.value, dict(data)], sort_keys=True, ensure_ascii=False)
    return f"auto:{hashlib.sha256(body.encode()).hexdigest()[:40]}"


async def record_order_event(
    uow: UnitOfWork,
    clock: Clock,
    store_id: int,
    order_number: str,
    kind: str,
    data: Any = None,
    *,
    key: str | None = None,
    actor: str = "operator",
) -> RecordedEvent:
    now = clock.now()
    store = await uow.stores.get(store_id)
    if store is None:
        raise NotFound(f"no store with id {store_id}")
    event_kind = parse_kind(kind)
    order = await uow.orders.by_number(store_id, order_number.strip())
    if order is None:
        raise NotFound(f"no order {order_number!r} in store {store.name!r}")
    checked = check_data(event_kind, data, today=now.astimezone(_zone(store)).date())
    key = (key or "").strip() or default_key(store_id, order.external_number, event_kind, checked)
    if len(key) > 128:
        raise InvalidInput("key has more than 128 characters")
    if not await uow.orders.add_event(
        OrderEvent(order_id=order.id, kind=event_kind, idempotency_key=key, data=checked, received_at=now)
    ):
        return RecordedEvent(await _event_id(uow, key), order.id, event_kind, duplicate=True)
    event_id = await _event_id(uow, key)
    await _apply(uow, order, event_kind, checked, actor=actor, now=now)
    uow.audit.record(
        "order_event.received",
        subject_type=SUBJECT_ORDER,
        subject_id=order.id,
        actor=actor,
        at=now,
        data={"event_id": event_id, "kind": event_kind.value, "key": key, **checked},
    )
    await uow.deadlines.schedule(DeadlineKind.ORDER_EVENT, SUBJECT_EVENT, event_id, due_at=now, at=now)
    return RecordedEvent(event_id, order.id, event_kind, duplicate=False)


def _zone(store: Store):
    from domain.calendar import load_zone

    return load_zone(store.timezone)


async def _event_id(uow: UnitOfWork, key: str) -> int:
    from sqlalchemy import select

    return int(await uow.session.scalar(select(OrderEvent.id).where(OrderEvent.idempotency_key == key)))


async def _apply(
    uow: UnitOfWork, order: Order, kind: OrderEventKind, data: Mapping[str, str], *, actor: str, now
) -> None:
    """Shipped and delivered move the order (through its state machine); the others only tell."""
    if kind == OrderEventKind.SHIPPED:
        await _move(uow, order, OrderStatus.SHIPPED, actor=actor, now=now)
        order.carrier, order.tracking_number = data["carrier"], data["tracking_number"]
        order.tracking_url = data.get("tracking_url")
        order.shipped_at = now
    elif kind == OrderEventKind.DELIVERED:
        await _move(uow, order, OrderStatus.DELIVERED, actor=actor, now=now)
        order.delivered_on = date.fromisoformat(data["date"])
    else:
        return
    order.updated_at = now
    await cancel_shipment_timers(uow, order, now)


async def _move(uow: UnitOfWork, order: Order, status: OrderStatus, *, actor: str, now) -> None:
    if order.status == status:
        return  # told twice under two keys: the order already is what the event says
    try:
        await transition(uow, order, status, actor=actor, reason="order_event", at=now)
    except IllegalTransition:
        raise InvalidInput(
            f"order {order.external_number} is {order.status.value} and cannot become {status.value}"
        ) from None


# The shipment-overdue timers


async def schedule_shipment_timers(uow: UnitOfWork, order: Order, store: Store, now) -> None:
    """(Re)set both timers from the order's ship_by while it waits to ship; otherwise none."""
    if order.ship_by is None or order.status != OrderStatus.CONFIRMED:
        await cancel_shipment_timers(uow, order, now)
        return
    for kind, days in (
        (DeadlineKind.SHIPMENT_REMINDER, REMINDER_DAYS),
        (DeadlineKind.SHIPMENT_REFUND_OFFER, REFUND_OFFER_DAYS),
    ):
        due_at = end_of_local_day(order.ship_by + timedelta(days=days), store.timezone)
        live = await uow.deadlines.live(kind, SUBJECT_ORDER, order.id)
        if live is not None and live.due_at == due_at:
            continue  # a re-import with the same date keeps the timer (and does not un-fire one)
        if live is None and due_at <= now and await _fired_for(uow, kind, order.id, due_at):
            continue
        await uow.deadlines.schedule(kind, SUBJECT_ORDER, order.id, due_at=due_at, at=now)


async def _fired_for(uow: UnitOfWork, kind: DeadlineKind, order_id: int, due_at) -> bool:
    from sqlalchemy import select

    found = await uow.session.scalar(
        select(Deadline.id).where(
            Deadline.kind == kind,
            Deadline.subject_type == SUBJECT_ORDER,
            Deadline.subject_id == order_id,
            Deadline.due_at == due_at,
            Deadline.fired_at.is_not(None),
        )
    )
    return found is not None


async def cancel_shipment_timers(uow: UnitOfWork, order: Order, now) -> None:
    for kind in (DeadlineKind.SHIPMENT_REMINDER, DeadlineKind.SHIPMENT_REFUND_OFFER):
        await uow.deadlines.cancel(kind, SUBJECT_ORDER, order.id, at=now)


# Firing: what to tell whom


async def fire_claimed(uow: UnitOfWork, deadline: Deadline, clock: Clock) -> list[Notice]:
    """Act on one deadline the caller has claimed (the bot's sweeper claims them); the notices to deliver."""
    now = clock.now()
    if deadline.kind == DeadlineKind.ORDER_EVENT:
        event = await uow.session.get(OrderEvent, deadline.subject_id)
        if event is None or event.handled_at is not None:
            return []
        event.handled_at = now
        order = await uow.orders.get(event.order_id)
        return await _buyer_notices(uow, order, event) if order else []
    order = await uow.orders.get(deadline.subject_id)
    # Shipped or cancelled meanwhile cancels the timers; this guards a stale one.
    if order is None or order.status != OrderStatus.CONFIRMED or order.ship_by is None:
        return []
    if deadline.kind == DeadlineKind.SHIPMENT_REMINDER:
        uow.audit.record(
            "order.shipment_reminded",
            subject_type=SUBJECT_ORDER,
            subject_id=order.id,
            actor="system",
            at=now,
            data={"ship_by": order.ship_by.isoformat(), "days": REMINDER_DAYS},
        )
        return [_store_notice(order, "order_event_shipment_reminder", days=REMINDER_DAYS, ship_by=order.ship_by)]
    if deadline.kind == DeadlineKind.SHIPMENT_REFUND_OFFER:
        key = f"shipment_overdue:{order.id}:{order.ship_by.isoformat()}"
        data = {"days": str(REFUND_OFFER_DAYS), "ship_by": order.ship_by.isoformat()}
        event = OrderEvent(
            order_id=order.id, kind=OrderEventKind.SHIPMENT_OVERDUE, idempotency_key=key, data=data, received_at=now
        )
        if not await uow.orders.add_event(event):
            return []
        event = await uow.session.get(OrderEvent, await _event_id(uow, key))
        event.handled_at = now
        return await _buyer_notices(uow, order, event)
    raise ValueError(f"not an order timer: {deadline.kind}")


def _store_notice(order: Order, kind: str, **data: Any) -> Notice:
    return Notice(
        kind=kind,
        to="store",
        store_id=order.store_id,
        data={"order_id": order.id, "order_number": order.external_number, **data},
    )


async def _buyer_notices(uow: UnitOfWork, order: Order, event: OrderEvent) -> list[Notice]:
    """One notice per buyer bound to the order; nobody bound: the store learns the buyer was not told."""
    buyers = await uow.users.bound_buyers(order.id)
    base = {
        "event_id": event.id,
        "order_id": order.id,
        "order_number": order.external_number,
        "choices": sorted(CHOICES.get(event.kind, ())),
        **(event.data or {}),
    }
    # Without a link from the marketplace, the carrier's tracking page (as the order's answers give it).
    link = order.tracking_url or tracking_url(order.carrier, order.tracking_number)
    if link:
        base.setdefault("tracking_url", link)
    kind = f"order_event_{event.kind.value}"
    notices = [
        Notice(kind=kind, to="buyer", store_id=order.store_id, buyer_telegram_id=buyer.telegram_id, data=base)
        for buyer in buyers
    ]
    if not buyers and event.kind in CHOICES:
        notices.append(_store_notice(order, "order_event_unreachable", event=event.kind.value))
    return notices


# The buyer's answer


async def answer_order_event(
    uow: UnitOfWork,
    clock: Clock,
    event_id: int,
    buyer_telegram_id: int,
    choice: str,
    *,
    address: str | None = None,
) -> Answered:
    """The buyer's choice on an event that asked for one; "correct" needs the address they typed.

    Refused: `not_a_choice` (a button of another kind), `already_answered`,
    `bad_address` (empty or too long), `already_shipped` (an address cannot change on the way).
    """
    now = clock.now()
    event = await _locked_event(uow, event_id)
    user = await uow.users.by_telegram_id(buyer_telegram_id)
    if user is None or not await uow.users.is_bound(user.id, event.order_id):
        raise Forbidden("not the buyer of this order")
    if choice not in CHOICES.get(event.kind, ()):
        raise Refused("not_a_choice", f"{choice!r} does not answer {event.kind.value}")
    data = dict(event.data or {})
    if data.get("choice") is not None:
        raise Refused("already_answered", "this was answered already")
    order = await uow.orders.get(event.order_id)
    recorded: dict[str, Any] = {"choice": choice}
    if choice == "correct":
        address = (address or "").strip()
        if not address or len(address) > MAX_ADDRESS:
            raise Refused("bad_address", "the address is empty or too long")
        if order.status != OrderStatus.CONFIRMED:
            raise Refused("already_shipped", "the order has shipped: its address cannot change now")
        recorded.update(old_address=order.shipping_address, address=address)
        order.shipping_address = address
        order.updated_at = now
    event.data = {**data, **recorded, "answered_at": now.isoformat()}  # a new dict: JSON columns track assignment
    if user.correcting_event_id == event.id:
        user.correcting_event_id = None  # their next text is a message again
    uow.audit.record(
        "order_event.answered",
        subject_type=SUBJECT_ORDER,
        subject_id=order.id,
        actor=f"buyer:{user.id}",
        at=now,
        data={"event_id": event.id, "kind": event.kind.value, **recorded},
    )
    notice = _store_notice(order, "order_event_answered", event=event.kind.value, **recorded)
    return Answered(event.id, choice, (notice,))


async def _locked_event(uow: UnitOfWork, event_id: int) -> OrderEvent:
    """The event, its row locked: a double press waits for the first and then sees its answer
    (on PostgreSQL both would otherwise read "unanswered" and both record; SQLite serialises writers)."""
    event = await uow.session.get(OrderEvent, event_id, with_for_update=True, populate_existing=True)
    if event is None:
        raise NotFound(f"no order event {event_id}")
    return event


async def awaiting_address(uow: UnitOfWork, buyer_telegram_id: int) -> OrderEvent | None:
    """The incorrect-address event whose "correct it" this buyer pressed last and has not typed yet.

    Asked of every text a buyer sends: the user is in hand already (every update reads them), so an
    ordinary message costs no look-up; only a buyer who pressed "correct it" has their event read.
    """
    user = await uow.users.by_telegram_id(buyer_telegram_id)
    if user is None or user.correcting_event_id is None:
        return None
    event = await uow.session.get(OrderEvent, user.correcting_event_id)
    if event is None or event.kind != OrderEventKind.INCORRECT_ADDRESS:
        return None
    data = event.data or {}
    if data.get("correcting") and data.get("choice") is None:
        return event
    return None  # answered meanwhile (a button, another buyer of the order)


async def start_correction(uow: UnitOfWork, clock: Clock, event_id: int, buyer_telegram_id: int) -> None:
    """The buyer pressed "correct it": their next message is the address (checked again when it comes)."""
    event = await _locked_event(uow, event_id)
    user = await uow.users.by_telegram_id(buyer_telegram_id)
    if user is None or not await uow.users.is_bound(user.id, event.order_id):
        raise Forbidden("not the buyer of this order")
    if event.kind != OrderEventKind.INCORRECT_ADDRESS:
        raise Refused("not_a_choice", "only an address can be corrected")
    data = dict(event.data or {})
    if data.get("choice") is not None:
        raise Refused("already_answered", "this was answered already")
    event.data = {**data, "correcting": True}
    user.correcting_event_id = event.id
