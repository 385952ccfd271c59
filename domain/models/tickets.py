"""Tickets, their messages, the files in them, and where each message was copied to."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.enums import (
    AttachmentKind,
    AttachmentPurpose,
    AuthorRole,
    CopyRole,
    OpenedBy,
    TicketPriority,
    TicketReason,
    TicketStatus,
)
from domain.models.base import Base, enum_column

if TYPE_CHECKING:
    from domain.models.stores import Store, StoreSupportGroup


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("store_id", "number"),
        # One open ticket per buyer, order and reason: two racing "open" requests cannot both make one.
        Index(
            "uq_tickets_one_open",
            "buyer_id",
            "order_id",
            "reason",
            unique=True,
            sqlite_where=text("status <> 'closed'"),
            postgresql_where=text("status <> 'closed'"),
        ),
        # The agents' queue: open tickets of a store by priority, then age.
        Index("ix_tickets_queue", "store_id", "status", "priority", "created_at"),
        # Reply routing: a message in a forum topic finds its ticket.
        Index("ix_tickets_thread", "support_group_id", "topic_id"),
        CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name="rating_1_to_5"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, 3... within the store: what agents and the buyer both say
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"), index=True)
    reason: Mapped[TicketReason] = mapped_column(enum_column(TicketReason))
    status: Mapped[TicketStatus] = mapped_column(enum_column(TicketStatus))
    priority: Mapped[int] = mapped_column(SmallInteger, default=int(TicketPriority.NORMAL))
    opened_by: Mapped[OpenedBy] = mapped_column(enum_column(OpenedBy), default=OpenedBy.BUYER)
    subject: Mapped[str | None] = mapped_column(String(255))
    # Thread reference: the forum topic in one of the store's support groups.
    support_group_id: Mapped[int | None] = mapped_column(ForeignKey("store_support_groups.id", ondelete="SET NULL"))
    topic_id: Mapped[int | None] = mapped_column(BigInteger)  # message_thread_id
    topic_title: Mapped[str | None] = mapped_column(String(128))  # last title set, to skip needless edits
    header_message_id: Mapped[int | None] = mapped_column(BigInteger)
    first_response_due_at: Mapped[datetime | None]
    first_responded_at: Mapped[datetime | None]
    last_buyer_message_at: Mapped[datetime | None]
    last_agent_message_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    rating: Mapped[int | None] = mapped_column(SmallInteger)  # 1-5, after closing
    rated_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    # Loaded with the ticket (one query, not two, for each relayed message); read through `group_of`,
    # which checks it against `support_group_id` (view-only: moving the ticket does not refresh it).
    support_group: Mapped[StoreSupportGroup | None] = relationship(lazy="joined", viewonly=True)
    # Never loaded on its own ("raise"): only joined where asked for, to put the store in the session
    # with its ticket (`TicketRepository.for_buyer`); code reads stores through `uow.stores.get`.
    store: Mapped[Store] = relationship(lazy="raise", viewonly=True)


class TicketMessage(Base):
    __tablename__ = "ticket_messages"
    # The parts of one Telegram album are one ticket message.
    __table_args__ = (Index("ix_ticket_messages_album", "ticket_id", "media_group_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    author_role: Mapped[AuthorRole] = mapped_column(enum_column(AuthorRole))
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    text: Mapped[str | None] = mapped_column(Text)
    # Telegram entities as JSON-able dicts, so an agent's formatting reaches the buyer intact.
    entities: Mapped[list[Any] | None]
    internal: Mapped[bool] = mapped_column(Boolean, default=False)  # agents' note, never sent to the buyer
    reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("ticket_messages.id", ondelete="SET NULL"))
    media_group_id: Mapped[str | None] = mapped_column(String(64))  # Telegram's album id
    created_at: Mapped[datetime]
    edited_at: Mapped[datetime | None]
    # An agent's message the buyer has not got: "held" for a moderator, "blocked" by one, or
    # "suspended" (kept while the store may not write to buyers); None once delivered or for a buyer's.
    delivery: Mapped[str | None] = mapped_column(String(16))

    attachments: Mapped[list[MessageAttachment]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="MessageAttachment.position"
    )
    copies: Mapped[list[MessageCopy]] = relationship(cascade="all, delete-orphan", lazy="selectin")


class MessageAttachment(Base):
    __tablename__ = "message_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("ticket_messages.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[AttachmentKind] = mapped_column(enum_column(AttachmentKind))
    purpose: Mapped[AttachmentPurpose] = mapped_column(
        enum_column(AttachmentPurpose), default=AttachmentPurpose.GENERAL
    )
    file_id: Mapped[str] = mapped_column(String(255))  # Telegram file_id, reusable by this bot
    file_unique_id: Mapped[str | None] = mapped_column(String(64))
    caption: Mapped[str | None] = mapped_column(Text)


class MessageCopy(Base):
    """One Telegram message that carries a ticket message: the original or a copy of it.

    Looked up by (chat, message id) to route replies and propagate edits.
    """

    __tablename__ = "message_copies"
    __table_args__ = (UniqueConstraint("chat_id", "telegram_message_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("ticket_messages.id", ondelete="CASCADE"), index=True)
    role: Mapped[CopyRole] = mapped_column(enum_column(CopyRole))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    thread_id: Mapped[int | None] = mapped_column(BigInteger)
    telegram_message_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime]


class UnroutedAlbumPart(Base):
    """A part of a buyer's album waiting for the buyer to say which open ticket the album is for.

    Kept in the database, not in memory, so a restart or a retried button
    press loses none of the album; deleted when the album is passed on.
    """

    __tablename__ = "unrouted_album_parts"
    __table_args__ = (
        UniqueConstraint("chat_id", "telegram_message_id"),
        Index("ix_unrouted_album_parts_album", "chat_id", "media_group_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    media_group_id: Mapped[str] = mapped_column(String(64))
    telegram_message_id: Mapped[int] = mapped_column(BigInteger)
    message: Mapped[dict[str, Any]]  # the part as Telegram sent it, to pass on later
    created_at: Mapped[datetime]
