"""The operator's HTTP endpoints (aiohttp, in the bot's process): /healthz, /readyz and /metrics.

- ``/healthz``: the process answers (its event loop runs): 200.
- ``/readyz``: 200 when the database answers, its schema is at this
  version's migration head and Telegram answers ``getMe``; otherwise 503
  naming each check that failed. Telegram's answer is kept for a while
  (``TELEGRAM_CHECK_EVERY``) so probes every few seconds do not become
  Bot API traffic.
- ``/metrics``: Prometheus' text format; the database's backlogs are read
  at each scrape.

Served when ``AFTERSALES_HTTP_PORT`` is set (the marketplace API will join
them on the same server). Every answer is JSON but the metrics.
"""

from __future__ import annotations

import asyncio
import logging
import time

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from telegram import Bot
from telegram.error import TelegramError

from bot.pipeline.metrics import CONTENT_TYPE, Metrics
from domain.clock import Clock
from domain.services.operations_report import operations_report
from domain.storage.migrate import head_revision, schema_revision
from domain.storage.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)

TELEGRAM_CHECK_EVERY = 30.0  # seconds a successful getMe counts for
TELEGRAM_TIMEOUT = 5.0


@web.middleware
async def _json_errors(request: web.Request, handler) -> web.StreamResponse:
    """aiohttp's own 404 and 405 are plain text; an HTTP client of ours gets JSON like every other answer."""
    try:
        return await handler(request)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        allow = {"Allow": error.headers["Allow"]} if "Allow" in error.headers else None  # a 405 says what is
        return web.json_response({"ok": False, "error": error.reason}, status=error.status, headers=allow)


class OpsServer:
    def __init__(
        self,
        bot: Bot,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        metrics: Metrics,
        *,
        listen: str,
        port: int,
        time_source=time.monotonic,
    ) -> None:
        self._bot = bot
        self._uow_factory = uow_factory
        self._clock = clock
        self._metrics = metrics
        self._listen, self._port = listen, port
        self._time = time_source
        self._head = head_revision()
        self._telegram_ok_at: float | None = None
        self._runner: web.AppRunner | None = None

    def build_app(self) -> web.Application:
        app = web.Application(middlewares=[_json_errors])
        app.router.add_get("/healthz", self.healthz)
        app.router.add_get("/readyz", self.readyz)
        app.router.add_get("/metrics", self.metrics)
        return app

    async def healthz(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    async def readyz(self, request: web.Request) -> web.Response:
        checks = {"database": "ok", "migrations": "ok", "telegram": "ok"}
        try:
            async with self._uow_factory.reading() as uow:
                await uow.session.scalar(text("SELECT 1"))
                revision = await schema_revision(uow.session)
            if revision != self._head:
                checks["migrations"] = (
                    f"the database is at {revision or 'no revision'}, this version needs {self._head}"
                )
        except (SQLAlchemyError, OSError) as error:
            checks["database"] = f"unreachable: {type(error).__name__}"
            checks["migrations"] = "unknown: the database is unreachable"
        telegram = await self._telegram()
        if telegram is not None:
            checks["telegram"] = telegram
        ready = all(value == "ok" for value in checks.values())
        return web.json_response({"ok": ready, "checks": checks}, status=200 if ready else 503)

    async def _telegram(self) -> str | None:
        """None when Telegram answered getMe lately (or does now); else what went wrong."""
        now = self._time()
        if self._telegram_ok_at is not None and now - self._telegram_ok_at < TELEGRAM_CHECK_EVERY:
            return None
        try:
            async with asyncio.timeout(TELEGRAM_TIMEOUT):
                await self._bot.get_me()
        except (TelegramError, TimeoutError) as error:
            self._telegram_ok_at = None
            return f"unreachable: {type(error).__name__}: {error}"[:300]
        self._telegram_ok_at = now
        return None

    async def metrics(self, request: web.Request) -> web.Response:
        try:
            async with self._uow_factory.reading() as uow:
                self._metrics.report(await operations_report(uow, self._clock.now()))
        except (SQLAlchemyError, OSError):
            # The process's own counters are still worth a scrape; the backlogs keep their last figures.
            log.warning("metrics: could not read the backlogs", exc_info=True)
        return web.Response(body=self._metrics.exposition(), headers={"Content-Type": CONTENT_TYPE})

    async def start(self) -> None:
        self._runner = web.AppRunner(self.build_app(), access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self._listen, self._port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
