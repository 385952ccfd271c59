"""End-to-end harness: the real bot Application against the sandbox over HTTP.

The sandbox runs on a free port in the test's event loop; the bot is built by
the project's own factory and talks to it with python-telegram-bot's own HTTP
client (only ``base_url`` differs from production). Every test ends by
asserting that neither the bot nor the sandbox broke the Bot API reference,
that the people of `chat` have no bot output left unread (the client's
`expect` takes messages in order and fails on one it did not expect), and that
Telegram refused no call the test did not declare with `expect_refusals` (a
second answer to a button press is one).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from bot.app import build_application
from bot.context import AftersalesApplication, Deps
from bot.pipeline.ratelimit import SendLimiter
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
from sandbox.client import Msg, Person, SandboxClient
from sandbox.server import SandboxServer

PHOTO = b"\xff\xd8\xff\xe0" + b"\x00" * 64  # enough of a JPEG for the sandbox


@pytest.fixture
def sandbox(sandbox_server: SandboxServer) -> SandboxServer:
    return sandbox_server


@pytest.fixture
def refusals_checked() -> bool:
    return True


@asynccontextmanager
async def running_bot(
    sandbox: SandboxServer,
    bot_token: str,
    database_url: str,
    *,
    clock: FakeClock | None = None,
    **more_settings: object,
) -> AsyncIterator[AftersalesApplication]:
    """One life of the bot: the project's factory and update pipeline on `database_url`, then stopped.

    `clock` lets a test start a later life of the bot at a later time (what fell due meanwhile).
    """
    settings = load_settings(
        telegram_bot_token=bot_token,
        telegram_api_url=sandbox.bot_api_base_url,
        database_url=database_url,
        _env_file=None,
        **more_settings,
    )
    engine = create_engine(settings.database_url)
    clock = clock or FakeClock(start=datetime(2026, 11, 22, 12, tzinfo=UTC))
    deps = Deps(settings=settings, clock=clock, renderer=default_renderer(), uow_factory=UnitOfWorkFactory(engine))
    application = build_application(deps)
    # The production update path: poller → inbox → runner → outbox → sender.
    # The sandbox runs without Telegram's flood limits here, and so does the sender: tests
    # would otherwise wait out the 20-a-minute group limit (the limiter has its own tests).
    unlimited = SendLimiter(
        overall_per_second=10_000, private_per_second=10_000, private_burst=10_000, group_per_minute=1_000_000
    )
    pipeline = pipeline_for(application, poll_timeout=1, poll_interval=0.2, retry_delays=(0.05, 0.1), limiter=unlimited)
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


@pytest.fixture
def start_bot(sandbox: SandboxServer, bot_token: str):
    """`async with start_bot(database_url) as app:` — for tests that restart the bot themselves (`clock=`: its clock)."""
    return lambda database_url, **options: running_bot(sandbox, bot_token, database_url, **options)


@pytest.fixture
def bot_settings() -> dict[str, object]:
    """Settings the bot of `bot_app` gets beyond the harness's; a test module overrides this fixture."""
    return {}


@pytest.fixture
async def bot_app(
    sandbox: SandboxServer, bot_token: str, tmp_path, bot_settings
) -> AsyncIterator[AftersalesApplication]:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'e2e.sqlite3'}"
    await upgrade(database_url)
    async with running_bot(sandbox, bot_token, database_url, **bot_settings) as application:
        yield application
    assert sandbox.violations == [], sandbox.violations


@pytest.fixture
async def bot_on_both_databases(
    sandbox: SandboxServer, bot_token: str, database_url: str
) -> AsyncIterator[AftersalesApplication]:
    """The bot on SQLite and on PostgreSQL, for races: a module says `bot_app = bot_on_both_databases`-style
    (a fixture named bot_app that returns this one) to run its tests on both."""
    async with running_bot(sandbox, bot_token, database_url) as application:
        yield application
    assert sandbox.violations == [], sandbox.violations


@pytest.fixture
async def chat(sandbox: SandboxServer, bot_app: AftersalesApplication, body_failed) -> AsyncIterator[SandboxClient]:
    """The people's side; at the end nobody may have bot output the test did not expect."""
    async with SandboxClient(sandbox.url) as client:
        yield client
        if not body_failed():
            await client.assert_quiet()


# --- a store with orders in every state, for the buyer's side --------------------------------


def order_row(
    number: str,
    status: OrderStatus,
    *,
    international: bool = False,
    tracking: str | None = "TRK1",
    eta: date | None = date(2026, 11, 25),
    delivered_on: date | None = None,
) -> OrderRow:
    return OrderRow(
        line=0,
        number=number,
        buyer_name="Alice Buyer",
        phone="+4915123456789",
        email="alice@example.com",
        currency="EUR",
        status=status,
        shipping_address="Torstraße 12, Berlin",
        carrier="DHL" if tracking else None,
        tracking_number=tracking,
        estimated_delivery=eta,
        international=international,
        delivered_on=delivered_on,
        items=(ItemRow("LAMP-1", "Desk lamp", 2, 3499),),
    )


@dataclass
class Shop:
    store_id: int
    orders: dict[str, int]  # number -> order id
    agent: Person


@pytest.fixture
async def shop(chat: SandboxClient, bot_app: AftersalesApplication) -> Shop:
    """A store with an agent (tickets become private cards) and five orders in different states."""
    deps = bot_app.deps
    agent = await chat.user("Karl", lang="en")
    rows = [
        order_row("W-1", OrderStatus.CONFIRMED),
        order_row("W-2", OrderStatus.SHIPPED),
        order_row("W-3", OrderStatus.IN_TRANSIT, international=True),
        order_row("W-4", OrderStatus.SHIPPED, tracking=None),
        order_row("W-5", OrderStatus.DELIVERED, delivered_on=date(2026, 11, 20)),
    ]
    async with deps.uow_factory() as uow:
        store = await add_store(uow, deps.clock, name="Berlin Gadgets", timezone="UTC", country="DE")
        await import_orders(uow, deps.clock, store.id, rows)
        orders = {row.number: (await uow.orders.by_number(store.id, row.number)).id for row in rows}
        await redeem_agent_invite(
            uow, deps.clock, await invite_agent(uow, deps.clock, store.id), agent.id, "Karl", language="en"
        )
        await uow.commit()
    await agent.send("/help")  # an agent must have started the bot to get private cards
    await agent.expect(contains="You are an agent of")
    return Shop(store.id, orders, agent)


async def bind(bot_app: AftersalesApplication, shop: Shop, buyer: Person, *numbers: str, lang: str = "en") -> None:
    """Bind the buyer's Telegram account to the shop's orders `numbers`, as an order link would."""
    deps = bot_app.deps
    async with deps.uow_factory() as uow:
        user = await uow.users.get_or_create(buyer.id, at=deps.clock.now(), display_name="Alice", language=lang)
        for number in numbers:
            await uow.users.bind_order(user.id, shop.orders[number], source=BindingSource.DEMO, at=deps.clock.now())
        await uow.commit()


async def make_choice(message: Msg, button: str, *, wait: float = 5) -> dict | None:
    """Press `button` on a keyboard that closes once used; the press's answer.

    The message then shows what was chosen where its buttons were: an edit that
    keeps its text and adds the line "✔️ <button>".
    """
    answer = await message.press(button, wait=wait)
    closed = await message.person.expect_edit(message)
    assert closed.buttons == [] and closed.text == f"{message.text}\n\n✔️ {button}", closed
    return answer


async def open_menu(buyer: Person, number: str):
    """/orders, then the order's button: its menu of reasons."""
    await buyer.send("/orders")
    orders = await buyer.expect()
    await make_choice(orders, next(b for row in orders.buttons for b in row if number in b))
    return await buyer.expect(contains=f"{number}")


async def ask_to_cancel(buyer: Person, menu, *, notice: str, reason: str, details: str):
    """ "Cancel the order" from the order's menu: what cancelling means, a reason, details; the summary to send."""
    await menu.press("Cancel the order")
    await buyer.expect(contains=notice)
    pick = await buyer.expect(contains="Why do you want to cancel?")
    await make_choice(pick, reason)
    await buyer.expect(contains="Anything the seller should know?")
    await buyer.send(details)
    return await buyer.expect(contains="Ready to send")
