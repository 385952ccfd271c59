"""Delivering a bot's updates to its webhook, one at a time and in order, as Telegram does.

A non-2xx answer or an unreachable receiver keeps the update queued; it is
retried with a doubling delay and the failure shows in getWebhookInfo.
"""

from __future__ import annotations

import asyncio
import logging
import time

import aiohttp

from sandbox.world import Bot

log = logging.getLogger(__name__)


class WebhookDelivery:
    def __init__(self, initial_delay: float = 1.0, max_delay: float = 60.0, request_timeout: float = 10.0) -> None:
        # telegram-bot-api doubles its resend delay per failure up to a minute or so; tests shorten it.
        self.initial_delay = initial_delay
        self.max_delay = max_delay
        self.request_timeout = request_timeout
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._session: aiohttp.ClientSession | None = None

    def restart(self, bot: Bot) -> None:
        self.stop(bot)
        self._tasks[bot.id] = asyncio.create_task(self._deliver(bot), name=f"webhook-{bot.id}")

    def stop(self, bot: Bot) -> None:
        task = self._tasks.pop(bot.id, None)
        if task is not None:
            task.cancel()

    async def close(self) -> None:
        tasks = list(self._tasks.values())
        self._tasks.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.request_timeout))
        return self._session

    async def _deliver(self, bot: Bot) -> None:
        queue = bot.updates
        hook = queue.webhook
        delay = self.initial_delay
        while True:
            await queue.wait_for_pending()
            update = queue.pending[0]
            error = await self._post(hook.url, hook.secret_token, update)
            if error is None:
                # The queue may have been dropped meanwhile (deleteWebhook with drop_pending_updates).
                if queue.pending and queue.pending[0] is update:
                    queue.pending.pop(0)
                delay = self.initial_delay
                continue
            hook.last_error_date = int(time.time())
            hook.last_error_message = error
            log.info("webhook of bot %s failed: %s; retry in %.1fs", bot.id, error, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.max_delay)

    async def _post(self, url: str, secret: str, update: dict) -> str | None:
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
        try:
            async with self._client().post(url, json=update, headers=headers) as response:
                await response.read()
                if 200 <= response.status <= 299:
                    return None
                # telegram-bot-api's wording in getWebhookInfo.last_error_message.
                return f"Wrong response from the webhook: {response.status} {response.reason}"
        except (TimeoutError, aiohttp.ClientError, OSError) as error:
            # Unconfirmed wording: Telegram reports connection failures in its own words.
            return f"Connection failed: {error.__class__.__name__}"
