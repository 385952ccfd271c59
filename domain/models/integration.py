"""Talking to the outside reliably: webhooks to the marketplace, Telegram's outbox, update dedupe."""

from __future__ import annotations

from datetime import datetime
from enum import IntEnum
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from domain.models.base import Base


class OutboundWebhook(Base):
    """A money-moving decision for the marketplace, retried until acknowledged.

    ``status``: "pending" (to post), "delivered" (a 2xx came back) or
    "parked" (a day of failures; ``aftersales webhooks replay`` sends it
    again). One ``sequence_key``'s events (a request's) are posted in id order.
    """

    __tablename__ = "outbound_webhooks"
    __table_args__ = (
        Index("ix_outbound_webhooks_due", "status", "next_attempt_at"),
        # The dispatcher asks "is an earlier event of this sequence still undelivered?" for each one it claims.
        Index("ix_outbound_webhooks_sequence", "sequence_key", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    sequence_key: Mapped[str] = mapped_column(String(64), default="", server_default="")  # e.g. "request:12"
    event_type: Mapped[str] = mapped_column(String(64))  # e.g. "refund.approved"
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime]
    lease_until: Mapped[datetime | None]  # a dispatcher is posting it until then
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    # When the current run of failed posts began (None: none failed since created or replayed); a day of them parks it.
    failing_since: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    parked_at: Mapped[datetime | None]


class OutboxPriority(IntEnum):
    """Which of a chat's waiting rows goes first: the lowest, then the oldest."""

    PERSON = 0  # what a person said or just did: a buyer's copy, an agent's answer, /notify, a direct answer
    AUTOMATIC = 1  # what timers, webhooks and imports originate: reminders, deadline and order-event notices


class OutboxMessage(Base):
    """A Telegram call recorded in the transaction that decided it, sent after the commit."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index("ix_outbox_messages_pending", "sent_at", "next_attempt_at", "id"),
        # An agent's reply names the bot's message by (chat, message id): which prompt it answers.
        # It serves look-ups by chat alone too, so chat_id has no index of its own to maintain.
        Index("ix_outbox_messages_sent_message", "chat_id", "telegram_message_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    method: Mapped[str] = mapped_column(String(32))  # e.g. "sendMessage", "copyMessage"
    payload: Mapped[dict[str, Any]]
    ticket_message_id: Mapped[int | None] = mapped_column(Integer)  # to record the copy once sent
    # Sent only after this row was sent (e.g. a reply to a message we send first).
    after_id: Mapped[int | None] = mapped_column(Integer)
    # What to do with Telegram's answer once sent: a hook name the sender knows, and its arguments.
    on_result: Mapped[str | None] = mapped_column(String(64))
    on_result_args: Mapped[dict[str, Any] | None]
    priority: Mapped[int] = mapped_column(SmallInteger, default=OutboxPriority.PERSON, server_default="0")
    update_id: Mapped[int | None] = mapped_column(BigInteger)  # the update whose transaction recorded it
    # The process whose sender sends it, until then (renewed while it lives); another takes it after.
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None]
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]  # gave up: reported to the agent, never dropped silently
    last_error: Mapped[str | None] = mapped_column(Text)


class InboxUpdate(Base):
    """A Telegram update stored before it is confirmed to Telegram, handled from here by the runner.

    ``status`` is "pending" (to handle), "done" (handled and committed) or
    "parked" (failed every retry; an operator looks at it, ``aftersales inbox``).
    """

    __tablename__ = "inbox_updates"
    __table_args__ = (Index("ix_inbox_updates_status", "status", "update_id"),)

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    payload: Mapped[dict[str, Any]]
    conversation_key: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
