"""The seller's decisions on an after-sales request, the buyer's escalation and the moderators' verdict.

docs/business-rules.md#after-sales-requests. Each decision is taken once:
the status moves by `transition`, a compare-and-set, so of two agents
pressing at once (or an agent and the seller-answer deadline) one wins and
the other's whole unit of work gets `ConcurrentChange`, which the runner
retries on fresh data, where it meets a polite `Refused("already_decided")`.
Who decided and when is in the audit trail (the transition's actor) and on
the request. The notices say whom to tell what; the bot words them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from domain.clock import Clock
from domain.enums import (
    AttachmentPurpose,
    EscalationOutcome,
    OfferStatus,
    RejectReason,
    RequestStatus,
    ReshipmentStatus,
    Resolution,
)
from domain.errors import InvalidInput, NotFound
from domain.models import Offer, RequestFile
from domain.results import IncomingFile, Notice
from domain.services import money_events, request_clock, ticket_deadlines
from domain.services.checkpoint import screen_note
from domain.services.money import check_partial_refund
from domain.services.money_events import record_money_event
from domain.services.order_answers import tracking_url as carrier_tracking_url
from domain.services.refusals import Refused
from domain.services.request_access import (
    RequestCase,
    agent_actor,
    buyer_actor,
    load_case,
    moderator_actor,
    require_status,
    side_of,
)
from domain.services.request_rules import MAX_NOTE, REFUNDING, check_rejection, with_purpose
from domain.states import transition
from domain.storage.uow import UnitOfWork

# Offer statuses after which the store may not propose another partial refund: the buyer has answered one.
ANSWERED_BY_BUYER = frozenset({OfferStatus.REJECTED, OfferStatus.EXPIRED, OfferStatus.COUNTERED})
# Decided by the code: a buyer may take a rejection to the moderators within 7 calendar days of it.
ESCALATION_WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class Decision:
    request_id: int
    status: RequestStatus
    notices: tuple[Notice, ...]
    offer_id: int | None = None  # the offer a partial refund made, or the one withdrawn


def _decision(case: RequestCase, notices: Sequence[Notice], offer_id: int | None = None) -> Decision:
    return Decision(case.request.id, RequestStatus(case.request.status), tuple(notices), offer_id)


def _note(note: str | None) -> str | None:
    if note is not None and not isinstance(note, str):
        raise InvalidInput("a note is text")
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise Refused("note_too_long", f"a note has at most {MAX_NOTE} characters")
    return screen_note(note) or None


def _answered(case: RequestCase, now: datetime) -> None:
    """A decision answers the buyer: the ticket's first-response clock has nothing left to remind of."""
    if case.ticket.first_responded_at is None:
        case.ticket.first_responded_at = now


async def approve(
    uow: UnitOfWork, case: RequestCase, resolution: Resolution, *, actor: str, reason: str, now: datetime
) -> dict[str, Any]:
    """Approve with `resolution`: the refund it pays, the reshipment it starts. Returns the notices' data."""
    request = case.request
    refund = request.affected_amount_minor if resolution in REFUNDING else None
    await transition(
        uow,
        request,
        RequestStatus.APPROVED,
        actor=actor,
        reason=reason,
        at=now,
        data={"resolution": resolution.value, "refund_amount_minor": refund},
    )
    request.resolution, request.refund_amount_minor = resolution, refund
    request.decided_by, request.decided_at = actor, now
    await request_clock.stop_seller_clock(uow, request, now)
    if not actor.startswith("moderator:"):
        _answered(case, now)
        await ticket_deadlines.stop_first_response_clock(uow, case.ticket, now)
    data: dict[str, Any] = {
        "resolution": resolution.value,
        "refund_amount_minor": refund,
        "currency": request.currency,
        "decided_by": side_of(actor),
        "auto": actor == "system",
        "ship_by": None,
    }
    if resolution == Resolution.RESHIPMENT:
        reshipment = await request_clock.start_reshipment(uow, request, case.store, now)
        uow.audit.record(
            "reshipment.created",
            subject_type="reshipment",
            subject_id=reshipment.id,
            actor=actor,
            at=now,
            data={"request_id": request.id, "ship_by": reshipment.ship_by.isoformat()},
        )
        data["ship_by"] = reshipment.ship_by
    record_money_event(
        uow,
        event_type=_approval_event(resolution, actor),
        store=case.store,
        order_number=case.order_number,
        subject=("request", request.id),
        actor=actor,
        at=now,
        amount_minor=refund,
        currency=request.currency if refund is not None else None,
        details={"resolution": resolution.value},
    )
    return data


def _approval_event(resolution: Resolution, actor: str) -> str:
    """The marketplace's event for an approval: by the deadline, or by what it pays or ships."""
    if actor == "system":
        return money_events.REQUEST_AUTO_APPROVED
    if resolution in REFUNDING:
        return money_events.REFUND_APPROVED
    if resolution == Resolution.RESHIPMENT:
        return money_events.RESHIPMENT_APPROVED
    return money_events.EXCHANGE_APPROVED


async def approve_request(uow: UnitOfWork, clock: Clock, request_id: int, agent_telegram_id: int) -> Decision:
    """The agent approves what the buyer asked for."""
    now = clock.now()
    case = await load_case(uow, request_id)
    actor = await agent_actor(uow, case, agent_telegram_id)
    require_status(case.request, RequestStatus.AWAITING_SELLER)
    data = await approve(uow, case, Resolution(case.request.resolution_wanted), actor=actor, reason="approved", now=now)
    return _decision(case, case.notices("request_approved", "buyer", "store", **data))


async def propose_refund_only(uow: UnitOfWork, clock: Clock, request_id: int, agent_telegram_id: int) -> Decision:
    """A full refund without return in place of what was asked: better for the buyer, so approved at once."""
    now = clock.now()
    case = await load_case(uow, request_id)
    actor = await agent_actor(uow, case, agent_telegram_id)
    require_status(case.request, RequestStatus.AWAITING_SELLER)
    if case.request.resolution_wanted == Resolution.REFUND_ONLY:
        raise Refused("refund_only_asked", "the buyer asked for a refund only: approve it")
    data = await approve(uow, case, Resolution.REFUND_ONLY, actor=actor, reason="refund_only", now=now)
    return _decision(case, case.notices("request_approved", "buyer", "store", **data))


async def reject_request(
    uow: UnitOfWork,
    clock: Clock,
    request_id: int,
    agent_telegram_id: int,
    reason_code: RejectReason | str,
    note: str | None = None,
    evidence: Sequence[IncomingFile] = (),
) -> Decision:
    """The agent rejects with a reason the buyer sees, and the evidence the reason needs."""
    now = clock.now()
    case = await load_case(uow, request_id)
    request = case.request
    actor = await agent_actor(uow, case, agent_telegram_id)
    require_status(request, RequestStatus.AWAITING_SELLER)
    verdict = check_rejection(request.type, request.barcode_given, reason_code, note, evidence)
    if not verdict.allowed:
        raise Refused(verdict.why or "not_allowed", reason=str(reason_code))
    reason, note = RejectReason(reason_code), _note(note)
    await transition(
        uow,
        request,
        RequestStatus.REJECTED,
        actor=actor,
        reason="rejected",
        at=now,
        data={"reject_reason": reason.value, "note": note, "evidence": len(evidence)},
    )
    request.reject_reason, request.decision_reason = reason, note
    request.decided_by, request.decided_at = actor, now
    for file in with_purpose(evidence, AttachmentPurpose.SELLER_EVIDENCE):
        request.files.append(
            RequestFile(
                side="seller",
                purpose=file.purpose,
                kind=file.kind,
                file_id=file.file_id,
                file_unique_id=file.file_unique_id,
                caption=file.caption,
                created_at=now,
            )
        )
    await request_clock.stop_seller_clock(uow, request, now)
    _answered(case, now)
    await ticket_deadlines.stop_first_response_clock(uow, case.ticket, now)
    await uow.flush()
    return _decision(
        case,
        case.notices(
            "request_rejected",
            "buyer",
            "store",
            reject_reason=reason.value,
            note=note,
            evidence=len(evidence),
            escalate_until=now + ESCALATION_WINDOW,
        ),
    )


async def propose_partial_refund(
    uow: UnitOfWork, clock: Clock, request_id: int, agent_telegram_id: int, amount_minor: int
) -> Decision:
    """An offer of part of the affected items' price; the seller's clock pauses until the buyer answers."""
    now = clock.now()
    case = await load_case(uow, request_id)
    request = case.request
    actor = await agent_actor(uow, case, agent_telegram_id)
    require_status(request, RequestStatus.AWAITING_SELLER)
    if any(offer.status in ANSWERED_BY_BUYER for offer in await uow.requests.offers(request.id)):
        # docs/business-rules.md#negotiation: once the buyer has answered an offer the store approves or rejects.
        raise Refused("offer_answered", "the buyer has answered an offer: approve or reject")
    verdict = check_partial_refund(amount_minor, request.affected_amount_minor)
    if not verdict.allowed:
        raise Refused(verdict.why or "not_allowed", cap_minor=request.affected_amount_minor)
    left = await request_clock.pause_seller_clock(uow, request, now)
    offer = uow.requests.add_offer(
        Offer(
            request_id=request.id,
            resolution=Resolution.PARTIAL_REFUND,
            amount_minor=amount_minor,
            currency=request.currency,
            status=OfferStatus.PENDING,
            proposed_by=actor,
            side="store",
            created_at=now,
            respond_by=request_clock.offer_respond_by(case.store, now),
        )
    )
    await uow.flush()  # the one-pending-offer index speaks here, should the status guard be bypassed
    await transition(
        uow,
        request,
        RequestStatus.OFFER_PENDING,
        actor=actor,
        reason="offer_proposed",
        at=now,
        data={
            "offer_id": offer.id,
            "amount_minor": amount_minor,
            "respond_by": offer.respond_by.isoformat(),
            "seller_seconds_left": left,
        },
    )
    uow.audit.record(
        "offer.proposed",
        subject_type="offer",
        subject_id=offer.id,
        actor=actor,
        at=now,
        data={"request_id": request.id, "amount_minor": amount_minor, "currency": offer.currency},
    )
    await request_clock.start_offer_clock(uow, offer, now)
    _answered(case, now)
    await ticket_deadlines.stop_first_response_clock(uow, case.ticket, now)
    return _decision(
        case,
        case.notices(
            "offer_proposed",
            "buyer",
            "store",
            offer_id=offer.id,
            amount_minor=amount_minor,
            currency=offer.currency,
            respond_by=offer.respond_by,
            seller_seconds_left=left,
        ),
        offer.id,
    )


def require_pending(offer: Offer, now: datetime) -> None:
    """The offer can still be answered; else a refusal that says truthfully what became of it.

    Why codes: offer_accepted, offer_rejected, offer_withdrawn, offer_countered (each with `at`),
    offer_expired (with `expired_at`, also for a pending one whose time is up but not yet swept).
    """
    status = OfferStatus(offer.status)
    if status == OfferStatus.PENDING and now < offer.respond_by:
        return
    if status in (OfferStatus.PENDING, OfferStatus.EXPIRED):
        raise Refused("offer_expired", "this offer has expired", expired_at=offer.respond_by)
    raise Refused(f"offer_{status.value}", "this offer is no longer open", at=offer.answered_at)


async def end_offer(
    uow: UnitOfWork, case: RequestCase, offer: Offer, status: OfferStatus, *, actor: str, now: datetime
) -> list[Notice]:
    """The offer is withdrawn, rejected or expired: the request goes back to the seller, whose clock runs on.

    A person's answer (withdraw, reject) needs the offer unexpired, in the compare-and-set too; the
    expiry itself needs it pending only. (Accepting and counter-offers are in `negotiation`.)
    """
    expiring = status == OfferStatus.EXPIRED
    if expiring:
        if offer.status != OfferStatus.PENDING:
            raise Refused(f"offer_{OfferStatus(offer.status).value}", "this offer is no longer open")
    else:
        require_pending(offer, now)
    guard = None if expiring else Offer.respond_by > now
    await transition(uow, offer, status, actor=actor, reason=f"offer_{status.value}", at=now, guard=guard)
    if not expiring:
        offer.answered_at = now
    await request_clock.stop_offer_clock(uow, offer, now)
    await transition(
        uow,
        case.request,
        RequestStatus.AWAITING_SELLER,
        actor=actor,
        reason=f"offer_{status.value}" if offer.side == "store" else f"counter_{status.value}",
        at=now,
        data={"offer_id": offer.id, "side": offer.side},
    )
    due_at = await request_clock.resume_seller_clock(uow, case.request, case.store, now)
    return offer_notices(case, f"offer_{status.value}", offer, "buyer", "store", seller_due_at=due_at)


def offer_notices(case: RequestCase, kind: str, offer: Offer, *audiences: str, **more: object) -> list[Notice]:
    """A notice about an offer, with what each side's card and line show: whose offer, how much."""
    return case.notices(
        kind,
        *audiences,
        offer_id=offer.id,
        side=offer.side,
        amount_minor=offer.amount_minor,
        currency=offer.currency,
        **more,
    )


async def withdraw_offer(uow: UnitOfWork, clock: Clock, offer_id: int, agent_telegram_id: int) -> Decision:
    """The seller takes its pending offer back (until the buyer answers it)."""
    now = clock.now()
    offer = await uow.requests.get_offer(offer_id)
    if offer is None:
        raise NotFound(f"no offer with id {offer_id}")
    case = await load_case(uow, offer.request_id)
    actor = await agent_actor(uow, case, agent_telegram_id)
    if offer.side != "store":
        raise Refused("not_withdrawable", "a counter-offer is the buyer's: accept or reject it")
    notices = await end_offer(uow, case, offer, OfferStatus.WITHDRAWN, actor=actor, now=now)
    return _decision(case, notices, offer.id)


async def escalate_rejection(
    uow: UnitOfWork, clock: Clock, request_id: int, buyer_telegram_id: int, note: str | None = None
) -> Decision:
    """The buyer takes a rejection to the moderators: once, within `ESCALATION_WINDOW` of it."""
    now = clock.now()
    case = await load_case(uow, request_id)
    request = case.request
    actor = await buyer_actor(uow, case, buyer_telegram_id)
    require_status(request, RequestStatus.REJECTED)
    if request.escalated_at is not None:
        raise Refused("already_escalated", "the moderators have decided this rejection")
    if request.decided_at is not None and now >= request.decided_at + ESCALATION_WINDOW:
        raise Refused("escalation_window_passed", "a rejection is escalated within 7 days")
    note = _note(note)
    await transition(
        uow, request, RequestStatus.ESCALATED, actor=actor, reason="escalated", at=now, data={"note": note}
    )
    request.escalated_at, request.escalation_note = now, note
    return _decision(case, case.notices("request_escalated", "moderators", "store", "buyer", note=note))


async def moderator_decide(
    uow: UnitOfWork,
    clock: Clock,
    request_id: int,
    moderator_telegram_id: int,
    outcome: EscalationOutcome | str,
    note: str | None = None,
    *,
    in_moderators_group: bool = False,
) -> Decision:
    """Uphold the rejection, or overturn it: the request is approved with what the buyer asked for."""
    now = clock.now()
    try:
        outcome = EscalationOutcome(outcome)
    except ValueError:
        raise InvalidInput(f"an escalation is upheld or overturned, not {outcome!r}") from None
    case = await load_case(uow, request_id)
    request = case.request
    actor = await moderator_actor(uow, moderator_telegram_id, in_moderators_group=in_moderators_group, now=now)
    if request.status != RequestStatus.ESCALATED:
        raise Refused("not_escalated", "this request is not waiting for the moderators", status=str(request.status))
    note = _note(note)
    data: dict[str, Any] = {"outcome": outcome.value, "note": note}
    if outcome == EscalationOutcome.UPHELD:
        await transition(
            uow, request, RequestStatus.REJECTED, actor=actor, reason="upheld", at=now, data={"note": note}
        )
    else:
        data |= await approve(
            uow, case, Resolution(request.resolution_wanted), actor=actor, reason="overturned", now=now
        )
    request.escalation_outcome, request.escalation_decision_note = outcome, note
    request.escalation_decided_by, request.escalation_decided_at = actor, now
    return _decision(case, case.notices("escalation_decided", "buyer", "store", "moderators", **data))


def _clean(value: str | None, what: str, *, limit: int, required: bool = True) -> str | None:
    if value is not None and not isinstance(value, str):
        raise InvalidInput(f"{what} is text")
    value = " ".join((value or "").split())
    if not value:
        if required:
            raise Refused(f"{what}_missing")
        return None
    if len(value) > limit:
        raise Refused(f"{what}_too_long")
    return value


async def mark_reshipped(
    uow: UnitOfWork,
    clock: Clock,
    request_id: int,
    agent_telegram_id: int,
    carrier: str,
    tracking_number: str,
    tracking_url: str | None = None,
) -> Decision:
    """The agent enters the replacement's carrier and tracking number (also after the ship-by was missed)."""
    now = clock.now()
    case = await load_case(uow, request_id)
    actor = await agent_actor(uow, case, agent_telegram_id)
    reshipment = await uow.requests.reshipment_for(case.request.id)
    if reshipment is None:
        raise Refused("no_reshipment", "this request has no reshipment to ship")
    if reshipment.status not in (ReshipmentStatus.AWAITING_SHIPMENT, ReshipmentStatus.OVERDUE):
        raise Refused("already_reshipped", "the replacement has been shipped")
    carrier = _clean(carrier, "carrier", limit=64)
    tracking_number = _clean(tracking_number, "tracking_number", limit=64)
    tracking_url = _clean(tracking_url, "tracking_url", limit=512, required=False)
    if tracking_url is not None and not tracking_url.startswith(("https://", "http://")):
        raise Refused("tracking_url_invalid")
    screen_note(" ".join(filter(None, (carrier, tracking_number, tracking_url))))  # the buyer reads all three
    # No link given: a known carrier's own tracking page, as the order's answers use, so the buyer can follow it.
    tracking_url = tracking_url or carrier_tracking_url(carrier, tracking_number)
    await transition(
        uow,
        reshipment,
        ReshipmentStatus.SHIPPED,
        actor=actor,
        reason="reshipped",
        at=now,
        data={
            "request_id": case.request.id,
            "carrier": carrier,
            "tracking_number": tracking_number,
            "tracking_url": tracking_url,
        },
    )
    reshipment.carrier, reshipment.tracking_number, reshipment.tracking_url = carrier, tracking_number, tracking_url
    reshipment.shipped_at = now
    await request_clock.stop_reshipment_clock(uow, reshipment, now)
    return _decision(
        case,
        case.notices(
            "reshipment_shipped",
            "buyer",
            "store",
            carrier=carrier,
            tracking_number=tracking_number,
            tracking_url=tracking_url,
            late=reshipment.escalated_at is not None,
        ),
    )
