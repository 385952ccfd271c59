"""Who someone is to the bot: roles from store memberships, the moderator role or seat, and bound orders."""

from __future__ import annotations

from domain.enums import BindingSource, Role
from domain.services.orders import import_orders
from domain.services.roles import AgentStore, Roles, roles_of
from domain.services.stores import (
    add_store,
    create_group_link_code,
    invite_agent,
    redeem_agent_invite,
    redeem_group_link_code,
)
from tests.domain.conftest import order_row

KARL = 501


async def test_a_stranger_is_a_buyer_unless_seated_among_the_moderators(uow_factory, clock):
    async with uow_factory() as uow:
        assert await roles_of(uow, KARL) == Roles(stores=(), moderator=False, orders=0)
        seated = await roles_of(uow, KARL, in_moderators_group=True)
    assert seated.moderator and seated.staff and not seated.agent


async def test_an_agent_of_two_stores_who_buys_and_moderates(uow_factory, clock):
    async with uow_factory() as uow:
        silk = await add_store(uow, clock, name="Silk House", timezone="Asia/Shanghai", country="CN")
        lamps = await add_store(uow, clock, name="Lamps", timezone="UTC", country="DE")
        for store in (silk, lamps):
            await redeem_agent_invite(uow, clock, await invite_agent(uow, clock, store.id), KARL, "Karl")
        await redeem_group_link_code(
            uow, clock, await create_group_link_code(uow, clock, lamps.id), -100200, "Lamps support"
        )
        await import_orders(uow, clock, silk.id, [order_row("S-1")])
        user = await uow.users.by_telegram_id(KARL)
        order = await uow.orders.by_number(silk.id, "S-1")
        await uow.users.bind_order(user.id, order.id, source=BindingSource.DEMO, at=clock.now())
        roles = await roles_of(uow, KARL)
        assert roles == Roles(
            stores=(AgentStore("Silk House", False), AgentStore("Lamps", True)), moderator=False, orders=1
        )
        assert roles.agent and roles.staff
        user.role = Role.MODERATOR  # the moderator role on the user counts as much as a seat in the group
        assert (await roles_of(uow, KARL)).moderator
