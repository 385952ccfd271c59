"""What passes between a buyer and a store in a ticket: recorded, copied, edited, routed.

The bot sends; this module keeps the record: every message, where each
Telegram copy of it lives (to route replies and carry edits), and the
ticket's status moves a message causes. Agents' names never leave the store
side: what goes to the buyer carries the store's name only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from domain.clock import Clock
from domain.enums import AuthorRole, CopyRole, TicketStatus
from domain.errors import InvalidInput
from domain.models import MessageAttachment, MessageCopy, Store, Ticket, TicketMessage, User
from domain.results import IncomingFile, Notice, TicketSummary, TicketTag
from domain.services import ticket_deadlines
from domain.services.refusals import Refused
from domain.services.ticket_access import (
    require_agent_of,
    require_buyer_of,
    require_store,
    require_ticket,
    summarise,
)
from domain.states import transition
from domain.storage.uow import UnitOfWork

INTERNAL_NOTE_MARK = "//"  # an agent's text starting with this stays in the store's topic
MAX_TEXT = 4096  # Telegram's own limit for a text message


@dataclass(frozen=True)
class RecordedMessage:
    message_id: int
    ticket_id: int
    ticket_number: int
    store_id: int
    store_name: str  # what heads an agent's message at the buyer's end, never the agent's name
    buyer_telegram_id: int
    author: AuthorRole
    internal: bool  # an agents' note: stored and shown to agents, never sent to the buyer
    text: str | None
    entities: tuple[Mapping[str, Any], ...]
    attachments: tuple[IncomingFile, ...]
    status: TicketStatus
    first_response: bool  # this reply was the store's first answer in the ticket
    notices: tuple[Notice, ...]
    ticket_tag: TicketTag | None = None  # set on an agent's reply when the buyer has several tickets open


@dataclass(frozen=True)
class CopyRef:
    """One Telegram message carrying a ticket message, with what reply routing needs to know."""

    ticket_message_id: int
    ticket_id: int
    author: AuthorRole
    internal: bool
    role: CopyRole
    chat_id: int
    message_id: int
    thread_id: int | None


@dataclass(frozen=True)
class EditResult:
    ticket_message_id: int
    ticket_id: int
    internal: bool
    text: str | None
    entities: tuple[Mapping[str, Any], ...]
    copies_to_update: tuple[CopyRef, ...]  # the bot's copies elsewhere, not the edited message itself
    ticket_tag: TicketTag | None = None  # as on `RecordedMessage`, for the buyer's copies of an agent's message


@dataclass(frozen=True)
class Route:
    """Where a buyer's free text goes: one open ticket, a choice among several, or nowhere yet."""

    kind: Literal["one", "choose", "none"]
    ticket: TicketSummary | None = None
    choices: tuple[TicketSummary, ...] = ()


def _check_content(text: str | None, attachments: Sequence[IncomingFile]) -> str | None:
    if text is not None and not isinstance(text, str):
        raise InvalidInput("message text must be a string")
    text = text if text and text.strip() else None
    if text is None and not attachments:
        raise InvalidInput("an empty message has nothing to pass on")
    if text is not None and len(text) > MAX_TEXT:
        raise InvalidInput(f"a message has at most {MAX_TEXT} characters")
    return text


def _add_message(
    uow: UnitOfWork,
    ticket: Ticket,
    author: AuthorRole,
    author_user_id: int | None,
    text: str | None,
    entities: Sequence[Mapping[str, Any]] | None,
    attachments: Sequence[IncomingFile],
    *,
    internal: bool,
    clock: Clock,
) -> TicketMessage:
    return uow.tickets.add_message(
        TicketMessage(
            ticket_id=ticket.id,
            author_role=author,
            author_user_id=author_user_id,
            text=text,
            entities=[dict(entity) for entity in entities] if entities else None,
            internal=internal,
            created_at=clock.now(),
            attachments=[
                MessageAttachment(
                    position=position,
                    kind=file.kind,
                    purpose=file.purpose,
                    file_id=file.file_id,
                    file_unique_id=file.file_unique_id,
                    caption=file.caption,
                )
                for position, file in enumerate(attachments)
            ],
        )
    )


async def record_buyer_message(
    uow: UnitOfWork,
    clock: Clock,
    ticket_id: int,
    text: str | None,
    entities: Sequence[Mapping[str, Any]] | None = None,
    attachments: Sequence[IncomingFile] = (),
    *,
    buyer_telegram_id: int | None = None,
) -> RecordedMessage:
    """Record what the buyer wrote; the ticket then waits for the seller and stops the buyer-silence clock.

    Give `buyer_telegram_id` whenever the ticket id came from outside (a
    button): then only the ticket's own buyer can write into it.
    """
    now = clock.now()
    ticket = await require_ticket(uow, ticket_id)
    if buyer_telegram_id is not None:
        await require_buyer_of(uow, ticket, buyer_telegram_id)
    if ticket.status == TicketStatus.CLOSED:
        raise Refused("ticket_closed", "this ticket is closed; open a new one")
    text = _check_content(text, attachments)
    buyer = await uow.users.get(ticket.buyer_id)
    store = await require_store(uow, ticket.store_id)
    message = _add_message(
        uow, ticket, AuthorRole.BUYER, ticket.buyer_id, text, entities, attachments, internal=False, clock=clock
    )
    ticket.last_buyer_message_at = now
    ticket.updated_at = now
    if ticket.status != TicketStatus.WAITING_SELLER:
        await transition(
            uow, ticket, TicketStatus.WAITING_SELLER, actor=f"buyer:{ticket.buyer_id}", reason="buyer_message", at=now
        )
    await ticket_deadlines.stop_auto_close(uow, ticket, now)
    await uow.flush()
    return _recorded(
        ticket,
        store,
        buyer,
        message,
        AuthorRole.BUYER,
        text,
        entities,
        attachments,
        notices=(Notice("buyer_message", "store", ticket.id, store.id, data={"message_id": message.id}),),
    )


async def record_agent_message(
    uow: UnitOfWork,
    clock: Clock,
    ticket_id: int,
    agent_telegram_id: int,
    text: str | None,
    entities: Sequence[Mapping[str, Any]] | None = None,
    attachments: Sequence[IncomingFile] = (),
) -> RecordedMessage:
    """Record an agent's reply or, for text starting with "//", an internal note.

    A reply records the store's first response (stopping that clock), puts
    the ticket to wait for the buyer and (re)starts the buyer-silence clock.
    """
    now = clock.now()
    ticket = await require_ticket(uow, ticket_id)
    agent_user, _agent = await require_agent_of(uow, ticket.store_id, agent_telegram_id)
    text = _check_content(text, attachments)
    internal = bool(text) and text.lstrip().startswith(INTERNAL_NOTE_MARK)
    store = await require_store(uow, ticket.store_id)
    if not internal:
        if ticket.status == TicketStatus.CLOSED:
            raise Refused("ticket_closed", "this ticket is closed; the buyer can no longer be written to here")
        if store.messaging_suspended_at is not None:
            raise Refused("messaging_suspended", "the store's messaging is suspended by the moderators")
    buyer = await uow.users.get(ticket.buyer_id)
    message = _add_message(
        uow, ticket, AuthorRole.AGENT, agent_user.id, text, entities, attachments, internal=internal, clock=clock
    )
    first_response = False
    if not internal:
        ticket.last_agent_message_at = now
        ticket.updated_at = now
        if ticket.first_responded_at is None:
            ticket.first_responded_at = now
            first_response = True
            await ticket_deadlines.stop_first_response_clock(uow, ticket, now)
        if ticket.status != TicketStatus.WAITING_BUYER:
            await transition(
                uow, ticket, TicketStatus.WAITING_BUYER, actor=f"agent:{agent_user.id}", reason="agent_reply", at=now
            )
        await ticket_deadlines.start_auto_close(uow, ticket, store, now)
    await uow.flush()
    notices = (
        ()
        if internal
        else (
            Notice(
                "agent_reply",
                "buyer",
                ticket.id,
                store.id,
                buyer.telegram_id if buyer else None,
                data={"message_id": message.id, "store_name": store.name},
            ),
        )
    )
    return _recorded(
        ticket,
        store,
        buyer,
        message,
        AuthorRole.AGENT,
        text,
        entities,
        attachments,
        notices=notices,
        internal=internal,
        first_response=first_response,
        ticket_tag=None if internal else await ticket_tag_for_buyer(uow, ticket),
    )


async def ticket_tag_for_buyer(uow: UnitOfWork, ticket: Ticket) -> TicketTag | None:
    """The ticket's number and order over a store's message, when the buyer could not tell which ticket it is about.

    One line only for a buyer with several tickets open; a buyer with one
    ticket knows, and a tag on every message would be noise.
    """
    if await uow.tickets.count_open_for_buyer(ticket.buyer_id) < 2:
        return None
    order = await uow.orders.get(ticket.order_id) if ticket.order_id is not None else None
    return TicketTag(ticket.number, order.external_number if order else None)


def _recorded(
    ticket: Ticket,
    store: Store,
    buyer: User | None,
    message: TicketMessage,
    author: AuthorRole,
    text: str | None,
    entities: Sequence[Mapping[str, Any]] | None,
    attachments: Sequence[IncomingFile],
    *,
    notices: tuple[Notice, ...],
    internal: bool = False,
    first_response: bool = False,
    ticket_tag: TicketTag | None = None,
) -> RecordedMessage:
    return RecordedMessage(
        message_id=message.id,
        ticket_id=ticket.id,
        ticket_number=ticket.number,
        store_id=store.id,
        store_name=store.name,
        buyer_telegram_id=buyer.telegram_id if buyer else 0,
        author=author,
        internal=internal,
        text=text,
        entities=tuple(entities or ()),
        attachments=tuple(attachments),
        status=TicketStatus(ticket.status),
        first_response=first_response,
        notices=notices,
        ticket_tag=ticket_tag,
    )


async def _ref(uow: UnitOfWork, copy: MessageCopy, facts: Any = None) -> CopyRef:
    facts = facts or await uow.tickets.message_facts(copy.message_id)
    assert facts is not None  # the foreign key cascades, a copy never outlives its message
    return CopyRef(
        ticket_message_id=facts.id,
        ticket_id=facts.ticket_id,
        author=AuthorRole(facts.author_role),
        internal=facts.internal,
        role=CopyRole(copy.role),
        chat_id=copy.chat_id,
        message_id=copy.telegram_message_id,
        thread_id=copy.thread_id,
    )


async def record_copy(
    uow: UnitOfWork,
    clock: Clock,
    ticket_message_id: int,
    chat_id: int,
    message_id: int,
    *,
    role: CopyRole = CopyRole.COPY,
    thread_id: int | None = None,
) -> CopyRef:
    """Remember that Telegram message (chat_id, message_id) carries the ticket message.

    Recording the same copy twice is harmless (a redelivered update); the
    same Telegram message for a different ticket message is refused.
    """
    existing = await uow.tickets.copy_at(chat_id, message_id)
    if existing is not None:
        if existing.message_id != ticket_message_id:
            raise InvalidInput("that Telegram message already carries another ticket message")
        return await _ref(uow, existing)
    facts = await uow.tickets.message_facts(ticket_message_id)
    if facts is None:
        raise InvalidInput(f"no ticket message with id {ticket_message_id}")
    copy = uow.tickets.add_copy(
        MessageCopy(
            message_id=ticket_message_id,
            role=role,
            chat_id=chat_id,
            thread_id=thread_id,
            telegram_message_id=message_id,
            created_at=clock.now(),
        )
    )
    await uow.flush()
    return await _ref(uow, copy, facts)


async def find_by_copy(uow: UnitOfWork, chat_id: int, message_id: int) -> CopyRef | None:
    """The ticket message a Telegram message carries (a reply's target, an edited message), or None."""
    copy = await uow.tickets.copy_at(chat_id, message_id)
    return None if copy is None else await _ref(uow, copy)


async def record_edit(
    uow: UnitOfWork,
    clock: Clock,
    chat_id: int,
    message_id: int,
    new_text: str | None,
    entities: Sequence[Mapping[str, Any]] | None = None,
) -> EditResult | None:
    """Apply an edit of a Telegram message to its ticket message; None when it carries none.

    The old text goes to the audit trail, since an edit can remove what a
    moderator needs to see.
    """
    copy = await uow.tickets.copy_at(chat_id, message_id)
    if copy is None:
        return None
    if new_text is not None and len(new_text) > MAX_TEXT:
        raise InvalidInput(f"a message has at most {MAX_TEXT} characters")
    now = clock.now()
    message = await uow.tickets.get_message(copy.message_id)
    assert message is not None
    uow.audit.record(
        "ticket_message.edited",
        subject_type="ticket",
        subject_id=message.ticket_id,
        actor=f"{message.author_role}:{message.author_user_id}",
        at=now,
        data={"message_id": message.id, "old_text": message.text, "new_text": new_text},
    )
    message.text = new_text
    message.entities = [dict(entity) for entity in entities] if entities else None
    message.edited_at = now
    await uow.flush()
    targets = []
    for other in _copies_of_the_same_part(
        copy, await uow.tickets.copies(message.id), album=message.media_group_id is not None
    ):
        targets.append(await _ref(uow, other))
    return EditResult(
        ticket_message_id=message.id,
        ticket_id=message.ticket_id,
        internal=message.internal,
        text=new_text,
        entities=tuple(entities or ()),
        copies_to_update=tuple(targets),
        ticket_tag=await _tag_of_agent_message(uow, message),
    )


async def _tag_of_agent_message(uow: UnitOfWork, message: TicketMessage) -> TicketTag | None:
    if message.author_role != AuthorRole.AGENT or message.internal:
        return None
    ticket = await uow.tickets.get(message.ticket_id)
    return None if ticket is None else await ticket_tag_for_buyer(uow, ticket)


def _copies_of_the_same_part(edited: MessageCopy, copies: Sequence[MessageCopy], *, album: bool) -> list[MessageCopy]:
    """The bot's copies of what was edited: all of them, or in an album only the edited part's.

    An album's parts are copied in order (copyMessages keeps it), so the n-th
    original's copy is the n-th copy in each chat.
    """
    others = [c for c in copies if c.id != edited.id and c.role == CopyRole.COPY]
    if not album:
        return others
    originals = sorted((c for c in copies if c.role == CopyRole.ORIGINAL), key=lambda c: c.telegram_message_id)
    if edited not in originals:
        return []
    position = originals.index(edited)
    by_chat: dict[int, list[MessageCopy]] = {}
    for other in sorted(others, key=lambda c: c.telegram_message_id):
        by_chat.setdefault(other.chat_id, []).append(other)
    return [chat_copies[position] for chat_copies in by_chat.values() if position < len(chat_copies)]


async def route_free_text(uow: UnitOfWork, buyer_telegram_id: int) -> Route:
    """Where a buyer's message outside any conversation belongs: their only open ticket, or ask which."""
    user = await uow.users.by_telegram_id(buyer_telegram_id)
    if user is None:
        return Route("none")
    open_tickets = await uow.tickets.for_buyer(user.id, include_closed=False)
    summaries = await summarise(uow, open_tickets)
    if not summaries:
        return Route("none")
    if len(summaries) == 1:
        return Route("one", ticket=summaries[0])
    return Route("choose", choices=summaries)
