"""What the buyer, the store's agents and the moderators see of an after-sales request.

The request with its items, evidence, offers and reshipment; a timeline
built from the audit trail; what is due next (aware UTC datetimes: the bot
shows them in the reader's zone and as "in 23 h"); and the actions this
viewer may take now, so the keyboards hold no business rules. A buyer never
sees an agent's name, nor the store's reminders.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from domain.enums import (
    AttachmentKind,
    AttachmentPurpose,
    EscalationOutcome,
    OfferStatus,
    RejectReason,
    RequestStatus,
    RequestType,
    ReshipmentStatus,
    Resolution,
)
from domain.models import AuditEvent
from domain.results import Viewer
from domain.services.money import suggested_refunds
from domain.services.request_access import agent_actor, buyer_actor, load_case, require_moderator, side_of
from domain.services.request_decisions import ANSWERED_BY_BUYER, ESCALATION_WINDOW
from domain.storage.uow import UnitOfWork


@dataclass(frozen=True)
class RequestItemView:
    order_item_id: int | None  # None once an order re-import replaced the order's items
    sku: str
    title: str
    quantity: int
    unit_price_minor: int


@dataclass(frozen=True)
class EvidenceFile:
    side: str  # "buyer" or "seller"
    purpose: AttachmentPurpose
    kind: AttachmentKind
    file_id: str
    file_unique_id: str | None
    caption: str | None


@dataclass(frozen=True)
class OfferView:
    offer_id: int
    amount_minor: int
    currency: str
    status: OfferStatus
    created_at: datetime
    respond_by: datetime
    answered_at: datetime | None
    side: str = "store"  # "store": the store's offer; "buyer": the buyer's counter-offer to it
    counter_of_id: int | None = None


@dataclass(frozen=True)
class ReshipmentView:
    status: ReshipmentStatus
    ship_by: datetime
    carrier: str | None
    tracking_number: str | None
    tracking_url: str | None
    shipped_at: datetime | None
    escalated_at: datetime | None


@dataclass(frozen=True)
class RequestEvent:
    """One line of the timeline. `kind`: submitted, approved, auto_approved, refund_only, rejected,
    offer_proposed, offer_withdrawn, offer_expired, offer_rejected, offer_accepted, offer_countered,
    counter_rejected, counter_expired, escalated, upheld, overturned,
    seller_reminded (store side only), reshipment_due, reshipped, reshipment_overdue."""

    at: datetime
    kind: str
    by: str  # "buyer", "store", "system" or "moderators"
    agent_name: str | None = None  # in the store's and moderators' view only
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Due:
    """What is due next. `kind`: seller_answer (paused: `due_at` None, `seconds_left` kept),
    offer_response, reshipment_ship_by, escalation_window (until when the buyer may escalate)."""

    kind: str
    due_at: datetime | None
    seconds_left: int | None = None


@dataclass(frozen=True)
class RequestView:
    request_id: int
    ticket_id: int
    ticket_number: int
    store_id: int
    store_name: str
    order_id: int
    order_number: str | None
    type: RequestType
    status: RequestStatus
    description: str
    delivered_on: date | None
    not_delivered: bool
    barcode_given: bool
    resolution_wanted: Resolution
    resolution: Resolution | None
    refund_amount_minor: int | None
    affected_amount_minor: int
    currency: str
    reject_reason: RejectReason | None
    decision_note: str | None
    escalation_outcome: EscalationOutcome | None
    created_at: datetime
    items: tuple[RequestItemView, ...]
    evidence: tuple[EvidenceFile, ...]
    offers: tuple[OfferView, ...]
    reshipment: ReshipmentView | None
    timeline: tuple[RequestEvent, ...]
    due: tuple[Due, ...]
    # What this viewer may do now: approve, reject, refund_only, partial_refund, withdraw_offer,
    # mark_reshipped (agents); escalate (the buyer); uphold, overturn (moderators).
    actions: frozenset[str]
    suggested_refunds: tuple[int, ...] = ()  # minor units; agents only, while they may propose


# Audit reasons of request status changes that are their own timeline kind; "seller_silent" reads better renamed.
_STATUS_KINDS = {"seller_silent": "auto_approved"}
_STORE_ONLY = frozenset({"seller_reminded"})
_HIDDEN_DATA = frozenset({"from", "to", "reason"})


def _event(event: AuditEvent) -> tuple[str, Mapping[str, Any]] | None:
    data = {key: value for key, value in (event.data or {}).items() if key not in _HIDDEN_DATA}
    if event.event_type == "request.submitted":
        return "submitted", data
    if event.event_type == "request.status_changed":
        reason = event.data.get("reason", "")
        return _STATUS_KINDS.get(reason, reason), data
    if event.event_type == "request.seller_reminded":
        return "seller_reminded", data
    if event.event_type == "request.offer_countered":
        return "offer_countered", data
    if event.event_type == "reshipment.created":
        return "reshipment_due", data
    if event.event_type == "reshipment.status_changed":
        return {"shipped": "reshipped", "overdue": "reshipment_overdue"}.get(event.data.get("to"), "reshipment"), data
    return None


async def request_view(
    uow: UnitOfWork, request_id: int, viewer: Viewer, *, in_moderators_group: bool = False, now: datetime | None = None
) -> RequestView:
    """The request as `viewer` may see it: its buyer, an agent of its store, or a moderator.

    `now` (optional) keeps "escalate" out of `actions` once its window has passed.
    """
    case = await load_case(uow, request_id)
    request, store = case.request, case.store
    if viewer.role == "agent":
        await agent_actor(uow, case, viewer.telegram_id)
    elif viewer.role == "moderator":
        await require_moderator(uow, viewer.telegram_id, in_moderators_group=in_moderators_group)
    else:
        await buyer_actor(uow, case, viewer.telegram_id)
    staff = viewer.role != "buyer"
    reshipment = await uow.requests.reshipment_for(request.id)
    offers = await uow.requests.offers(request.id)
    status = RequestStatus(request.status)

    events = list(await uow.audit.for_subject("request", request.id))
    if reshipment is not None:
        events += await uow.audit.for_subject("reshipment", reshipment.id)
    names = (
        {f"agent:{agent.user_id}": agent.display_name for agent in await uow.stores.agents(store.id, active_only=False)}
        if staff
        else {}
    )
    timeline = []
    for event in sorted(events, key=lambda e: (e.at, e.id)):
        found = _event(event)
        if found is None or (found[0] in _STORE_ONLY and not staff):
            continue
        timeline.append(RequestEvent(event.at, found[0], side_of(event.actor), names.get(event.actor), found[1]))

    pending = next((offer for offer in offers if offer.status == OfferStatus.PENDING), None)
    due: list[Due] = []
    if status == RequestStatus.AWAITING_SELLER:
        due.append(Due("seller_answer", request.seller_due_at))
    elif status == RequestStatus.OFFER_PENDING and pending is not None:
        due.append(Due("offer_response", pending.respond_by))
        due.append(Due("seller_answer", None, request.seller_paused_seconds_left))
    escalate_until = request.decided_at + ESCALATION_WINDOW if request.decided_at else None
    can_escalate = (
        status == RequestStatus.REJECTED
        and request.escalated_at is None
        and escalate_until is not None
        and (now is None or now < escalate_until)
    )
    if can_escalate:
        due.append(Due("escalation_window", escalate_until))
    ships = reshipment is not None and reshipment.status in (
        ReshipmentStatus.AWAITING_SHIPMENT,
        ReshipmentStatus.OVERDUE,
    )
    if ships:
        due.append(Due("reshipment_ship_by", reshipment.ship_by))

    actions: set[str] = set()
    if viewer.role == "agent":
        if status == RequestStatus.AWAITING_SELLER:
            actions |= {"approve", "reject"}
            if not any(offer.status in ANSWERED_BY_BUYER for offer in offers):  # else: approve or reject
                actions.add("partial_refund")
            if request.resolution_wanted != Resolution.REFUND_ONLY:
                actions.add("refund_only")
        elif status == RequestStatus.OFFER_PENDING and pending is not None and pending.side == "store":
            actions.add("withdraw_offer")
        if ships:
            actions.add("mark_reshipped")
    elif viewer.role == "moderator":
        if status == RequestStatus.ESCALATED:
            actions |= {"uphold", "overturn"}
    elif can_escalate:
        actions.add("escalate")

    return RequestView(
        request_id=request.id,
        ticket_id=case.ticket.id,
        ticket_number=case.ticket.number,
        store_id=store.id,
        store_name=store.name,
        order_id=request.order_id,
        order_number=case.order_number,
        type=RequestType(request.type),
        status=status,
        description=request.description,
        delivered_on=request.delivered_on,
        not_delivered=request.not_delivered,
        barcode_given=request.barcode_given,
        resolution_wanted=Resolution(request.resolution_wanted),
        resolution=Resolution(request.resolution) if request.resolution else None,
        refund_amount_minor=request.refund_amount_minor,
        affected_amount_minor=request.affected_amount_minor,
        currency=request.currency,
        reject_reason=RejectReason(request.reject_reason) if request.reject_reason else None,
        decision_note=request.decision_reason,
        escalation_outcome=EscalationOutcome(request.escalation_outcome) if request.escalation_outcome else None,
        created_at=request.created_at,
        items=tuple(
            RequestItemView(i.order_item_id, i.sku, i.title, i.quantity, i.unit_price_minor) for i in request.items
        ),
        evidence=tuple(
            EvidenceFile(
                f.side, AttachmentPurpose(f.purpose), AttachmentKind(f.kind), f.file_id, f.file_unique_id, f.caption
            )
            for f in request.files
        ),
        offers=tuple(
            OfferView(
                o.id,
                o.amount_minor,
                o.currency,
                OfferStatus(o.status),
                o.created_at,
                o.respond_by,
                o.answered_at,
                o.side,
                o.counter_of_id,
            )
            for o in offers
        ),
        reshipment=None
        if reshipment is None
        else ReshipmentView(
            ReshipmentStatus(reshipment.status),
            reshipment.ship_by,
            reshipment.carrier,
            reshipment.tracking_number,
            reshipment.tracking_url,
            reshipment.shipped_at,
            reshipment.escalated_at,
        ),
        timeline=tuple(timeline),
        due=tuple(due),
        actions=frozenset(actions),
        suggested_refunds=suggested_refunds(request.affected_amount_minor, store.refund_suggestion_percents)
        if "partial_refund" in actions
        else (),
    )
