"""A buyer's tickets: opening one on an order, closing, rating, listing, and its timeline.

The rules on which reason fits which order state are in `ticket_rules`
(re-exported here: `change_allowed`, `cancel_options`) so the bot can show
them before a ticket exists; `open_ticket` applies the same ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from domain.clock import Clock
from domain.enums import AuthorRole, OpenedBy, TicketReason, TicketStatus
from domain.errors import InvalidInput, NotFound
from domain.models import Order, Store, Ticket
from domain.results import IncomingFile, Notice, TicketSummary, Viewer
from domain.services import cancellations, order_changes, ticket_deadlines
from domain.services.refusals import Forbidden, Refused
from domain.services.relay import record_buyer_message
from domain.services.ticket_access import (
    require_agent_of,
    require_buyer_of,
    require_store,
    require_ticket,
    summarise,
)
from domain.services.ticket_rules import CancelOptions, cancel_options, change_allowed, priority_for, reason_allowed
from domain.states import transition
from domain.storage.uow import UnitOfWork

__all__ = [
    "CancelOptions",
    "ClosedTicket",
    "OpenedTicket",
    "RatedTicket",
    "Timeline",
    "TimelineEntry",
    "buyer_tickets",
    "cancel_options",
    "change_allowed",
    "close_ticket",
    "create_ticket",
    "open_ticket",
    "rate_ticket",
    "ticket_timeline",
]


@dataclass(frozen=True)
class OpenedTicket:
    ticket: TicketSummary
    created: bool  # False: an open ticket for this order and reason existed, and was reused
    message_id: int | None  # the buyer's first message, if they wrote one
    first_response_due_at: datetime | None
    notices: tuple[Notice, ...]
    masked_cards: int = 0  # card numbers hidden from the store in the buyer's words: the buyer is warned


@dataclass(frozen=True)
class ClosedTicket:
    ticket: TicketSummary
    notices: tuple[Notice, ...]


@dataclass(frozen=True)
class RatedTicket:
    ticket_id: int
    stars: int
    notices: tuple[Notice, ...]


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: Literal["opened", "message", "status", "rated"]
    by: Literal["buyer", "store", "system"]
    agent_name: str | None = None  # only in an agent's view; a buyer sees the store
    text: str | None = None
    internal: bool = False
    attachments: tuple[str, ...] = ()  # kinds, e.g. ("photo", "video")
    from_status: TicketStatus | None = None
    to_status: TicketStatus | None = None
    stars: int | None = None


@dataclass(frozen=True)
class Timeline:
    ticket: TicketSummary
    entries: tuple[TimelineEntry, ...]


def _reason(reason: TicketReason | str) -> TicketReason:
    try:
        return TicketReason(reason)
    except ValueError:
        raise InvalidInput(f"unknown ticket reason {reason!r}") from None


async def _one(uow: UnitOfWork, ticket: Ticket) -> TicketSummary:
    return (await summarise(uow, [ticket]))[0]


async def create_ticket(
    uow: UnitOfWork,
    order: Order,
    buyer_id: int,
    reason: TicketReason,
    opened_by: OpenedBy,
    *,
    actor: str,
    now: datetime,
) -> Ticket:
    """A new open ticket on the order, numbered in the store's sequence, its opening audited."""
    priority = priority_for(order, reason)
    ticket = uow.tickets.add(
        Ticket(
            number=await uow.stores.next_ticket_number(order.store_id),
            store_id=order.store_id,
            buyer_id=buyer_id,
            order_id=order.id,
            reason=reason,
            status=TicketStatus.OPEN,
            priority=int(priority),
            opened_by=opened_by,
            created_at=now,
            updated_at=now,
        )
    )
    await uow.flush()
    uow.audit.record(
        "ticket.opened",
        subject_type="ticket",
        subject_id=ticket.id,
        actor=actor,
        at=now,
        data={"number": ticket.number, "order_id": order.id, "reason": reason.value, "priority": int(priority)},
    )
    return ticket


async def open_ticket(
    uow: UnitOfWork,
    clock: Clock,
    buyer_telegram_id: int,
    order_id: int,
    reason: TicketReason | str,
    text: str | None = None,
    attachments: Sequence[IncomingFile] = (),
    *,
    entities: Sequence[Mapping[str, Any]] | None = None,
    cancel_reason: str | None = None,
) -> OpenedTicket:
    """Open a ticket on one of the buyer's orders, or refuse with a reason code (`Refused.why`).

    A second ticket for the same order and reason while one is open is not
    made: the open one is returned (`created=False`) with the text added to it.
    """
    reason = _reason(reason)
    now = clock.now()
    user = await uow.users.by_telegram_id(buyer_telegram_id)
    order = await uow.orders.get(order_id)
    if order is None:
        raise NotFound(f"no order with id {order_id}")
    if user is None or not await uow.users.is_bound(user.id, order.id):
        raise Forbidden("this order is not bound to you")
    verdict = reason_allowed(order, reason)
    if not verdict.allowed:
        # The buyer may always still write to the seller (reason 9).
        raise Refused(verdict.why or "not_allowed", reason=reason.value, alternative=TicketReason.CONTACT_SELLER.value)
    existing = await uow.tickets.open_of_order_and_reason(user.id, order.id, reason)
    if existing is not None:
        if not (text or attachments):
            return OpenedTicket(await _one(uow, existing), False, None, existing.first_response_due_at, ())
        added = await record_buyer_message(uow, clock, existing.id, text, entities, attachments)
        return OpenedTicket(
            await _one(uow, existing),
            False,
            added.message_id,
            existing.first_response_due_at,
            added.notices,
            masked_cards=added.masked_cards,
        )
    store = await require_store(uow, order.store_id)
    ticket = await create_ticket(uow, order, user.id, reason, OpenedBy.BUYER, actor=f"buyer:{user.id}", now=now)
    priority = ticket.priority
    await ticket_deadlines.start_first_response_clock(uow, ticket, store, now)
    message_id, masked_cards = None, 0
    if text or attachments:
        recorded = await record_buyer_message(uow, clock, ticket.id, text, entities, attachments)
        # The records below keep the buyer's words as stored: a card number masked.
        message_id, masked_cards, text = recorded.message_id, recorded.masked_cards, recorded.text
    # A change or a cancellation is also a record the store decides on (cancel_reason: the code the buyer picked).
    await order_changes.record_opened(uow, ticket, order, reason, text, now=now)
    await cancellations.record_opened(uow, ticket, order, reason, text, cancel_reason=cancel_reason, now=now)
    await uow.flush()
    data = {"number": ticket.number, "reason": reason.value, "priority": int(priority)}
    notices = (
        Notice(
            "ticket_opened",
            "store",
            ticket.id,
            store.id,
            buyer_telegram_id,
            {**data, "first_response_due_at": ticket.first_response_due_at},
        ),
        Notice("ticket_opened", "buyer", ticket.id, store.id, buyer_telegram_id, data),
    )
    return OpenedTicket(
        await _one(uow, ticket), True, message_id, ticket.first_response_due_at, notices, masked_cards=masked_cards
    )


async def close(
    uow: UnitOfWork, ticket: Ticket, store: Store, *, actor: str, closed_by: str, reason: str, now: datetime
) -> tuple[Notice, ...]:
    """Close the ticket, stop its timers; the notices tell both sides and invite the buyer's rating."""
    await transition(uow, ticket, TicketStatus.CLOSED, actor=actor, reason=reason, at=now)
    ticket.closed_at = now
    await ticket_deadlines.stop_all(uow, ticket, now)
    buyer = await uow.users.get(ticket.buyer_id)
    buyer_telegram_id = buyer.telegram_id if buyer else None
    data = {"number": ticket.number, "closed_by": closed_by, "reason": reason}
    return (
        Notice("ticket_closed", "buyer", ticket.id, store.id, buyer_telegram_id, data),
        Notice("ticket_closed", "store", ticket.id, store.id, buyer_telegram_id, data),
        Notice("rating_request", "buyer", ticket.id, store.id, buyer_telegram_id, {"number": ticket.number}),
    )


async def close_ticket(
    uow: UnitOfWork, clock: Clock, ticket_id: int, by: Literal["buyer", "agent"], actor_id: int
) -> ClosedTicket:
    """Close a ticket: the buyer their own, an agent their store's (`actor_id` is the Telegram user id)."""
    now = clock.now()
    ticket = await require_ticket(uow, ticket_id)
    if by == "buyer":
        user = await require_buyer_of(uow, ticket, actor_id)
        actor, closed_by = f"buyer:{user.id}", "buyer"
    elif by == "agent":
        user, _agent = await require_agent_of(uow, ticket.store_id, actor_id)
        actor, closed_by = f"agent:{user.id}", "store"
    else:
        raise InvalidInput(f"a ticket is closed by the buyer or an agent, not {by!r}")
    if ticket.status == TicketStatus.CLOSED:
        raise Refused("already_closed", "this ticket is closed already")
    store = await require_store(uow, ticket.store_id)
    notices = await close(
        uow, ticket, store, actor=actor, closed_by=closed_by, reason=f"closed_by_{closed_by}", now=now
    )
    await uow.flush()
    return ClosedTicket(await _one(uow, ticket), notices)


async def rate_ticket(uow: UnitOfWork, clock: Clock, ticket_id: int, buyer_telegram_id: int, stars: int) -> RatedTicket:
    """The buyer rates a closed ticket 1-5, once."""
    if isinstance(stars, bool) or not isinstance(stars, int) or not 1 <= stars <= 5:
        raise InvalidInput(f"a rating is 1 to 5 stars, got {stars!r}")
    now = clock.now()
    ticket = await require_ticket(uow, ticket_id)
    user = await require_buyer_of(uow, ticket, buyer_telegram_id)
    if ticket.status != TicketStatus.CLOSED:
        raise Refused("not_closed", "a ticket is rated after it closes")
    if ticket.rating is not None or not await uow.tickets.rate_once(ticket.id, stars, at=now):
        raise Refused("already_rated", "this ticket has been rated")
    ticket.rating, ticket.rated_at = stars, now  # the UPDATE above bypassed the loaded object
    uow.audit.record(
        "ticket.rated",
        subject_type="ticket",
        subject_id=ticket.id,
        actor=f"buyer:{user.id}",
        at=now,
        data={"stars": stars},
    )
    notice = Notice(
        "ticket_rated",
        "store",
        ticket.id,
        ticket.store_id,
        buyer_telegram_id,
        {"number": ticket.number, "stars": stars},
    )
    return RatedTicket(ticket.id, stars, (notice,))


async def buyer_tickets(uow: UnitOfWork, telegram_user_id: int) -> tuple[TicketSummary, ...]:
    """All of the buyer's tickets, newest first."""
    user = await uow.users.by_telegram_id(telegram_user_id)
    if user is None:
        return ()
    return await summarise(uow, await uow.tickets.for_buyer(user.id))


_SIDE_OF_ACTOR: Mapping[str, Literal["buyer", "store", "system"]] = {"buyer": "buyer", "agent": "store"}


def _by(actor: str) -> Literal["buyer", "store", "system"]:
    """An audit actor ("agent:7") as the side a viewer sees; agents are "the store"."""
    return _SIDE_OF_ACTOR.get(actor.split(":", 1)[0], "system")


_RANK = {"opened": 0, "message": 1, "status": 2, "rated": 3}  # order of entries written at one instant


async def ticket_timeline(uow: UnitOfWork, ticket_id: int, viewer: Viewer) -> Timeline:
    """What happened in the ticket, oldest first, as this viewer may see it.

    The buyer sees no internal notes and no agent's name; an agent of the
    store sees both.
    """
    ticket = await require_ticket(uow, ticket_id)
    is_agent = viewer.role == "agent"
    if is_agent:
        await require_agent_of(uow, ticket.store_id, viewer.telegram_id)
    else:
        await require_buyer_of(uow, ticket, viewer.telegram_id)
    entries: list[TimelineEntry] = []
    for event in await uow.audit.for_subject("ticket", ticket.id):
        if event.event_type == "ticket.opened":
            entries.append(TimelineEntry(event.at, "opened", _by(event.actor)))
        elif event.event_type == "ticket.status_changed":
            entries.append(
                TimelineEntry(
                    event.at,
                    "status",
                    _by(event.actor),
                    from_status=TicketStatus(event.data["from"]),
                    to_status=TicketStatus(event.data["to"]),
                )
            )
        elif event.event_type == "ticket.rated":
            entries.append(TimelineEntry(event.at, "rated", "buyer", stars=event.data.get("stars")))
    agent_names = {
        agent.user_id: agent.display_name for agent in await uow.stores.agents(ticket.store_id, active_only=False)
    }
    for message in await uow.tickets.messages(ticket.id, include_internal=is_agent):
        if not message.text and not message.attachments:
            continue  # the marker of a ticket the store opened: its "opened" entry says it
        author = AuthorRole(message.author_role)
        by: Literal["buyer", "store", "system"] = (
            "buyer" if author == AuthorRole.BUYER else "store" if author == AuthorRole.AGENT else "system"
        )
        entries.append(
            TimelineEntry(
                message.created_at,
                "message",
                by,
                agent_name=agent_names.get(message.author_user_id) if is_agent and by == "store" else None,
                text=message.text,
                internal=message.internal,
                attachments=tuple(str(file.kind) for file in message.attachments),
            )
        )
    entries.sort(key=lambda entry: (entry.at, _RANK[entry.kind]))
    return Timeline(await _one(uow, ticket), tuple(entries))
