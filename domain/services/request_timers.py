"""After-sales timers that act by themselves: the seller's answer, an offer's expiry, a missed ship-by.

Like `ticket_timers`: each deadline is claimed with a conditional UPDATE
before it acts, in the same transaction, so it fires exactly once however
many sweepers call this, and one that fell due while the bot was down fires
on the next call. A seller deciding while the answer deadline fires makes one
of the two lose the request's compare-and-set (`ConcurrentChange`); the
caller rolls it back whole and the retry sees the other's decision.

- `SELLER_ANSWER`: a reminder for the store at half-time and 2 hours before
  (one only, if the bot was down through both), then at the due time the
  request is approved with what the buyer asked ("system"), both sides told.
- `OFFER_RESPONSE`: 2 hours before, the one reminder to whoever answers the
  offer; then, unanswered, it expires, the request goes back to the seller,
  whose clock runs on with what was left (`negotiation.offer_timer`).
- `RESHIPMENT_SHIP_BY`: not shipped in time: the reshipment is overdue and
  escalated to the moderators (it can still ship).
"""

from __future__ import annotations

from domain.clock import Clock
from domain.enums import DeadlineKind, RequestStatus, ReshipmentStatus, Resolution
from domain.models import Deadline
from domain.results import Notice
from domain.services import request_clock
from domain.services.negotiation import offer_timer
from domain.services.request_access import SYSTEM, load_case
from domain.services.request_decisions import approve
from domain.states import transition
from domain.storage.uow import UnitOfWork

KINDS = (DeadlineKind.SELLER_ANSWER, DeadlineKind.OFFER_RESPONSE, DeadlineKind.RESHIPMENT_SHIP_BY)


async def fire_due_request_timers(uow: UnitOfWork, clock: Clock, *, limit: int = 100) -> tuple[Notice, ...]:
    """Fire every due request timer (at most `limit` per call); the notices say whom to tell what."""
    now = clock.now()
    notices: list[Notice] = []
    fired = 0
    while fired < limit:
        # Re-read after each batch: a reminder schedules the next stage, an expiry resumes a clock.
        batch = await uow.deadlines.due(now, kinds=KINDS, limit=limit - fired)
        if not batch:
            break
        for deadline in batch:
            fired += 1
            if not await uow.deadlines.claim(deadline.id, at=now):
                continue  # another worker fired it
            notices.extend(await fire_claimed(uow, deadline, clock))
    await uow.flush()
    return tuple(notices)


async def fire_claimed(uow: UnitOfWork, deadline: Deadline, clock: Clock) -> list[Notice]:
    """Act on one request deadline the caller has claimed already (the bot's sweeper claims them)."""
    if deadline.kind == DeadlineKind.SELLER_ANSWER:
        return await _seller_answer(uow, deadline.subject_id, clock)
    if deadline.kind == DeadlineKind.OFFER_RESPONSE:
        return await offer_timer(uow, deadline.subject_id, clock)
    if deadline.kind == DeadlineKind.RESHIPMENT_SHIP_BY:
        return await _ship_by_missed(uow, deadline.subject_id, clock)
    raise ValueError(f"not a request timer: {deadline.kind}")


async def _seller_answer(uow: UnitOfWork, request_id: int, clock: Clock) -> list[Notice]:
    now = clock.now()
    request = await uow.requests.get(request_id)
    # Decided or paused meanwhile: that cancelled the deadline; this guards a stale one.
    if request is None or request.status != RequestStatus.AWAITING_SELLER or request.seller_due_at is None:
        return []
    case = await load_case(uow, request_id)
    due_at = request.seller_due_at
    if now < due_at:
        stage = request_clock.reminder_stage(now, due_at)
        await request_clock.schedule_next_seller_stage(uow, request, case.store, now)
        uow.audit.record(
            "request.seller_reminded",
            subject_type="request",
            subject_id=request.id,
            actor=SYSTEM,
            at=now,
            data={"stage": stage, "due_at": due_at.isoformat()},
        )
        return [case.notice("request_reminder", "store", stage=stage, due_at=due_at)]
    data = await approve(
        uow, case, Resolution(request.resolution_wanted), actor=SYSTEM, reason="seller_silent", now=now
    )
    return case.notices("request_approved", "buyer", "store", **data)


async def _ship_by_missed(uow: UnitOfWork, reshipment_id: int, clock: Clock) -> list[Notice]:
    now = clock.now()
    reshipment = await uow.requests.get_reshipment(reshipment_id)
    if reshipment is None or reshipment.status != ReshipmentStatus.AWAITING_SHIPMENT:
        return []
    case = await load_case(uow, reshipment.request_id)
    await transition(
        uow,
        reshipment,
        ReshipmentStatus.OVERDUE,
        actor=SYSTEM,
        reason="ship_by_missed",
        at=now,
        data={"request_id": case.request.id, "ship_by": reshipment.ship_by.isoformat()},
    )
    reshipment.escalated_at = now
    return case.notices("reshipment_overdue", "store", "moderators", ship_by=reshipment.ship_by)
