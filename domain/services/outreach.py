"""An agent writing to a buyer first about an order: finding the order, then opening or reusing its ticket.

A ticket the store opens has no first-response clock (the store speaks
first); the agent's first message puts it to wait for the buyer, which
starts the buyer-silence clock as any reply does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from domain.clock import Clock
from domain.enums import AuthorRole, OpenedBy, TicketReason
from domain.models import Order, Store, TicketMessage
from domain.results import TicketSummary
from domain.services import ticket_deadlines
from domain.services.refusals import Forbidden, Refused
from domain.services.ticket_access import require_agent_of, summarise
from domain.services.tickets import OpenedTicket, create_ticket
from domain.storage.uow import UnitOfWork


@dataclass(frozen=True)
class OrderForAgent:
    """What an agent sees of an order before writing about it."""

    order_id: int
    number: str
    store_name: str
    status: str
    items: tuple[tuple[str, int], ...]  # (title, quantity)
    buyer_on_telegram: bool  # someone is bound to it: the bot can reach them
    open_tickets: tuple[TicketSummary, ...]


async def _stores_of(uow: UnitOfWork, agent_telegram_id: int, only_store_id: int | None) -> Sequence[Store]:
    user = await uow.users.by_telegram_id(agent_telegram_id)
    stores = await uow.stores.stores_of_agent(user.id) if user else []
    if only_store_id is not None:
        stores = [store for store in stores if store.id == only_store_id]
    if not stores:
        raise Forbidden("you are not an agent of this store")
    return stores


async def find_order(
    uow: UnitOfWork, agent_telegram_id: int, order_number: str, *, store_id: int | None = None
) -> OrderForAgent:
    """The order with this number in the agent's stores (only `store_id`'s, in a store's group)."""
    number = order_number.strip()
    found = []
    for store in await _stores_of(uow, agent_telegram_id, store_id):
        order = await uow.orders.by_number(store.id, number)
        if order is not None:
            found.append((store, order))
    if not found:
        raise Refused("no_order", f"no order {number!r} in your stores")
    if len(found) > 1:
        # Order numbers are the marketplace's per store: guessing could write to another store's buyer.
        raise Refused(
            "ambiguous_order", f"order {number!r} is in several of your stores", stores=[s.name for s, _ in found]
        )
    return await _view(uow, *found[0])


async def _view(uow: UnitOfWork, store: Store, order: Order) -> OrderForAgent:
    tickets = [t for t in await uow.tickets.open_for_store(store.id) if t.order_id == order.id]
    return OrderForAgent(
        order_id=order.id,
        number=order.external_number,
        store_name=store.name,
        status=str(order.status),
        items=tuple((item.title, item.quantity) for item in order.items),
        buyer_on_telegram=bool(await uow.users.bound_buyers(order.id)),
        open_tickets=await summarise(uow, tickets),
    )


async def reach_buyer(uow: UnitOfWork, clock: Clock, agent_telegram_id: int, order_id: int) -> OpenedTicket:
    """The order's ticket to write in: its newest open one, or a new "contact" ticket opened by the store.

    Refused with `buyer_not_on_telegram` when nobody has bound the order:
    the bot has no chat to write to (the marketplace's deep link fixes that).
    """
    now = clock.now()
    order = await uow.orders.get(order_id)
    if order is None:
        raise Refused("no_order", f"no order with id {order_id}")
    agent_user, _agent = await require_agent_of(uow, order.store_id, agent_telegram_id)
    open_tickets = [t for t in await uow.tickets.open_for_store(order.store_id) if t.order_id == order.id]
    if open_tickets:
        newest = max(open_tickets, key=lambda t: (t.updated_at, t.id))
        return OpenedTicket((await summarise(uow, [newest]))[0], False, None, newest.first_response_due_at, ())
    buyers = await uow.users.bound_buyers(order.id)
    if not buyers:
        raise Refused("buyer_not_on_telegram", "nobody has linked this order to a Telegram account")
    ticket = await create_ticket(
        uow, order, buyers[0].id, TicketReason.CONTACT_SELLER, OpenedBy.AGENT, actor=f"agent:{agent_user.id}", now=now
    )
    # An empty internal marker: the store's cards in agents' private chats are copies of it, so a
    # reply to a card routes to this ticket before anyone has written in it.
    uow.tickets.add_message(
        TicketMessage(
            ticket_id=ticket.id,
            author_role=AuthorRole.SYSTEM,
            author_user_id=agent_user.id,
            text=None,
            internal=True,
            created_at=now,
        )
    )
    # Closed quietly if nobody writes in it (`ticket_timers`); the first message restarts this clock.
    store = await uow.stores.get(order.store_id)
    await ticket_deadlines.start_auto_close(uow, ticket, store, now)
    await uow.flush()
    return OpenedTicket((await summarise(uow, [ticket]))[0], True, None, None, ())
