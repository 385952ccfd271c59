"""A buyer halfway through a flow when the bot restarts continues at the same step (bot.persistence)."""

from __future__ import annotations

from contextlib import asynccontextmanager
from datetime import datetime, timezone

from bot.app import build_application
from bot.context import Deps
from bot.pipeline.service import pipeline_for
from bot.rendering import default_renderer
from bot.settings import load_settings
from domain.clock import FakeClock
from domain.enums import BindingSource, OrderStatus
from domain.services.order_files import ItemRow, OrderRow
from domain.services.orders import import_orders
from domain.services.stores import add_store, invite_agent, redeem_agent_invite
from domain.storage.engine import create_engine
from domain.storage.migrate import upgrade
from domain.storage.uow import UnitOfWorkFactory
from sandbox.client import SandboxClient


@asynccontextmanager
async def running_bot(sandbox, bot_token: str, database_url: str):
    """One life of the bot: the same wiring as the e2e harness's `bot_app`, started and stopped here."""
    settings = load_settings(
        telegram_bot_token=bot_token, telegram_api_url=sandbox.bot_api_base_url, database_url=database_url, _env_file=None
    )
    engine = create_engine(database_url)
    clock = FakeClock(start=datetime(2026, 11, 22, 12, tzinfo=timezone.utc))
    deps = Deps(settings=settings, clock=clock, renderer=default_renderer(), uow_factory=UnitOfWorkFactory(engine))
    application = build_application(deps)
    pipeline = pipeline_for(application, poll_timeout=1, poll_interval=0.2, retry_delays=(0.05, 0.1))
    try:
        async with application:
            await application.start()
            await pipeline.start()
            try:
                yield application
            finally:
                await pipeline.stop()
                await application.stop()
    finally:
        await engine.dispose()


async def test_a_flow_continues_at_the_same_step_after_a_restart(sandbox, bot_token, tmp_path):
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'restart.sqlite3'}"
    await upgrade(database_url)
    async with SandboxClient(sandbox.url) as chat:
        buyer = await chat.user("Alice", lang="en")
        agent = await chat.user("Karl", lang="en")
        async with running_bot(sandbox, bot_token, database_url) as app:
            deps = app.deps
            async with deps.uow_factory() as uow:
                store = await add_store(uow, deps.clock, name="Berlin Gadgets", timezone="UTC", country="DE")
                row = OrderRow(
                    line=0, number="W-1", buyer_name="Alice", phone="+4915123456789", email="alice@example.com",
                    currency="EUR", status=OrderStatus.CONFIRMED, shipping_address="Torstraße 12, Berlin", carrier=None,
                    tracking_number=None, estimated_delivery=None, international=False, delivered_on=None,
                    items=(ItemRow("LAMP-1", "Desk lamp", 1, 3499),),
                )
                await import_orders(uow, deps.clock, store.id, [row])
                order = await uow.orders.by_number(store.id, "W-1")
                user = await uow.users.get_or_create(buyer.id, at=deps.clock.now(), display_name="Alice", language="en")
                await uow.users.bind_order(user.id, order.id, source=BindingSource.DEMO, at=deps.clock.now())
                await redeem_agent_invite(uow, deps.clock, await invite_agent(uow, deps.clock, store.id), agent.id, "Karl", language="en")
                await uow.commit()
            await agent.send("/help")
            await buyer.send("/orders")
            orders = await buyer.expect(contains="Your orders")
            await orders.press("📦 W-1 · Berlin Gadgets")
            menu = await buyer.expect(contains="Order W-1")
            await menu.press("Change the shipping address")
            await buyer.expect(contains="Send the full new address")

        # A new Application on the same database: the step and the order come back from the draft row.
        async with running_bot(sandbox, bot_token, database_url):
            await buyer.send("Karl-Marx-Allee 1, 10178 Berlin, Germany")
            confirm = await buyer.expect(contains="Ready to send")
            await confirm.press("📨 Send to the seller")
            await buyer.expect(contains="Ticket #1 is open (Change the shipping address, order W-1)")
            await agent.expect(contains="Karl-Marx-Allee 1")
    assert sandbox.violations == [], sandbox.violations
