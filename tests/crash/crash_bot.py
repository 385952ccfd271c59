"""A bot process for the crash test: the project's app plus a three-step test conversation.

    python tests/crash/crash_bot.py TOKEN API_URL DATABASE_URL

Every text message is stored in ``crash_messages`` with the step the buyer's
conversation was at (kept in ``crash_steps``, in the update's transaction),
and answered through the outbox: "step S: TEXT". Prints "ready" once polling.
The test kills this process with SIGKILL at random moments.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from datetime import UTC, datetime

from sqlalchemy import BigInteger, Column, Integer, MetaData, String, Table, insert, select
from sqlalchemy import update as sql_update
from telegram import Update
from telegram.ext import ApplicationHandlerStop, MessageHandler, filters

from bot.app import build_application
from bot.context import Deps
from bot.pipeline.ratelimit import SendLimiter
from bot.pipeline.service import pipeline_for
from bot.rendering import default_renderer
from bot.settings import load_settings
from domain.clock import SystemClock
from domain.storage.engine import create_engine
from domain.storage.uow import UnitOfWorkFactory

STEPS = 3
IN_FLIGHT_SENDS = 4

metadata = MetaData()
crash_messages = Table(
    "crash_messages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("buyer_id", BigInteger, nullable=False),
    Column("message_id", BigInteger, nullable=False),
    Column("step", Integer, nullable=False),
    Column("text", String(200), nullable=False),
)
crash_steps = Table(
    "crash_steps",
    metadata,
    Column("buyer_id", BigInteger, primary_key=True),
    Column("step", Integer, nullable=False),
)


async def take_step(update: Update, context) -> None:
    """One step of the conversation: store the message at the current step, move on, answer."""
    session = context.uow.session
    buyer_id = update.effective_user.id
    step = await session.scalar(select(crash_steps.c.step).where(crash_steps.c.buyer_id == buyer_id))
    if step is None:
        step = 0
        await session.execute(insert(crash_steps).values(buyer_id=buyer_id, step=1))
    else:
        await session.execute(
            sql_update(crash_steps).where(crash_steps.c.buyer_id == buyer_id).values(step=(step + 1) % STEPS)
        )
    text = update.message.text
    await session.execute(
        insert(crash_messages).values(buyer_id=buyer_id, message_id=update.message.message_id, step=step, text=text)
    )
    await context.outbox.send_message(update.effective_chat.id, f"step {step}: {text}")
    raise ApplicationHandlerStop  # the project's own handlers have nothing to add


async def main(token: str, api_url: str, database_url: str) -> None:
    settings = load_settings(
        telegram_bot_token=token,
        telegram_api_url=api_url,
        database_url=database_url,
        concurrent_updates=8,
        max_in_flight_sends=IN_FLIGHT_SENDS,
        _env_file=None,
    )
    engine = create_engine(database_url)
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    deps = Deps(
        settings=settings, clock=SystemClock(), renderer=default_renderer(), uow_factory=UnitOfWorkFactory(engine)
    )
    application = build_application(deps)
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, take_step), group=-1)
    pipeline = pipeline_for(
        application,
        poll_timeout=1,
        poll_interval=0.2,
        limiter=SendLimiter(overall_per_second=1000, private_per_second=1000, private_burst=1000),
    )
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with application:
        await application.start()
        await pipeline.start()
        print("ready", datetime.now(UTC).isoformat(), flush=True)
        await stop.wait()
        await pipeline.stop()
        await application.stop()
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
