"""A ticket's transcript for the platform's moderators: everything said in it, as it was said.

Moderators review stores' conduct (docs/business-rules.md#roles), so they see
more than either side: the agents' names, the internal notes, edits, and what
the moderation screen did with a message (`delivery`). A moderator names a
ticket by its global id (what their cards show as "ticket <id>") or by a
store and that store's own number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from domain.enums import AuthorRole
from domain.errors import InvalidInput, NotFound
from domain.models import Store, Ticket, TicketMessage
from domain.services.order_changes import change_of_ticket
from domain.services.request_access import require_moderator
from domain.services.ticket_access import require_ticket
from domain.storage.uow import UnitOfWork

Author = Literal["buyer", "agent", "moderator", "system"]
_MAX_ID = 2**31 - 1  # ids and numbers are 32-bit columns; a larger one names nothing (and would overflow a query)


@dataclass(frozen=True)
class TicketRef:
    """How a moderator names a ticket: its global `ticket_id`, or a `store` (name or id) and its `number`."""

    ticket_id: int | None = None
    store: str | None = None
    number: int | None = None


@dataclass(frozen=True)
class TranscriptRequest:
    """What the buyer asked for in the ticket: an after-sales request, a cancellation or an order change."""

    kind: Literal["after_sales", "cancellation", "change"]
    status: str
    what: str  # the request's type, the cancellation's reason, the change's kind
    resolution_wanted: str | None = None  # after-sales only


@dataclass(frozen=True)
class TranscriptMessage:
    at: datetime
    author: Author
    agent_name: str | None  # the agent who wrote it, when an agent did
    text: str | None
    internal: bool  # an agents' note the buyer never saw
    attachments: tuple[str, ...]  # kinds, e.g. ("photo", "video")
    edited: bool
    delivery: str | None  # None: delivered as usual; "held", "blocked", "suspended": what moderation did


@dataclass(frozen=True)
class Transcript:
    ticket_id: int
    number: int  # the store's own number
    store_name: str
    order_number: str | None
    status: str
    reason: str
    opened_at: datetime
    requests: tuple[TranscriptRequest, ...]
    messages: tuple[TranscriptMessage, ...]


_AUTHORS: dict[AuthorRole, Author] = {
    AuthorRole.BUYER: "buyer",
    AuthorRole.AGENT: "agent",
    AuthorRole.MODERATOR: "moderator",
}


async def moderator_transcript(
    uow: UnitOfWork, telegram_id: int, ref: TicketRef | None, *, in_moderators_group: bool = False
) -> Transcript:
    """The transcript of the ticket `ref` names, for a moderator only.

    Forbidden for anyone else, checked first so that nobody else learns which
    tickets exist; InvalidInput without a usable `ref`, NotFound for no such ticket.
    """
    await require_moderator(uow, telegram_id, in_moderators_group=in_moderators_group)
    if ref is None or (ref.ticket_id is None and (ref.store is None or ref.number is None)):
        raise InvalidInput("a ticket id, or a store and its ticket number, is needed")
    if ref.ticket_id is not None:
        if ref.ticket_id > _MAX_ID:
            raise NotFound(f"no ticket with id {ref.ticket_id}")
        return await ticket_transcript(uow, ref.ticket_id)
    store = await _store(uow, ref.store or "")
    number = ref.number or 0
    ticket = await uow.tickets.by_number(store.id, number) if store is not None and number <= _MAX_ID else None
    if ticket is None:
        raise NotFound(f"no ticket #{ref.number} of store {ref.store!r}", store_found=store is not None)
    return await _transcript(uow, ticket)


async def _store(uow: UnitOfWork, ref: str) -> Store | None:
    if ref.isdigit() and int(ref) > _MAX_ID:
        return await uow.stores.by_name(ref)
    return await uow.stores.by_name_or_id(ref)


async def ticket_transcript(uow: UnitOfWork, ticket_id: int) -> Transcript:
    """The whole ticket, oldest message first; the caller has checked that the reader may see it."""
    return await _transcript(uow, await require_ticket(uow, ticket_id))


async def _transcript(uow: UnitOfWork, ticket: Ticket) -> Transcript:
    store = await uow.stores.get(ticket.store_id)
    names = {agent.user_id: agent.display_name for agent in await uow.stores.agents(ticket.store_id, active_only=False)}
    messages = [
        _message(message, names)
        for message in await uow.tickets.messages(ticket.id, include_internal=True)
        # An empty message marks a ticket the store opened; the header says when it was opened.
        if message.text or message.attachments
    ]
    return Transcript(
        ticket_id=ticket.id,
        number=ticket.number,
        store_name=store.name if store is not None else "",
        order_number=await uow.orders.number_of(ticket.order_id) if ticket.order_id is not None else None,
        status=str(ticket.status),
        reason=str(ticket.reason),
        opened_at=ticket.created_at,
        requests=await _requests(uow, ticket.id),
        messages=tuple(messages),
    )


def _message(message: TicketMessage, names: dict[int, str | None]) -> TranscriptMessage:
    author = _AUTHORS.get(AuthorRole(message.author_role), "system")
    return TranscriptMessage(
        at=message.created_at,
        author=author,
        agent_name=names.get(message.author_user_id) if author == "agent" and message.author_user_id else None,
        text=message.text,
        internal=message.internal,
        attachments=tuple(str(file.kind) for file in message.attachments),
        edited=message.edited_at is not None,
        # Read softly: the column comes with the moderation of sellers' messages (#20).
        delivery=getattr(message, "delivery", None),
    )


async def _requests(uow: UnitOfWork, ticket_id: int) -> tuple[TranscriptRequest, ...]:
    found = []
    request = await uow.requests.by_ticket(ticket_id)
    if request is not None:
        found.append(
            TranscriptRequest("after_sales", str(request.status), str(request.type), str(request.resolution_wanted))
        )
    cancellation = await uow.requests.cancellation_by_ticket(ticket_id)
    if cancellation is not None:
        found.append(TranscriptRequest("cancellation", str(cancellation.status), str(cancellation.reason)))
    change = await change_of_ticket(uow, ticket_id)
    if change is not None:
        found.append(TranscriptRequest("change", str(change.status), str(change.kind)))
    return tuple(found)
