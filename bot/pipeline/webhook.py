"""Webhook intake: Telegram posts updates to our aiohttp server, which stores them first.

Telegram retries a delivery until we answer 2xx, so we answer only after the
update is committed to the inbox (the same inbox the poller fills): a crash
before the commit means Telegram sends it again, a crash after it means the
runner finds it stored. A request without the secret we gave setWebhook is
refused with 403 and nothing is stored.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError
from telegram import Bot, Update

from bot.pipeline.inbox import OfferHook, store_updates
from domain.clock import Clock
from domain.storage.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass(frozen=True)
class WebhookConfig:
    url: str  # the public URL Telegram posts to; its path is the route we serve
    secret: str
    listen: str
    port: int
    max_connections: int = 40


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"ok": False, "error": message}, status=status)


class WebhookReceiver:
    def __init__(
        self,
        bot: Bot,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        config: WebhookConfig,
        *,
        on_stored: Callable[[], object] = lambda: None,
        offer: OfferHook | None = None,
    ) -> None:
        self._bot = bot
        self._uow_factory = uow_factory
        self._clock = clock
        self._config = config
        self._on_stored = on_stored
        self._offer = offer
        self._runner: web.AppRunner | None = None
        self.path = urlsplit(config.url).path or "/"

    def build_app(self) -> web.Application:
        app = web.Application()
        app.router.add_post(self.path, self.receive)
        return app

    async def receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self._config.secret.encode()):
            return _error(403, "wrong or missing secret token")
        try:
            payload = json.loads(await request.read())
        except (UnicodeDecodeError, json.JSONDecodeError):
            return _error(400, "the body is not JSON")
        if not isinstance(payload, dict) or not isinstance(payload.get("update_id"), int):
            return _error(400, "the body is not a Telegram update")
        try:
            await store_updates(self._uow_factory, self._clock, [payload], offer=self._offer)
        except (SQLAlchemyError, OSError):
            log.exception("could not store update %s; Telegram will deliver it again", payload["update_id"])
            return _error(503, "could not store the update; try again")
        self._on_stored()
        return web.json_response({"ok": True})

    async def start(self) -> None:
        """Listen, then tell Telegram where to deliver (it starts right away)."""
        self._runner = web.AppRunner(self.build_app(), access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self._config.listen, self._config.port).start()
        await self._bot.set_webhook(
            self._config.url,
            secret_token=self._config.secret,
            allowed_updates=Update.ALL_TYPES,
            max_connections=self._config.max_connections,
        )

    async def stop(self) -> None:
        # The webhook stays set: Telegram keeps what arrives meanwhile and delivers it after a restart.
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
