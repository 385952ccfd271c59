"""Users and which orders they may talk about."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.enums import BindingSource
from domain.models import Order, OrderBinding, User
from domain.storage.repositories.base import Repository


class UserRepository(Repository):
    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session)
        # One update asks for the same person several times (language, routing, access checks);
        # within one session the row is one object anyway, so it is looked up once.
        self._by_telegram_id: dict[int, User] = {}

    async def get(self, user_id: int) -> User | None:
        return await self.session.get(User, user_id)

    async def by_telegram_id(self, telegram_id: int) -> User | None:
        known = self._by_telegram_id.get(telegram_id)
        if known is not None and known in self.session and not inspect(known).expired_attributes:
            return known  # (a rollback expires it: then it is read again)
        user = await self.session.scalar(select(User).where(User.telegram_id == telegram_id))
        if user is not None:
            self._by_telegram_id[telegram_id] = user
        return user

    async def get_or_create(
        self, telegram_id: int, *, at: datetime, display_name: str | None = None, language: str | None = None
    ) -> User:
        user = await self.by_telegram_id(telegram_id)
        if user is None:
            user = User(telegram_id=telegram_id, display_name=display_name, language=language or "en", created_at=at)
            self.session.add(user)
            await self.session.flush()
        return user

    # Order bindings
    async def bind_order(self, user_id: int, order_id: int, *, source: BindingSource, at: datetime) -> bool:
        """Allow the user to open tickets on the order; False when already bound."""
        return await self.insert_ignoring_duplicates(
            OrderBinding.__table__,  # type: ignore[arg-type]
            {"user_id": user_id, "order_id": order_id, "source": source.value, "bound_at": at},
        )

    async def is_bound(self, user_id: int, order_id: int) -> bool:
        found = await self.session.scalar(
            select(OrderBinding.id).where(OrderBinding.user_id == user_id, OrderBinding.order_id == order_id)
        )
        return found is not None

    async def bound_buyers(self, order_id: int) -> Sequence[User]:
        """Who may talk about the order, the first bound first (the one who placed it, usually)."""
        query = (
            select(User)
            .join(OrderBinding, OrderBinding.user_id == User.id)
            .where(OrderBinding.order_id == order_id)
            .order_by(OrderBinding.bound_at, OrderBinding.id)
        )
        return (await self.session.scalars(query)).all()

    async def bound_orders(self, user_id: int) -> Sequence[Order]:
        query = (
            select(Order)
            .join(OrderBinding, OrderBinding.order_id == Order.id)
            .where(OrderBinding.user_id == user_id)
            .order_by(Order.created_at.desc(), Order.id.desc())
        )
        return (await self.session.scalars(query)).all()
