"""Buyers with a delivered order each, at one store whose agent works in its forum group.

The people and the group are made in the sandbox's world, the store, the
orders and the bindings through the domain's own services, all before the bot
starts (as `bench/relay.py` does for the relay). Each order (`B-<n>`) holds
one desk lamp, delivered yesterday, so the buyer's menu offers "Report a
problem with the item" and the form asks no quantity.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bench.chat import Chatter, Inbox
from domain.clock import SystemClock
from domain.enums import BindingSource, OrderStatus
from domain.services.order_files import ItemRow, OrderRow
from domain.services.orders import import_orders
from domain.services.stores import (
    add_store,
    create_group_link_code,
    invite_agent,
    redeem_agent_invite,
    redeem_group_link_code,
)
from domain.storage.engine import create_engine
from domain.storage.uow import UnitOfWorkFactory
from sandbox.world import World
from sandbox.world.models import Bot

PRICE_MINOR = 3499


def number(index: int) -> str:
    return f"B-{index}"


def _order(index: int, delivered_on) -> OrderRow:
    return OrderRow(
        line=0,
        number=number(index),
        buyer_name="Bench Buyer",
        phone=None,
        email=None,
        currency="EUR",
        status=OrderStatus.DELIVERED,
        shipping_address="Torstraße 12, Berlin",
        carrier="DHL",
        tracking_number="TRK1",
        estimated_delivery=delivered_on,
        international=False,
        delivered_on=delivered_on,
        items=(ItemRow("LAMP-1", "Desk lamp", 1, PRICE_MINOR),),
    )


@dataclass
class RequestScene:
    world: World
    bot: Bot
    buyers: list[Chatter]
    agent: Chatter  # in the store's forum group

    @classmethod
    def build(cls, world: World, bot: Bot, buyers: int) -> RequestScene:
        agent = world.add_person("Agent")
        group = world.add_group("Bench support", is_forum=True, member_ids=[agent.id], admin_bot_ids=[bot.id])
        people = [world.add_person(f"Buyer {i}", language_code="en") for i in range(buyers)]
        chatters = [
            Chatter(world, person, world.private_chat(person.id, bot.id, create=True), Inbox(person))
            for person in people
        ]
        return cls(world, bot, chatters, Chatter(world, agent, group))

    async def seed(self, database_url: str) -> None:
        """One store with its agent and forum group; buyer n bound to order B-n."""
        clock = SystemClock()
        delivered_on = (clock.now() - timedelta(days=1)).date()
        engine = create_engine(database_url)
        try:
            async with UnitOfWorkFactory(engine)() as uow:
                store = await add_store(uow, clock, name="Bench Gadgets", timezone="UTC", country="DE")
                await import_orders(uow, clock, store.id, [_order(i, delivered_on) for i in range(len(self.buyers))])
                code = await invite_agent(uow, clock, store.id)
                await redeem_agent_invite(uow, clock, code, self.agent.person.id, "Agent", language="en")
                code = await create_group_link_code(uow, clock, store.id)
                await redeem_group_link_code(uow, clock, code, self.agent.chat.group_id, self.agent.chat.title)
                for index, buyer in enumerate(self.buyers):
                    order = await uow.orders.by_number(store.id, number(index))
                    user = await uow.users.get_or_create(
                        buyer.person.id, at=clock.now(), display_name=buyer.person.first_name, language="en"
                    )
                    await uow.users.bind_order(user.id, order.id, source=BindingSource.DEMO, at=clock.now())
                await uow.commit()
        finally:
            await engine.dispose()

    def close(self) -> None:
        for chatter in [*self.buyers, self.agent]:
            chatter.inbox.close()
