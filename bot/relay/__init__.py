"""The seller side of tickets: relaying messages between a buyer and a store's agents.

What the buyer side calls:
- ``announce_ticket(context, opened)`` (``announce``): a new ticket's topic or private cards;
- ``relay_buyer_message(context, ticket_id, recorded, message)``: the buyer's message (or an
  album's messages) copied to the store's side;
- ``deliver_ticket_notices(context, notices, to=...)``: closing, rating and reminder notices worded and sent.

A buyer's photo, start to end: ``bot.handlers.tickets`` records it on the ticket
(domain ``record_buyer_message``) and calls ``relay_buyer_message`` (``outgoing``),
which queues its copy into the topic under the buyer's name (``buyer_copies``) or
to each agent's private chat (``agents``); after the commit the sender sends it,
and ``hooks`` records the copy so that an agent's reply to it routes back.
An agent's answer goes the other way: ``agent_replies`` records it and
``outgoing.send_agent_reply`` sends it headed with the store's name; ``topics``
keeps the topic's title and card current, ``reactions`` marks what was delivered.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bot.relay.desk import Desk
from bot.relay.notices import deliver_notices
from bot.relay.outgoing import relay_buyer_message
from domain.results import Notice

__all__ = ["Desk", "deliver_ticket_notices", "relay_buyer_message"]


async def deliver_ticket_notices(
    context: Any, notices: Iterable[Notice], *, to: tuple[str, ...] = ("buyer", "store")
) -> None:
    await deliver_notices(Desk.of(context), notices, to=to)
