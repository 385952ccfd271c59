"""Who a person is to the bot: a buyer, an agent of some stores, a moderator, or several at once.

docs/business-rules.md#roles: each role has its own greeting, help and command menu, and one
person may hold several (an agent who also buys). Everyone may buy; being an
agent is an active membership of a store; being a moderator is the moderator
role on the user or a seat in the moderators' group, which only Telegram
knows, so the caller asks Telegram and passes the answer in.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.enums import Role
from domain.storage.uow import UnitOfWork


@dataclass(frozen=True)
class AgentStore:
    name: str
    has_group: bool  # False: its tickets reach the agents as cards in their private chats


@dataclass(frozen=True)
class Roles:
    stores: tuple[AgentStore, ...]  # where the person is an active agent
    moderator: bool
    orders: int  # orders bound to the person as a buyer

    @property
    def agent(self) -> bool:
        return bool(self.stores)

    @property
    def staff(self) -> bool:
        """Agent or moderator: someone the buyer's greeting is not meant for."""
        return self.agent or self.moderator


async def roles_of(uow: UnitOfWork, telegram_id: int, *, in_moderators_group: bool = False) -> Roles:
    user = await uow.users.by_telegram_id(telegram_id)
    if user is None:
        return Roles(stores=(), moderator=in_moderators_group, orders=0)
    stores = []
    for store in await uow.stores.stores_of_agent(user.id):
        stores.append(AgentStore(store.name, has_group=bool(await uow.stores.groups(store.id))))
    return Roles(
        stores=tuple(stores),
        moderator=in_moderators_group or user.role == Role.MODERATOR,
        orders=len(await uow.users.bound_orders(user.id)),
    )
