"""Tickets, their messages and the Telegram copies of those messages."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Insert, bindparam, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload

from domain.enums import CopyRole, TicketReason, TicketStatus
from domain.models import MessageCopy, Store, StoreSupportGroup, Ticket, TicketMessage, UnroutedAlbumPart
from domain.storage.repositories.base import Repository


class TicketRepository(Repository):
    def add(self, ticket: Ticket) -> Ticket:
        self.session.add(ticket)
        return ticket

    async def get(self, ticket_id: int) -> Ticket | None:
        return await self.session.get(Ticket, ticket_id)

    async def by_number(self, store_id: int, number: int) -> Ticket | None:
        return await self.session.scalar(select(Ticket).where(Ticket.store_id == store_id, Ticket.number == number))

    async def by_topic(self, chat_id: int, topic_id: int) -> Ticket | None:
        """The ticket whose forum topic this is, found from a message posted in it; with its store and the
        agents' language, which an agent's message there reads next."""
        query = (
            select(Ticket)
            .join(StoreSupportGroup, StoreSupportGroup.id == Ticket.support_group_id)
            .where(StoreSupportGroup.chat_id == chat_id, Ticket.topic_id == topic_id)
            .options(joinedload(Ticket.store).undefer(Store.agents_language))
        )
        return await self.session.scalar(query)

    async def for_buyer(self, buyer_id: int, *, include_closed: bool = True) -> Sequence[Ticket]:
        """The buyer's tickets, newest first; their open ones come with their stores (and the agents'
        language), which the relay reads next for every message."""
        query = select(Ticket).where(Ticket.buyer_id == buyer_id)
        if not include_closed:
            query = query.where(Ticket.status != TicketStatus.CLOSED).options(
                joinedload(Ticket.store).undefer(Store.agents_language)
            )
        # Newest first; numbers count per store, so they do not order a buyer's tickets.
        return (await self.session.scalars(query.order_by(Ticket.created_at.desc(), Ticket.id.desc()))).all()

    async def count_open_for_buyer(self, buyer_id: int) -> int:
        query = (
            select(func.count())
            .select_from(Ticket)
            .where(Ticket.buyer_id == buyer_id, Ticket.status != TicketStatus.CLOSED)
        )
        return int(await self.session.scalar(query) or 0)

    async def open_for_order(self, buyer_id: int, order_id: int) -> Sequence[Ticket]:
        query = select(Ticket).where(
            Ticket.buyer_id == buyer_id, Ticket.order_id == order_id, Ticket.status != TicketStatus.CLOSED
        )
        return (await self.session.scalars(query.order_by(Ticket.id))).all()

    async def queue(self, store_id: int, *, limit: int = 50) -> Sequence[Ticket]:
        """Open tickets: quality verification and urgent clarification first, then oldest first."""
        query = (
            select(Ticket)
            .where(Ticket.store_id == store_id, Ticket.status != TicketStatus.CLOSED)
            .order_by(Ticket.priority, Ticket.created_at, Ticket.id)
            .limit(limit)
        )
        return (await self.session.scalars(query)).all()

    async def open_for_store(self, store_id: int) -> Sequence[Ticket]:
        """Every open ticket of the store; the queue service orders them (overdue first needs `now`)."""
        query = select(Ticket).where(Ticket.store_id == store_id, Ticket.status != TicketStatus.CLOSED)
        return (await self.session.scalars(query.order_by(Ticket.id))).all()

    async def open_of_order_and_reason(self, buyer_id: int, order_id: int, reason: TicketReason) -> Ticket | None:
        query = select(Ticket).where(
            Ticket.buyer_id == buyer_id,
            Ticket.order_id == order_id,
            Ticket.reason == reason,
            Ticket.status != TicketStatus.CLOSED,
        )
        return await self.session.scalar(query.order_by(Ticket.id).limit(1))

    async def rate_once(self, ticket_id: int, stars: int, *, at: datetime) -> bool:
        """Store the rating unless one is there; True for exactly one caller (a double tap rates once)."""
        result = await self.session.execute(
            update(Ticket)
            .where(Ticket.id == ticket_id, Ticket.rating.is_(None), Ticket.status == TicketStatus.CLOSED)
            .values(rating=stars, rated_at=at)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]

    # Messages
    def add_message(self, message: TicketMessage) -> TicketMessage:
        self.session.add(message)
        return message

    async def messages(self, ticket_id: int, *, include_internal: bool = False) -> Sequence[TicketMessage]:
        query = select(TicketMessage).where(TicketMessage.ticket_id == ticket_id)
        if not include_internal:
            query = query.where(TicketMessage.internal.is_(False))
        return (await self.session.scalars(query.order_by(TicketMessage.id))).all()

    async def album_message(self, ticket_id: int, media_group_id: str) -> TicketMessage | None:
        query = select(TicketMessage).where(
            TicketMessage.ticket_id == ticket_id, TicketMessage.media_group_id == media_group_id
        )
        return await self.session.scalar(query.limit(1))

    async def album_in_chat(self, chat_id: int, media_group_id: str) -> TicketMessage | None:
        """The ticket message an album sent in this chat went into (by any of its parts)."""
        query = (
            select(TicketMessage)
            .join(MessageCopy, MessageCopy.message_id == TicketMessage.id)
            .where(TicketMessage.media_group_id == media_group_id, MessageCopy.chat_id == chat_id)
        )
        return await self.session.scalar(query.limit(1))

    async def message_by_copy(self, chat_id: int, telegram_message_id: int) -> TicketMessage | None:
        """The ticket message a Telegram message carries: to route a reply or propagate an edit."""
        query = (
            select(TicketMessage)
            .join(MessageCopy, MessageCopy.message_id == TicketMessage.id)
            .where(MessageCopy.chat_id == chat_id, MessageCopy.telegram_message_id == telegram_message_id)
        )
        return await self.session.scalar(query)

    async def copies(self, message_id: int) -> Sequence[MessageCopy]:
        query = select(MessageCopy).where(MessageCopy.message_id == message_id).order_by(MessageCopy.id)
        return (await self.session.scalars(query)).all()

    async def copies_of_ticket(self, ticket_id: int, role: CopyRole) -> Sequence[MessageCopy]:
        """The ticket's Telegram messages of one role (e.g. the cards in agents' private chats)."""
        query = (
            select(MessageCopy)
            .join(TicketMessage, TicketMessage.id == MessageCopy.message_id)
            .where(TicketMessage.ticket_id == ticket_id, MessageCopy.role == role)
            .order_by(MessageCopy.id)
        )
        return (await self.session.scalars(query)).all()

    async def copy_at(self, chat_id: int, telegram_message_id: int) -> MessageCopy | None:
        return await self.session.scalar(
            select(MessageCopy).where(
                MessageCopy.chat_id == chat_id, MessageCopy.telegram_message_id == telegram_message_id
            )
        )

    async def message_facts(self, message_id: int) -> Any:
        """(id, ticket_id, author_role, internal) of a message, without loading it and its files and copies."""
        columns = (TicketMessage.id, TicketMessage.ticket_id, TicketMessage.author_role, TicketMessage.internal)
        return (await self.session.execute(select(*columns).where(TicketMessage.id == message_id))).first()

    async def get_message(self, message_id: int) -> TicketMessage | None:
        return await self.session.get(TicketMessage, message_id)

    def add_copy(self, copy: MessageCopy) -> MessageCopy:
        self.session.add(copy)
        return copy

    async def insert_copy(self, values: dict[str, Any]) -> bool:
        """One statement for the relay's hot path: the copy written unless it is known already or its
        ticket message is gone (then False, and the caller looks at why). `values` has COPY_COLUMNS."""
        await self.session.flush()  # a Core statement does not autoflush: the message may be pending still
        statement = _insert_copy_statement(self.session.get_bind().dialect.name)
        return bool((await self.session.execute(statement, values)).rowcount)  # type: ignore[attr-defined]

    # Album parts waiting for "which ticket?"
    async def hold_album_part(
        self, chat_id: int, media_group_id: str, telegram_message_id: int, message: dict[str, Any], *, at: datetime
    ) -> bool:
        """Keep the part; False when it is held already (a retried update)."""
        return await self.insert_ignoring_duplicates(
            UnroutedAlbumPart.__table__,  # type: ignore[arg-type]
            {
                "chat_id": chat_id,
                "media_group_id": media_group_id,
                "telegram_message_id": telegram_message_id,
                "message": message,
                "created_at": at,
            },
        )

    async def held_album(self, chat_id: int, media_group_id: str) -> Sequence[UnroutedAlbumPart]:
        query = select(UnroutedAlbumPart).where(
            UnroutedAlbumPart.chat_id == chat_id, UnroutedAlbumPart.media_group_id == media_group_id
        )
        return (await self.session.scalars(query.order_by(UnroutedAlbumPart.telegram_message_id))).all()

    async def release_album(self, chat_id: int, media_group_id: str) -> None:
        await self.session.execute(
            delete(UnroutedAlbumPart).where(
                UnroutedAlbumPart.chat_id == chat_id, UnroutedAlbumPart.media_group_id == media_group_id
            )
        )


COPY_COLUMNS = ("message_id", "role", "chat_id", "thread_id", "telegram_message_id", "created_at")


@functools.cache
def _insert_copy_statement(dialect: str) -> Insert:
    """INSERT … SELECT the values WHERE the ticket message exists ON CONFLICT DO NOTHING, built once:
    building it per copy cost more than running it."""
    table = MessageCopy.__table__
    parameters = {column: bindparam(column, type_=table.c[column].type) for column in COPY_COLUMNS}
    message_exists = select(TicketMessage.id).where(TicketMessage.id == parameters["message_id"]).exists()
    source = select(*parameters.values()).where(message_exists)
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(table).from_select(list(COPY_COLUMNS), source).on_conflict_do_nothing()  # type: ignore[arg-type]
