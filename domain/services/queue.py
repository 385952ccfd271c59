"""A store's queue of open tickets: overdue first responses, then priority, then age."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from domain.clock import Clock
from domain.enums import DeadlineKind, OpenedBy, TicketPriority, TicketReason, TicketStatus
from domain.models import Ticket
from domain.services.ticket_access import require_agent_of, require_store
from domain.services.ticket_deadlines import SUBJECT
from domain.storage.uow import UnitOfWork

WaitingFor = Literal["seller_first_response", "seller", "buyer"]


@dataclass(frozen=True)
class QueueItem:
    ticket_id: int
    number: int
    reason: TicketReason
    status: TicketStatus
    priority: TicketPriority
    order_number: str | None
    created_at: datetime
    waiting_for: WaitingFor
    due_at: datetime | None  # first response due, or when buyer silence closes the ticket
    overdue: bool  # the first response is late
    topic: tuple[int, int] | None = None  # (support group's chat id, thread id) where agents answer it


def _waiting_for(ticket: Ticket) -> WaitingFor:
    if ticket.first_responded_at is None and ticket.opened_by != OpenedBy.AGENT:
        return "seller_first_response"
    return "buyer" if ticket.status == TicketStatus.WAITING_BUYER else "seller"


async def agents_queue(uow: UnitOfWork, clock: Clock, store_id: int, agent_telegram_id: int) -> tuple[QueueItem, ...]:
    """The queue as the store's agents ask for it; anybody else (a group member who is no agent) is Forbidden."""
    await require_agent_of(uow, store_id, agent_telegram_id)
    return await store_queue(uow, clock, store_id)


async def store_queue(uow: UnitOfWork, clock: Clock, store_id: int, *, limit: int = 50) -> tuple[QueueItem, ...]:
    now = clock.now()
    await require_store(uow, store_id)
    items = []
    group_chats = {group.id: group.chat_id for group in await uow.stores.groups(store_id, active_only=False)}
    for ticket in await uow.tickets.open_for_store(store_id):
        waiting_for = _waiting_for(ticket)
        due_at: datetime | None = None
        if waiting_for == "seller_first_response":
            due_at = ticket.first_response_due_at
        elif waiting_for == "buyer":
            auto_close = await uow.deadlines.live(DeadlineKind.AUTO_CLOSE, SUBJECT, ticket.id)
            due_at = auto_close.due_at if auto_close else None
        order = await uow.orders.get(ticket.order_id) if ticket.order_id is not None else None
        items.append(
            QueueItem(
                ticket_id=ticket.id,
                number=ticket.number,
                reason=TicketReason(ticket.reason),
                status=TicketStatus(ticket.status),
                priority=TicketPriority(ticket.priority),
                order_number=order.external_number if order else None,
                created_at=ticket.created_at,
                waiting_for=waiting_for,
                due_at=due_at,
                overdue=waiting_for == "seller_first_response" and due_at is not None and due_at <= now,
                topic=(group_chats[ticket.support_group_id], ticket.topic_id)
                if ticket.support_group_id in group_chats and ticket.topic_id is not None
                else None,
            )
        )
    # Sorted here, not in SQL: "overdue" depends on now, and a store's open tickets are few.
    items.sort(key=lambda item: (not item.overdue, item.priority, item.created_at, item.ticket_id))
    return tuple(items[:limit])
