"""Everyone who talks to the bot, known by their Telegram user id."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from domain.enums import Role
from domain.models.base import Base, enum_column


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    display_name: Mapped[str | None] = mapped_column(String(255))
    username: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(16), default="en")
    # IANA zone for the times a buyer is shown; None: the store's zone (Telegram does not tell a user's zone).
    timezone: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[Role] = mapped_column(enum_column(Role), default=Role.BUYER)
    blocked_bot: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    # The incorrect-address event whose "correct it" they pressed last: their next text is the address.
    correcting_event_id: Mapped[int | None] = mapped_column(Integer)
