"""`aftersales run`: start the bot against Telegram, or offline against the sandbox.

With ``TELEGRAM_BOT_TOKEN`` set the bot talks to ``AFTERSALES_TELEGRAM_API_URL``
(Telegram by default). Without it, this starts the local sandbox with demo
people and data and prints the web chat's URL: only this entry point knows both
the sandbox and the bot.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.app import build_application
from bot.context import Deps
from bot.pipeline.service import pipeline_for
from bot.rendering import default_renderer
from bot.settings import Settings
from domain.clock import SystemClock

log = logging.getLogger(__name__)


@dataclass
class StandIn:
    """A local Telegram the bot talks to instead of the real one (offline mode)."""

    settings: Settings  # with telegram_api_url pointing at the stand-in
    token: str
    url: str  # what to open in a browser
    stop: Callable[[], Awaitable[None]]


# Given the settings, the unit-of-work factory and the clock, start a stand-in.
StartStandIn = Callable[[Settings, object, object], Awaitable[StandIn]]


def run_bot(
    settings: Settings, *, webhook: bool | None = None, stand_in: StartStandIn | None = None
) -> None:
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs every request at INFO; that drowns the bot's own log.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        asyncio.run(_serve(settings, webhook=webhook, stand_in=stand_in))
    except KeyboardInterrupt:
        pass


async def _serve(
    settings: Settings, *, webhook: bool | None, stand_in: StartStandIn | None = None
) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    from domain.storage.engine import create_engine
    from domain.storage.migrate import upgrade
    from domain.storage.uow import UnitOfWorkFactory

    await upgrade(settings.database_url)
    engine = create_engine(settings.database_url)
    uow_factory = UnitOfWorkFactory(engine)
    clock = SystemClock()

    sandbox = None
    token = None
    if stand_in is not None:
        sandbox = await stand_in(settings, uow_factory, clock)
        settings, token = sandbox.settings, sandbox.token

    deps = Deps(settings=settings, clock=clock, renderer=default_renderer(), uow_factory=uow_factory)
    application = build_application(deps, token=token)
    # Durable update path: stored before confirmed, one transaction each, sends after commit.
    pipeline = pipeline_for(application)
    async with application:
        await application.start()
        await pipeline.start()
        if sandbox is not None:
            print(f"Aftersales is running offline. Open the web chat: {sandbox.url}", flush=True)
        else:
            me = application.bot
            print(f"Aftersales is running as @{me.username}", flush=True)
        await stop.wait()
        await pipeline.stop()
        await application.stop()
    if sandbox is not None:
        await sandbox.stop()
    await engine.dispose()
    sys.stdout.flush()
