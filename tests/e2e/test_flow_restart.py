"""A buyer halfway through a flow when the bot restarts continues at the same step (bot.persistence)."""

from __future__ import annotations

from domain.enums import BindingSource, OrderStatus
from domain.services.order_files import ItemRow, OrderRow
from domain.services.orders import import_orders
from domain.services.stores import add_store, invite_agent, redeem_agent_invite
from domain.storage.migrate import upgrade
from sandbox.client import SandboxClient
from tests.e2e.conftest import make_choice


async def test_a_flow_continues_at_the_same_step_after_a_restart(sandbox, start_bot, tmp_path):
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'restart.sqlite3'}"
    await upgrade(database_url)
    async with SandboxClient(sandbox.url) as chat:
        buyer = await chat.user("Alice", lang="en")
        agent = await chat.user("Karl", lang="en")
        async with start_bot(database_url) as app:
            deps = app.deps
            async with deps.uow_factory() as uow:
                store = await add_store(uow, deps.clock, name="Berlin Gadgets", timezone="UTC", country="DE")
                row = OrderRow(
                    line=0,
                    number="W-1",
                    buyer_name="Alice",
                    phone="+4915123456789",
                    email="alice@example.com",
                    currency="EUR",
                    status=OrderStatus.CONFIRMED,
                    shipping_address="Torstraße 12, Berlin",
                    carrier=None,
                    tracking_number=None,
                    estimated_delivery=None,
                    international=False,
                    delivered_on=None,
                    items=(ItemRow("LAMP-1", "Desk lamp", 1, 3499),),
                )
                await import_orders(uow, deps.clock, store.id, [row])
                order = await uow.orders.by_number(store.id, "W-1")
                user = await uow.users.get_or_create(buyer.id, at=deps.clock.now(), display_name="Alice", language="en")
                await uow.users.bind_order(user.id, order.id, source=BindingSource.DEMO, at=deps.clock.now())
                await redeem_agent_invite(
                    uow, deps.clock, await invite_agent(uow, deps.clock, store.id), agent.id, "Karl", language="en"
                )
                await uow.commit()
            await agent.send("/help")
            await agent.expect(contains="You are an agent of")
            await buyer.send("/orders")
            orders = await buyer.expect(contains="Your orders")
            await make_choice(orders, "📦 W-1 · Berlin Gadgets")
            menu = await buyer.expect(contains="Order W-1")
            await menu.press("Change the shipping address")
            await buyer.expect(contains="Send the full new address")

        # A new Application on the same database: the step and the order come back from the draft row.
        async with start_bot(database_url):
            await buyer.send("Karl-Marx-Allee 1, 10178 Berlin, Germany")
            confirm = await buyer.expect(contains="Ready to send")
            await make_choice(confirm, "📨 Send to the seller")
            await buyer.expect(contains="Ticket #1 is open (Change the shipping address, order W-1)")
            await agent.expect(contains="Karl-Marx-Allee 1")
            await chat.assert_quiet()
    assert sandbox.violations == [], sandbox.violations
