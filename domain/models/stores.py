"""Stores, their support groups, their agents, and one-time codes to join them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, UniqueConstraint, select, text
from sqlalchemy.orm import Mapped, column_property, mapped_column

from domain.enums import InviteKind
from domain.models.base import Base, enum_column
from domain.models.users import User


class Store(Base):
    __tablename__ = "stores"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    timezone: Mapped[str] = mapped_column(String(64))  # IANA name, e.g. Europe/Berlin
    country: Mapped[str] = mapped_column(String(2))  # ISO 3166 alpha-2, for public holidays
    default_currency: Mapped[str] = mapped_column(String(3))
    # Deadlines (defaults: docs/business-rules.md#deadlines); per store so a marketplace can tune them.
    first_response_hours: Mapped[int] = mapped_column(Integer, default=24)
    seller_answer_days: Mapped[int] = mapped_column(Integer, default=2)  # calendar days
    buyer_offer_hours: Mapped[int] = mapped_column(Integer, default=24)
    reshipment_working_days: Mapped[int] = mapped_column(Integer, default=2)
    auto_close_days: Mapped[int] = mapped_column(Integer, default=7)
    # The partial refunds an agent is offered as buttons, in % of the affected items' price.
    refund_suggestion_percents: Mapped[list[Any]] = mapped_column(
        default=lambda: [20, 50, 80], server_default=text("'[20, 50, 80]'")
    )
    # Whether a buyer may answer a partial-refund offer with a counter-offer (Shopee allows it, TikTok Shop not).
    counter_offers_allowed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    # Where money decisions are posted (signed with the secret); None: they wait until one is set.
    webhook_url: Mapped[str | None] = mapped_column(String(512))
    webhook_secret: Mapped[str | None] = mapped_column(String(128))
    # Confirmed strikes within `strike_window_days` reaching `strike_threshold` suspend the store's messaging.
    strike_threshold: Mapped[int] = mapped_column(Integer, default=3)
    strike_window_days: Mapped[int] = mapped_column(Integer, default=30, server_default="30")
    messaging_suspended_at: Mapped[datetime | None]
    # Last ticket number handed out; bumped by one atomic UPDATE so numbers never repeat within the store.
    ticket_seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime]

    if TYPE_CHECKING:
        agents_language: str | None  # mapped below, once StoreAgent exists


class StoreSupportGroup(Base):
    """A supergroup with forum topics where a store's agents answer; a store may have several."""

    __tablename__ = "store_support_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    title: Mapped[str | None] = mapped_column(String(255))
    is_forum: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    linked_at: Mapped[datetime]


class StoreAgent(Base):
    __tablename__ = "store_agents"
    __table_args__ = (UniqueConstraint("store_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    display_name: Mapped[str] = mapped_column(String(120))  # shown to colleagues, never to buyers
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    joined_at: Mapped[datetime]


# The longest-serving active agent's language, for store-side texts nobody in particular reads (a
# topic's copies). Deferred: loaded only where asked for, in the same statement as the store.
Store.agents_language = column_property(  # type: ignore[misc]
    select(User.language)
    .join(StoreAgent, StoreAgent.user_id == User.id)
    .where(StoreAgent.store_id == Store.id, StoreAgent.active.is_(True))
    .order_by(StoreAgent.id)
    .limit(1)
    .correlate_except(User, StoreAgent)
    .scalar_subquery(),
    deferred=True,
)


class InviteCode(Base):
    """A one-time code: an agent joins a store, or a group links to it.

    Only a SHA-256 of the code is stored, so a database leak does not leak
    usable codes; `used_at` is set by a conditional update so a code works once.
    """

    __tablename__ = "invite_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[InviteKind] = mapped_column(enum_column(InviteKind))
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by_telegram_id: Mapped[int | None] = mapped_column(BigInteger)  # user id or group chat id
