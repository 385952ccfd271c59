"""A new ticket reaches the store: its topic in the least busy support group, or cards in the agents' chats."""

from __future__ import annotations

from typing import Any

from bot.relay import topics
from bot.relay.desk import Desk
from bot.relay.outgoing import relay_recorded_text
from domain.services.tickets import OpenedTicket


async def announce_ticket(context: Any, opened: OpenedTicket) -> None:
    await announce(Desk.of(context), opened)


async def announce(desk: Desk, opened: OpenedTicket) -> None:
    ticket = await desk.uow.tickets.get(opened.ticket.ticket_id)
    if ticket is None:
        return
    if not opened.created:
        # A reused ticket already has its place; the buyer's added words follow it there.
        if opened.message_id is not None:
            await relay_recorded_text(desk, ticket, opened.message_id)
        return
    group = await desk.uow.stores.least_busy_group(ticket.store_id)
    if group is None:
        await topics.send_private_cards(desk, ticket)
        return
    await topics.create_topic(desk, ticket, group)
