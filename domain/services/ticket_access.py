"""Finding a ticket and checking who may act on it: the ticket's buyer, or an active agent of its store."""

from __future__ import annotations

from collections.abc import Sequence

from domain.enums import TicketReason, TicketStatus
from domain.errors import NotFound
from domain.models import Store, StoreAgent, Ticket, User
from domain.results import TicketSummary
from domain.services.refusals import Forbidden
from domain.storage.uow import UnitOfWork


async def require_ticket(uow: UnitOfWork, ticket_id: int) -> Ticket:
    ticket = await uow.tickets.get(ticket_id)
    if ticket is None:
        raise NotFound(f"no ticket with id {ticket_id}")
    return ticket


async def require_store(uow: UnitOfWork, store_id: int) -> Store:
    store = await uow.stores.get(store_id)
    if store is None:
        raise NotFound(f"no store with id {store_id}")
    return store


async def require_buyer_of(uow: UnitOfWork, ticket: Ticket, telegram_id: int) -> User:
    """The ticket's buyer, if that is who `telegram_id` is; Forbidden otherwise (not saying whose it is)."""
    user = await uow.users.by_telegram_id(telegram_id)
    if user is None or user.id != ticket.buyer_id:
        raise Forbidden("this ticket is not yours")
    return user


async def require_agent_of(uow: UnitOfWork, store_id: int, telegram_id: int) -> tuple[User, StoreAgent]:
    user = await uow.users.by_telegram_id(telegram_id)
    agent = None if user is None else await uow.stores.agent(store_id, user.id)
    if user is None or agent is None or not agent.active:
        raise Forbidden("you are not an agent of this ticket's store")
    return user, agent


async def summarise(uow: UnitOfWork, tickets: Sequence[Ticket]) -> tuple[TicketSummary, ...]:
    stores: dict[int, Store | None] = {}
    summaries = []
    for ticket in tickets:
        if ticket.store_id not in stores:
            stores[ticket.store_id] = await uow.stores.get(ticket.store_id)
        store = stores[ticket.store_id]
        order_number = await uow.orders.number_of(ticket.order_id) if ticket.order_id is not None else None
        summaries.append(
            TicketSummary(
                ticket_id=ticket.id,
                number=ticket.number,
                store_id=ticket.store_id,
                store_name=store.name if store else "",
                order_id=ticket.order_id,
                order_number=order_number,
                reason=TicketReason(ticket.reason),
                status=TicketStatus(ticket.status),
                priority=ticket.priority,
                created_at=ticket.created_at,
                updated_at=ticket.updated_at,
                closed_at=ticket.closed_at,
                rating=ticket.rating,
                store_timezone=store.timezone if store else "UTC",
            )
        )
    return tuple(summaries)
