"""What passes between a buyer and a store in a ticket: recorded, copied, edited, routed.

The bot sends; this module keeps the record: every message, where each
Telegram copy of it lives (to route replies and carry edits), and the
ticket's status moves a message causes. Agents' names never leave the store
side: what goes to the buyer carries the store's name only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from domain.clock import Clock
from domain.enums import AuthorRole, CopyRole, TicketStatus
from domain.errors import InvalidInput
from domain.models import MessageAttachment, MessageCopy, Store, Ticket, TicketMessage, User
from domain.results import IncomingFile, Notice, TicketSummary, TicketTag
from domain.services import ticket_deadlines
from domain.services.card_masking import mask_buyer_text, mask_buyer_words, note_masked
from domain.services.checkpoint import DELIVER, Passage, pass_seller_text
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
    passage: Passage = DELIVER  # an agent's reply: what the checkpoint said (sent only if it reaches the buyer)
    status_changed: bool = True  # the ticket's status (and so its deadlines) moved: its topic's title may change
    masked_cards: int = 0  # card numbers hidden from the store in a buyer's message: the buyer is warned


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
    passage: Passage = DELIVER  # an agent's edit is screened as a new message: carried only if it reaches the buyer
    text_before: str | None = None  # what the copies show now (the text before the edit)
    masked_cards: int = 0  # card numbers a buyer's edit added, hidden: warned of once per message


@dataclass(frozen=True)
class Route:
    """Where a buyer's free text goes: one open ticket, a choice among several, or nowhere yet."""

    kind: Literal["one", "choose", "none"]
    ticket_id: int | None = None  # "one": the ticket it goes to
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
    masked = await mask_buyer_words(uow, ticket, text, attachments)  # never stored, so never copied
    text, attachments = masked.text, masked.attachments
    buyer = await uow.users.get(ticket.buyer_id)
    store = await require_store(uow, ticket.store_id)
    message = _add_message(
        uow, ticket, AuthorRole.BUYER, ticket.buyer_id, text, entities, attachments, internal=False, clock=clock
    )
    ticket.last_buyer_message_at = now
    ticket.updated_at = now
    status_changed = ticket.status != TicketStatus.WAITING_SELLER
    if status_changed:
        await transition(
            uow, ticket, TicketStatus.WAITING_SELLER, actor=f"buyer:{ticket.buyer_id}", reason="buyer_message", at=now
        )
        # Waiting for the seller is entered only here, so a ticket waiting already has no silence clock running.
        await ticket_deadlines.stop_auto_close(uow, ticket, now)
    await uow.flush()
    warn = await note_masked(uow, message, masked.count, actor=f"buyer:{ticket.buyer_id}", at=now)
    recorded = _recorded(
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
    return replace(recorded, masked_cards=warn, status_changed=status_changed)


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
    if not internal and ticket.status == TicketStatus.CLOSED:
        raise Refused("ticket_closed", "this ticket is closed; the buyer can no longer be written to here")
    buyer = await uow.users.get(ticket.buyer_id)
    message = _add_message(
        uow, ticket, AuthorRole.AGENT, agent_user.id, text, entities, attachments, internal=internal, clock=clock
    )
    first_response = False
    passage = DELIVER
    if not internal:
        await uow.flush()  # a case names the message
        passage = await pass_seller_text(uow, clock, store, ticket, message, text)
    if passage.reaches_buyer and not internal:
        first_response = await store_answered(uow, ticket, store, agent_user.id, now)
    await uow.flush()
    notices = (
        ()
        if internal or not passage.reaches_buyer
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
        passage=passage,
    )


async def store_answered(uow: UnitOfWork, ticket: Ticket, store: Store, agent_user_id: int | None, now: Any) -> bool:
    """What a store's message reaching the buyer does to the ticket; True if it was the first answer.

    Only a message the buyer gets counts: a held one counts once released.
    """
    first_response = False
    ticket.last_agent_message_at = now
    ticket.updated_at = now
    if ticket.first_responded_at is None:
        ticket.first_responded_at = now
        first_response = True
        await ticket_deadlines.stop_first_response_clock(uow, ticket, now)
    if ticket.status == TicketStatus.CLOSED:
        return first_response  # released after the ticket closed: the buyer reads it, the ticket stays closed
    if ticket.status != TicketStatus.WAITING_BUYER:
        await transition(
            uow, ticket, TicketStatus.WAITING_BUYER, actor=f"agent:{agent_user_id}", reason="agent_reply", at=now
        )
    await ticket_deadlines.start_auto_close(uow, ticket, store, now)
    return first_response


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
    passage: Passage = DELIVER,
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
        passage=passage,
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
) -> None:
    """Remember that Telegram message (chat_id, message_id) carries the ticket message.

    Recording the same copy twice is harmless (a redelivered update); the
    same Telegram message for a different ticket message is refused. One
    statement when all is well: every relayed message records a copy or two.
    """
    values = {
        "message_id": ticket_message_id,
        "role": CopyRole(role).value,
        "chat_id": chat_id,
        "thread_id": thread_id,
        "telegram_message_id": message_id,
        "created_at": clock.now(),
    }
    if await uow.tickets.insert_copy(values):
        return
    existing = await uow.tickets.copy_at(chat_id, message_id)
    if existing is None:
        raise InvalidInput(f"no ticket message with id {ticket_message_id}")
    if existing.message_id != ticket_message_id:
        raise InvalidInput("that Telegram message already carries another ticket message")


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
    buyer_edit = message.author_role == AuthorRole.BUYER
    masked = await mask_buyer_text(uow, message.ticket_id, new_text) if buyer_edit else None
    new_text = masked.text if masked else new_text
    uow.audit.record(
        "ticket_message.edited",
        subject_type="ticket",
        subject_id=message.ticket_id,
        actor=f"{message.author_role}:{message.author_user_id}",
        at=now,
        data={"message_id": message.id, "old_text": message.text, "new_text": new_text},
    )
    old_text, old_entities = message.text, message.entities
    message.text = new_text
    message.entities = [dict(entity) for entity in entities] if entities else None
    message.edited_at = now
    await uow.flush()
    passage = DELIVER
    if message.author_role == AuthorRole.AGENT and not message.internal:
        ticket = await require_ticket(uow, message.ticket_id)
        store = await require_store(uow, ticket.store_id)
        delivered = message.delivery is None
        passage = await pass_seller_text(
            uow, clock, store, ticket, message, new_text, previous_text=old_text, for_edit=delivered
        )
        if passage.why == "blocked" or (passage.why == "suspended" and delivered):
            # Not carried and never to be: the record keeps what the buyer has (the audit keeps the attempt).
            message.text, message.entities = old_text, old_entities
    actor = f"buyer:{message.author_user_id}"
    warn = await note_masked(uow, message, masked.count, actor=actor, at=now) if masked else 0
    targets = await _targets(uow, copy, message)
    return EditResult(
        ticket_message_id=message.id,
        ticket_id=message.ticket_id,
        internal=message.internal,
        text=new_text,
        entities=tuple(entities or ()),
        copies_to_update=tuple(targets),
        ticket_tag=await _tag_of_agent_message(uow, message),
        passage=passage,
        text_before=old_text,
        masked_cards=warn,
    )


async def _targets(uow: UnitOfWork, edited: MessageCopy, message: TicketMessage) -> tuple[CopyRef, ...]:
    copies = _copies_of_the_same_part(
        edited, await uow.tickets.copies(message.id), album=message.media_group_id is not None
    )
    return tuple([await _ref(uow, other) for other in copies])


async def released_edit(uow: UnitOfWork, ticket_message_id: int, text_before: str | None) -> EditResult | None:
    """A held edit a moderator released: the buyer's copies of the message change to its text now."""
    message = await uow.tickets.get_message(ticket_message_id)
    originals = [c for c in message.copies if c.role == CopyRole.ORIGINAL] if message else []
    if message is None or not originals:
        return None
    edited = min(originals, key=lambda c: c.telegram_message_id)
    return EditResult(
        ticket_message_id=message.id,
        ticket_id=message.ticket_id,
        internal=message.internal,
        text=message.text,
        entities=tuple(message.entities or ()),
        copies_to_update=await _targets(uow, edited, message),
        ticket_tag=await _tag_of_agent_message(uow, message),
        text_before=text_before,
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
    if not open_tickets:
        return Route("none")
    if len(open_tickets) == 1:
        # The relay's everyday case: where it goes is all it needs (summaries cost a query or two each).
        return Route("one", ticket_id=open_tickets[0].id)
    return Route("choose", choices=await summarise(uow, open_tickets))


@dataclass(frozen=True)
class SellerMessage:
    """A stored agent's message as the bot sends it to the buyer later (released, or kept while suspended)."""

    ticket_message_id: int
    ticket_id: int
    store_name: str
    buyer_telegram_id: int
    text: str | None
    entities: tuple[Mapping[str, Any], ...]
    kind: Literal["text", "file", "bare"]  # bare: a sticker or a video note, which carry no caption
    original_chat_id: int | None  # the agent's own message (copied for a file), where a failure is told
    original_message_id: int | None
    original_thread_id: int | None
    ticket_tag: TicketTag | None = None


BARE_KINDS = frozenset({"sticker", "video_note"})


async def seller_message(uow: UnitOfWork, ticket_message_id: int) -> SellerMessage | None:
    """What the bot needs to send an agent's stored message to its buyer now; None when it or the buyer is gone."""
    message = await uow.tickets.get_message(ticket_message_id)
    ticket = await uow.tickets.get(message.ticket_id) if message else None
    if message is None or ticket is None:
        return None
    store = await uow.stores.get(ticket.store_id)
    buyer = await uow.users.get(ticket.buyer_id)
    if store is None or buyer is None:
        return None
    originals = sorted((c for c in message.copies if c.role == CopyRole.ORIGINAL), key=lambda c: c.telegram_message_id)
    original = originals[0] if originals else None
    kinds = {str(a.kind) for a in message.attachments}
    kind: Literal["text", "file", "bare"] = (
        "text" if not kinds or original is None else "bare" if kinds <= BARE_KINDS else "file"
    )
    return SellerMessage(
        ticket_message_id=message.id,
        ticket_id=ticket.id,
        store_name=store.name,
        buyer_telegram_id=buyer.telegram_id,
        text=message.text,
        entities=tuple(message.entities or ()),
        kind=kind,
        original_chat_id=original.chat_id if original else None,
        original_message_id=original.telegram_message_id if original else None,
        original_thread_id=original.thread_id if original else None,
        ticket_tag=await ticket_tag_for_buyer(uow, ticket),
    )
