"""The sandbox: a local Telegram Bot API server with a world of people, on aiohttp.

The Bot API lives at `/bot<token>/<method>` and `/file/bot<token>/<path>`;
the control API (sandbox/CONTROL_API.md) under `/control`; the web chat at `/`.

`answer_delay` (seconds) holds every Bot API answer that long before it goes
out, refusals included, as a network's round trip would: the call takes effect
at once (a sent message is in the world), only its answer is late. Each request
waits on its own, so concurrent calls are delayed concurrently; a long poll
waits for its updates as usual, then the delay.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import time
from typing import Any

from aiohttp import web

from sandbox.botapi import METHODS, Call, Described
from sandbox.botapi.request import check_request, check_result, read_raw
from sandbox.control import setup_control
from sandbox.errors import ApiError, bad_request
from sandbox.ratelimit import RateLimiter
from sandbox.webhook import WebhookDelivery
from sandbox.world import World

log = logging.getLogger(__name__)

# Telegram answers compact UTF-8 JSON.
_dumps = functools.partial(json.dumps, separators=(",", ":"), ensure_ascii=False)


def _reply(body: dict[str, Any], status: int = 200) -> web.Response:
    return web.json_response(body, status=status, dumps=_dumps)


UNAUTHORIZED = ApiError(401, "Unauthorized")
# telegram-bot-api (ClientManager::send) refuses a token that cannot be one before looking it up.
MALFORMED_TOKEN = ApiError(401, "Unauthorized: invalid token specified")
NOT_FOUND = ApiError(404, "Not Found")


def _well_formed(token: str) -> bool:
    bot_id, colon, _ = token.partition(":")
    return bool(colon) and bot_id.isdigit() and not bot_id.startswith("0") and len(token) <= 80


class SandboxServer:
    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        strict: bool = True,
        rate_limits: bool = False,
        webhook_retry_delay: float = 1.0,
        answer_delay: float = 0.0,
    ) -> None:
        if not answer_delay >= 0:
            raise ValueError(f"answer_delay must be a non-negative number of seconds, got {answer_delay!r}")
        self.host = host
        self.port = port
        self.strict = strict
        self.answer_delay = answer_delay
        self.world = World()
        self.violations: list[dict[str, str]] = []
        # Every call Telegram would answer ok=false, so a test sees the refusals a bot shrugged off.
        self.refusals: list[dict[str, Any]] = []
        self.rate_limiter = RateLimiter(enabled=rate_limits)
        self.webhooks = WebhookDelivery(initial_delay=webhook_retry_delay)
        self._runner: web.AppRunner | None = None

    # --- lifecycle -------------------------------------------------------------

    def build_app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", r"/bot{token:[^/]+}/{method:[^/]*}", self._delayed_bot_api)
        app.router.add_get(r"/file/bot{token:[^/]+}/{file_path:.+}", self._download)
        setup_control(app, self)
        try:
            from sandbox.webchat import setup_webchat
        except ImportError:
            log.info("sandbox.webchat is not available; serving no web chat")
        else:
            setup_webchat(app, self)
        return app

    async def start(self) -> None:
        # Long polls in flight must not hold a stopping sandbox for aiohttp's default minute.
        self._runner = web.AppRunner(self.build_app(), access_log=None, shutdown_timeout=1.0, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        await self.webhooks.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SandboxServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def bot_api_base_url(self) -> str:
        return f"{self.url}/bot"

    @property
    def bot_file_base_url(self) -> str:
        return f"{self.url}/file/bot"

    def record_violation(self, source: str, method: str, detail: str) -> None:
        log.warning("violation by %s in %s: %s", source, method, detail)
        self.violations.append({"source": source, "method": method, "detail": detail})

    def record_refusal(self, bot_id: int | None, method: str, error: ApiError, chat_id: Any = None) -> None:
        log.info("refused %s: %s", method, error)
        self.refusals.append(
            {
                "method": method,
                "error_code": error.status,
                "description": error.description,
                "bot_id": bot_id,
                "chat_id": chat_id,
                "at": time.time(),
            }
        )

    # --- the Bot API -----------------------------------------------------------

    async def _delayed_bot_api(self, request: web.Request) -> web.Response:
        response = await self._bot_api(request)
        if self.answer_delay:
            await asyncio.sleep(self.answer_delay)
        return response

    async def _bot_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        token = request.match_info["token"]
        bot = self.world.bot_by_token(token)
        entry = METHODS.get(method.lower())
        name = entry[0] if entry else method
        raw: dict[str, Any] = {}
        try:
            if bot is None:
                raise UNAUTHORIZED if _well_formed(token) else MALFORMED_TOKEN
            raw, files = await read_raw(request)
            checked = check_request(method, raw, files)
            if self.strict:
                for detail in checked.violations:
                    self.record_violation("bot", method, detail)
            if entry is None:
                # A real Bot API method the sandbox does not model: say so plainly.
                raise bad_request(f"method {method} is not implemented by the sandbox")
            result = await entry[1](Call(self, bot, checked.params, files, checked.formatted))
        except ApiError as error:
            self.record_refusal(bot.id if bot else None, name, error, raw.get("chat_id"))
            return _reply(error.to_json(), status=error.status)
        except Exception:  # the edge: a sandbox bug must not look like a Telegram refusal
            log.exception("sandbox failed in %s", method)
            self.record_violation("sandbox", method, "internal error (see the log)")
            return _reply({"ok": False, "error_code": 500, "description": "Internal Server Error"}, status=500)
        body: dict[str, Any] = {"ok": True}
        if isinstance(result, Described):
            body["result"], body["description"] = result.result, result.description
        else:
            body["result"] = result
        if self.strict:
            for detail in check_result(name, body["result"]):
                self.record_violation("sandbox", name, detail)
        return _reply(body)

    async def _download(self, request: web.Request) -> web.Response:
        bot = self.world.bot_by_token(request.match_info["token"])
        record = self.world.files.by_path(request.match_info["file_path"]) if bot is not None else None
        if record is None:
            error = UNAUTHORIZED if bot is None else NOT_FOUND
            self.record_refusal(bot.id if bot else None, "file download", error)
            return _reply(error.to_json(), status=error.status)
        return web.Response(body=record.data, content_type=record.mime_type)
