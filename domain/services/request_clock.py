"""The timers of an after-sales request in the deadlines table (docs/business-rules.md#after-sales-requests).

- The seller's answer: `seller_answer_days` calendar days. One live
  `SELLER_ANSWER` deadline at a time, moved along its stages: the half-time
  reminder, the reminder 2 hours before, then the due time itself, when the
  request is approved by itself. `request.seller_due_at` is the due time;
  while an offer is pending it is cleared and the seconds left are kept in
  `seller_paused_seconds_left`, and the live deadline is cancelled. The
  stages are counted back from the due time, so after a pause the reminders
  still come at half of the window and 2 hours before the (later) due time,
  those already past are not repeated.
- A partial-refund offer or counter-offer: `OFFER_RESPONSE`, first 2 hours before its `respond_by`
  (the one reminder), then at it (the expiry).
- A reshipment: `RESHIPMENT_SHIP_BY` at its `ship_by`, the end of the Nth
  working day after the approval in the store's time zone and country.

Each is created in the transaction that starts it and cancelled in the one
that ends it.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from domain.calendar import add_calendar_days, working_days_after
from domain.enums import DeadlineKind, ReshipmentStatus
from domain.models import AfterSalesRequest, Offer, Reshipment, Store
from domain.storage.uow import UnitOfWork

REQUEST = "request"
OFFER = "offer"
RESHIPMENT = "reshipment"
SUBJECTS = {
    DeadlineKind.SELLER_ANSWER: REQUEST,
    DeadlineKind.OFFER_RESPONSE: OFFER,
    DeadlineKind.RESHIPMENT_SHIP_BY: RESHIPMENT,
}
SECOND_REMINDER_BEFORE = timedelta(hours=2)

# docs/business-rules.md#deadlines: a setting of 0 falls back to the default.
DEFAULT_SELLER_ANSWER_DAYS = 2
DEFAULT_BUYER_OFFER_HOURS = 24
DEFAULT_RESHIPMENT_WORKING_DAYS = 2


def seller_window(store: Store) -> timedelta:
    return timedelta(days=store.seller_answer_days or DEFAULT_SELLER_ANSWER_DAYS)


def seller_stages(due_at: datetime, window: timedelta) -> tuple[datetime, ...]:
    """When the seller-answer deadline fires: half-time, 2 hours before, due (earliest first)."""
    return tuple(sorted({due_at - window / 2, due_at - SECOND_REMINDER_BEFORE, due_at}))


def reminder_stage(now: datetime, due_at: datetime) -> str:
    """Which reminder this is: "two_hours" from 2 hours before the due time, else "half_time"."""
    return "two_hours" if now >= due_at - SECOND_REMINDER_BEFORE else "half_time"


async def schedule_next_seller_stage(uow: UnitOfWork, request: AfterSalesRequest, store: Store, now: datetime) -> None:
    """The seller-answer deadline at its next stage after `now` (the due time once no reminder is left)."""
    assert request.seller_due_at is not None
    later = [stage for stage in seller_stages(request.seller_due_at, seller_window(store)) if stage > now]
    due_at = later[0] if later else request.seller_due_at
    await uow.deadlines.schedule(DeadlineKind.SELLER_ANSWER, REQUEST, request.id, due_at=due_at, at=now)


async def start_seller_clock(uow: UnitOfWork, request: AfterSalesRequest, store: Store, now: datetime) -> None:
    request.seller_due_at = add_calendar_days(now, store.seller_answer_days or DEFAULT_SELLER_ANSWER_DAYS)
    request.seller_paused_seconds_left = None
    await schedule_next_seller_stage(uow, request, store, now)


async def pause_seller_clock(uow: UnitOfWork, request: AfterSalesRequest, now: datetime) -> int:
    """Stop the clock keeping what is left (whole seconds, rounded up: a pause never shortens it)."""
    assert request.seller_due_at is not None
    left = max(0, math.ceil((request.seller_due_at - now).total_seconds()))
    request.seller_paused_seconds_left = left
    request.seller_due_at = None
    await uow.deadlines.cancel(DeadlineKind.SELLER_ANSWER, REQUEST, request.id, at=now)
    return left


async def resume_seller_clock(uow: UnitOfWork, request: AfterSalesRequest, store: Store, now: datetime) -> datetime:
    """Run the clock again with the time that was left when it paused; returns the new due time."""
    request.seller_due_at = now + timedelta(seconds=request.seller_paused_seconds_left or 0)
    request.seller_paused_seconds_left = None
    await schedule_next_seller_stage(uow, request, store, now)
    return request.seller_due_at


async def stop_seller_clock(uow: UnitOfWork, request: AfterSalesRequest, now: datetime) -> None:
    """The seller has answered (or the system for them): no more reminders. `seller_due_at` stays as history."""
    request.seller_paused_seconds_left = None
    await uow.deadlines.cancel(DeadlineKind.SELLER_ANSWER, REQUEST, request.id, at=now)


def offer_respond_by(store: Store, now: datetime) -> datetime:
    return now + timedelta(hours=store.buyer_offer_hours or DEFAULT_BUYER_OFFER_HOURS)


async def start_offer_clock(uow: UnitOfWork, offer: Offer, now: datetime) -> None:
    """The offer's deadline: first the one reminder 2 hours before it expires (if that is still ahead), then expiry."""
    reminder = offer.respond_by - SECOND_REMINDER_BEFORE
    due_at = reminder if reminder > now else offer.respond_by
    await uow.deadlines.schedule(DeadlineKind.OFFER_RESPONSE, OFFER, offer.id, due_at=due_at, at=now)


async def schedule_offer_expiry(uow: UnitOfWork, offer: Offer, now: datetime) -> None:
    """After the reminder: the deadline again, at the expiry itself."""
    await uow.deadlines.schedule(DeadlineKind.OFFER_RESPONSE, OFFER, offer.id, due_at=offer.respond_by, at=now)


async def stop_offer_clock(uow: UnitOfWork, offer: Offer, now: datetime) -> None:
    await uow.deadlines.cancel(DeadlineKind.OFFER_RESPONSE, OFFER, offer.id, at=now)


def ship_by(store: Store, approved_at: datetime) -> datetime:
    """The end of the Nth working day after the approval (the approval's own day never counts)."""
    days = store.reshipment_working_days or DEFAULT_RESHIPMENT_WORKING_DAYS
    return working_days_after(approved_at, days, store.timezone, store.country)


async def start_reshipment(uow: UnitOfWork, request: AfterSalesRequest, store: Store, now: datetime) -> Reshipment:
    reshipment = uow.requests.add_reshipment(
        Reshipment(
            request_id=request.id,
            status=ReshipmentStatus.AWAITING_SHIPMENT,
            ship_by=ship_by(store, now),
            created_at=now,
        )
    )
    await uow.flush()
    await uow.deadlines.schedule(
        DeadlineKind.RESHIPMENT_SHIP_BY, RESHIPMENT, reshipment.id, due_at=reshipment.ship_by, at=now
    )
    return reshipment


async def stop_reshipment_clock(uow: UnitOfWork, reshipment: Reshipment, now: datetime) -> None:
    await uow.deadlines.cancel(DeadlineKind.RESHIPMENT_SHIP_BY, RESHIPMENT, reshipment.id, at=now)
