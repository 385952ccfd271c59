"""After-sales requests: what the bot calls (docs/business-rules.md#after-sales-requests).

A request is a ticket (reason `after_sales`) with the structured request
attached: the type, the affected items, the description, the delivery date
or "not delivered", the evidence by purpose and the resolution wanted. The
form's rules are in `request_rules` (pure, for the bot to re-ask a step),
amounts in `money`, the decisions in `request_decisions`, the timers in
`request_clock` and `request_timers`, what buyer and seller see in
`request_views`; this module submits a request and gathers the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.clock import Clock
from domain.enums import RequestStatus, RequestType, Resolution, TicketReason
from domain.errors import InvalidInput, NotFound
from domain.models import AfterSalesRequest, RequestFile, RequestItem
from domain.results import Notice, TicketSummary
from domain.services import request_clock
from domain.services.negotiation import accept_offer, counter_offer, reject_offer
from domain.services.refusals import Forbidden, Refused
from domain.services.request_access import RequestCase
from domain.services.request_decisions import (
    ESCALATION_WINDOW,
    Decision,
    approve_request,
    escalate_rejection,
    mark_reshipped,
    moderator_decide,
    propose_partial_refund,
    propose_refund_only,
    reject_request,
    withdraw_offer,
)
from domain.services.request_rules import (
    ItemLine,
    RequestDraft,
    affected_amount,
    check_draft,
    earliest_delivery,
    store_today,
)
from domain.services.request_timers import fire_claimed, fire_due_request_timers
from domain.services.request_views import RequestView, request_view
from domain.services.ticket_access import require_store
from domain.services.ticket_rules import reason_allowed
from domain.services.tickets import OpenedTicket, open_ticket
from domain.storage.uow import UnitOfWork

__all__ = [
    "ESCALATION_WINDOW",
    "Decision",
    "accept_offer",
    "counter_offer",
    "RequestDraft",
    "RequestView",
    "SubmittedRequest",
    "approve_request",
    "escalate_rejection",
    "fire_claimed",
    "fire_due_request_timers",
    "mark_reshipped",
    "moderator_decide",
    "propose_partial_refund",
    "propose_refund_only",
    "reject_offer",
    "reject_request",
    "request_view",
    "submit_request",
    "withdraw_offer",
]


@dataclass(frozen=True)
class SubmittedRequest:
    request_id: int
    ticket: TicketSummary
    # The ticket as `open_ticket` made or reused it: the bot announces it as any other (topic, card).
    opened: OpenedTicket
    seller_due_at: datetime
    affected_amount_minor: int
    currency: str
    notices: tuple[Notice, ...]  # "request_submitted" to the buyer and the store


async def submit_request(
    uow: UnitOfWork, clock: Clock, buyer_telegram_id: int, order_id: int, draft: RequestDraft
) -> SubmittedRequest:
    """Check the whole form again, open (or reuse) the order's after-sales ticket and attach the request.

    Refused (`why`): a form rule (see `request_rules.check_draft`), the order's
    state (`reason_allowed`), or request_exists: the order's open after-sales
    ticket carries a request already (`ticket_id`, `number` in the details).
    """
    now = clock.now()
    if not isinstance(draft, RequestDraft):
        raise InvalidInput("a request is a RequestDraft")
    user = await uow.users.by_telegram_id(buyer_telegram_id)
    order = await uow.orders.get(order_id)
    if order is None:
        raise NotFound(f"no order with id {order_id}")
    if user is None or not await uow.users.is_bound(user.id, order.id):
        raise Forbidden("this order is not bound to you")
    verdict = reason_allowed(order, TicketReason.AFTER_SALES)
    if not verdict.allowed:
        raise Refused(verdict.why or "not_allowed", reason=TicketReason.AFTER_SALES.value)
    store = await require_store(uow, order.store_id)
    lines = [ItemLine(item.id, item.quantity, item.unit_price_minor) for item in order.items]
    verdict = check_draft(
        draft,
        lines,
        today=store_today(now, store.timezone),
        earliest=earliest_delivery(order.placed_at, store.timezone),
    )
    if not verdict.allowed:
        raise Refused(verdict.why or "not_allowed")
    # Before open_ticket: it would add the description to the open ticket, and a refusal must change nothing.
    existing = await uow.tickets.open_of_order_and_reason(user.id, order.id, TicketReason.AFTER_SALES)
    if existing is not None and await uow.requests.by_ticket(existing.id) is not None:
        raise Refused("request_exists", "this order has an open request", ticket_id=existing.id, number=existing.number)
    opened = await open_ticket(
        uow, clock, buyer_telegram_id, order.id, TicketReason.AFTER_SALES, draft.description.strip()
    )
    by_id = {item.id: item for item in order.items}
    request = uow.requests.add(
        AfterSalesRequest(
            ticket_id=opened.ticket.ticket_id,
            order_id=order.id,
            type=RequestType(draft.type),
            description=draft.description.strip(),
            delivered_on=draft.delivered_on,
            not_delivered=draft.not_delivered,
            barcode_given=draft.barcode is not None,
            affected_amount_minor=affected_amount(draft.items, lines),
            currency=order.currency,
            resolution_wanted=Resolution(draft.resolution),
            status=RequestStatus.AWAITING_SELLER,
            created_at=now,
            updated_at=now,
            items=[
                RequestItem(
                    order_item_id=item_id,
                    sku=by_id[item_id].sku,
                    title=by_id[item_id].title,
                    quantity=quantity,
                    unit_price_minor=by_id[item_id].unit_price_minor,
                )
                for item_id, quantity in draft.items
            ],
            files=[
                RequestFile(
                    side="buyer",
                    purpose=file.purpose,
                    kind=file.kind,
                    file_id=file.file_id,
                    file_unique_id=file.file_unique_id,
                    caption=file.caption,
                    created_at=now,
                )
                for file in draft.evidence()
            ],
        )
    )
    await uow.flush()
    await request_clock.start_seller_clock(uow, request, store, now)
    uow.audit.record(
        "request.submitted",
        subject_type="request",
        subject_id=request.id,
        actor=f"buyer:{user.id}",
        at=now,
        data={
            "ticket_id": opened.ticket.ticket_id,
            "type": request.type.value,
            "resolution_wanted": request.resolution_wanted.value,
            "items": [[item_id, quantity] for item_id, quantity in draft.items],
            "affected_amount_minor": request.affected_amount_minor,
            "barcode_given": request.barcode_given,
            "not_delivered": request.not_delivered,
        },
    )
    ticket = await uow.tickets.get(opened.ticket.ticket_id)
    assert ticket is not None
    case = RequestCase(request, ticket, store, buyer_telegram_id, order.external_number)
    assert request.seller_due_at is not None
    notices = case.notices(
        "request_submitted",
        "buyer",
        "store",
        type=request.type.value,
        resolution_wanted=request.resolution_wanted.value,
        affected_amount_minor=request.affected_amount_minor,
        currency=request.currency,
        barcode_given=request.barcode_given,
        seller_due_at=request.seller_due_at,
    )
    return SubmittedRequest(
        request.id,
        opened.ticket,
        opened,
        request.seller_due_at,
        request.affected_amount_minor,
        request.currency,
        tuple(notices),
    )
