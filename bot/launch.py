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
from bot.logs import configure_logging
from bot.pipeline.service import pipeline_for
from bot.pipeline.webhook import WebhookConfig
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


def _use_webhook(settings: Settings, webhook: bool | None) -> bool:
    return settings.mode == "webhook" if webhook is None else webhook


def webhook_config(settings: Settings) -> WebhookConfig:
    return WebhookConfig(
        url=settings.webhook_url,
        secret=settings.webhook_secret.get_secret_value(),
        listen=settings.webhook_listen,
        port=settings.webhook_port,
    )


def _secrets(settings: Settings) -> list[str]:
    """What must never reach the log: the token (the whole of it, and the part after the colon) and secrets."""
    token = settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token else ""
    secrets = [token, token.partition(":")[2]]
    for secret in (settings.webhook_secret, settings.link_secret):
        if secret is not None:
            secrets.append(secret.get_secret_value())
    return secrets


def run_bot(settings: Settings, *, webhook: bool | None = None, stand_in: StartStandIn | None = None) -> None:
    configure_logging(settings.log_level, settings.log_format, _secrets(settings))
    try:
        asyncio.run(_serve(settings, webhook=webhook, stand_in=stand_in))
    except KeyboardInterrupt:
        pass


async def _serve(settings: Settings, *, webhook: bool | None, stand_in: StartStandIn | None = None) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    from domain.storage.engine import create_engine, is_sqlite
    from domain.storage.migrate import current_revision, head_revision, upgrade
    from domain.storage.uow import UnitOfWorkFactory

    # The embedded database migrates itself; a PostgreSQL deploy runs `aftersales db upgrade` on purpose.
    if is_sqlite(settings.database_url):
        await upgrade(settings.database_url)
    elif await current_revision(settings.database_url) != head_revision():
        print("the database schema is not up to date: run `aftersales db upgrade` first", file=sys.stderr)
        raise SystemExit(1)
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
    pipeline = pipeline_for(application, webhook=webhook_config(settings) if _use_webhook(settings, webhook) else None)
    ops = None
    if settings.http_port is not None:
        from bot.pipeline.ops import OpsServer

        ops = OpsServer(
            application.bot,
            uow_factory,
            clock,
            pipeline.metrics,
            listen=settings.http_listen,
            port=settings.http_port,
        )
    async with application:
        await application.start()
        await pipeline.start()
        if ops is not None:
            await ops.start()
            print(f"Health and metrics on http://{settings.http_listen}:{settings.http_port}/", flush=True)
        if sandbox is not None:
            print(f"Aftersales is running offline. Open the web chat: {sandbox.url}", flush=True)
        else:
            me = application.bot
            print(f"Aftersales is running as @{me.username}", flush=True)
        await stop.wait()
        if ops is not None:
            await ops.stop()
        await pipeline.stop()
        await application.stop()
    if sandbox is not None:
        await sandbox.stop()
    await engine.dispose()
    sys.stdout.flush()
