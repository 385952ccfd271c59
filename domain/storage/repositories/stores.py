"""Stores, support groups, agents and one-time codes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, inspect, select, update
from sqlalchemy.orm.util import identity_key

from domain.enums import InviteKind, TicketStatus
from domain.models import InviteCode, Store, StoreAgent, StoreSupportGroup, Ticket, User
from domain.storage.repositories.base import Repository


class StoreRepository(Repository):
    def add(self, store: Store) -> Store:
        self.session.add(store)
        return store

    async def get(self, store_id: int) -> Store | None:
        return await self.session.get(Store, store_id)

    async def by_name(self, name: str) -> Store | None:
        return await self.session.scalar(select(Store).where(Store.name == name))

    async def by_name_or_id(self, ref: str) -> Store | None:
        """What an operator types on the command line: the store's name, or its numeric id."""
        store = await self.by_name(ref)
        if store is None and ref.isdigit():
            store = await self.get(int(ref))
        return store

    async def next_ticket_number(self, store_id: int) -> int:
        """The store's next ticket number, from one atomic UPDATE ... RETURNING."""
        result = await self.session.execute(
            update(Store)
            .where(Store.id == store_id)
            .values(ticket_seq=Store.ticket_seq + 1)
            .returning(Store.ticket_seq)
        )
        return result.scalar_one()

    async def list(self) -> Sequence[Store]:
        return (await self.session.scalars(select(Store).order_by(Store.id))).all()

    # Support groups
    def add_group(self, group: StoreSupportGroup) -> StoreSupportGroup:
        self.session.add(group)
        return group

    async def group_of_ticket(self, ticket: Ticket) -> StoreSupportGroup | None:
        """The ticket's support group: as loaded with the ticket (no query), unless the ticket moved since."""
        if ticket.support_group_id is None:
            return None
        # Never loaded here: a lazy load is I/O outside an await.
        joined = None if "support_group" in inspect(ticket).unloaded else ticket.support_group
        if joined is not None and joined.id == ticket.support_group_id:
            return joined
        return await self.session.get(StoreSupportGroup, ticket.support_group_id)

    async def group_by_chat(self, chat_id: int) -> StoreSupportGroup | None:
        return await self.session.scalar(select(StoreSupportGroup).where(StoreSupportGroup.chat_id == chat_id))

    async def groups(self, store_id: int, *, active_only: bool = True) -> Sequence[StoreSupportGroup]:
        query = select(StoreSupportGroup).where(StoreSupportGroup.store_id == store_id)
        if active_only:
            query = query.where(StoreSupportGroup.active.is_(True))
        return (await self.session.scalars(query.order_by(StoreSupportGroup.id))).all()

    async def least_busy_group(self, store_id: int) -> StoreSupportGroup | None:
        """The active group with the fewest open tickets (Telegram caps posts per group)."""
        open_count = (
            select(func.count(Ticket.id))
            .where(Ticket.support_group_id == StoreSupportGroup.id, Ticket.status != TicketStatus.CLOSED)
            .correlate(StoreSupportGroup)
            .scalar_subquery()
        )
        query = (
            select(StoreSupportGroup)
            .where(StoreSupportGroup.store_id == store_id, StoreSupportGroup.active.is_(True))
            .order_by(open_count, StoreSupportGroup.id)
            .limit(1)
        )
        return await self.session.scalar(query)

    # Agents
    def add_agent(self, agent: StoreAgent) -> StoreAgent:
        self.session.add(agent)
        return agent

    async def agent(self, store_id: int, user_id: int) -> StoreAgent | None:
        return await self.session.scalar(
            select(StoreAgent).where(StoreAgent.store_id == store_id, StoreAgent.user_id == user_id)
        )

    async def agents(self, store_id: int, *, active_only: bool = True) -> Sequence[StoreAgent]:
        query = select(StoreAgent).where(StoreAgent.store_id == store_id)
        if active_only:
            query = query.where(StoreAgent.active.is_(True))
        return (await self.session.scalars(query.order_by(StoreAgent.id))).all()

    async def agent_users(self, store_id: int) -> Sequence[User]:
        """The store's active agents as users (their chat and language), in one statement."""
        query = (
            select(User)
            .join(StoreAgent, StoreAgent.user_id == User.id)
            .where(StoreAgent.store_id == store_id, StoreAgent.active.is_(True))
            .order_by(StoreAgent.id)
        )
        return (await self.session.scalars(query)).all()

    async def first_agent_language(self, store_id: int) -> str | None:
        """The language of the store's longest-serving active agent: loaded with the store already
        (`Store.agents_language`, as a buyer's open tickets bring it), else in one statement."""
        store = self.session.identity_map.get(identity_key(Store, store_id))
        if store is not None and "agents_language" in store.__dict__:
            return store.agents_language
        query = (
            select(User.language)
            .join(StoreAgent, StoreAgent.user_id == User.id)
            .where(StoreAgent.store_id == store_id, StoreAgent.active.is_(True))
            .order_by(StoreAgent.id)
            .limit(1)
        )
        return await self.session.scalar(query)

    async def stores_of_agent(self, user_id: int) -> Sequence[Store]:
        query = (
            select(Store)
            .join(StoreAgent, StoreAgent.store_id == Store.id)
            .where(StoreAgent.user_id == user_id, StoreAgent.active.is_(True))
            .order_by(Store.id)
        )
        return (await self.session.scalars(query)).all()

    # One-time codes
    def add_code(self, code: InviteCode) -> InviteCode:
        self.session.add(code)
        return code

    async def use_code(self, kind: InviteKind, code_hash: str, *, at: datetime, used_by: int) -> InviteCode | None:
        """Mark a live code used and return it; None if unknown, used or expired.

        A conditional UPDATE, so two people redeeming one code at once cannot both win.
        """
        result = await self.session.execute(
            update(InviteCode)
            .where(
                InviteCode.kind == kind,
                InviteCode.code_hash == code_hash,
                InviteCode.used_at.is_(None),
                InviteCode.expires_at > at,
            )
            .values(used_at=at, used_by_telegram_id=used_by)
            .returning(InviteCode.id)
        )
        code_id = result.scalar_one_or_none()
        if code_id is None:
            return None
        return await self.session.get(InviteCode, code_id, populate_existing=True)
