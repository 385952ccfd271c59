"""Posts the money webhooks (``outbound_webhooks``) to each store's endpoint, signed, until acknowledged.

A decision that moves money writes its event row in its own transaction
(`domain.services.money_events`); this loop delivers it. Each round claims
a batch under a lease in a short transaction, posts each event with no
transaction open, then marks it in a transaction of its own: a 2xx is
delivered; anything else, or no answer within ``timeout``, is a failed try,
tried again after a doubling, jittered pause, and after a day of failures
parked for an operator (``aftersales webhooks``, ``aftersales webhooks replay``).

Nothing lives only in memory: a dispatcher stopped or killed mid-post
leaves a lease that runs out, and whoever claims the row then posts it
again, with the same ``Idempotency-Key``, so the marketplace pays once.
Events of one request go out in order (`WebhookRepository.claim`), so a
batch holds at most one per request and is posted all at once.

Time comes from the clock (leases, pauses, the signature's timestamp); the
wall clock only paces the loop (``poll_interval``) and the HTTP timeout.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Callable
from datetime import timedelta

import aiohttp
from sqlalchemy.exc import SQLAlchemyError

from domain.clock import Clock
from domain.services.webhook_signing import SIGNATURE_HEADER, sign
from domain.storage.repositories.webhooks import PARKED, ClaimedWebhook
from domain.storage.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0  # seconds for one post, connecting included
# Well above the timeout: a lease must outlast its post, or a second dispatcher would post it meanwhile.
DEFAULT_LEASE = timedelta(minutes=2)


def event_body(payload: dict[str, object]) -> bytes:
    """The bytes posted, and signed: the stored payload as compact UTF-8 JSON."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


class WebhookDispatcher:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        *,
        poll_interval: float = 5.0,
        batch: int = 16,
        max_batches: int = 50,
        timeout: float = DEFAULT_TIMEOUT,
        lease: timedelta = DEFAULT_LEASE,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        if lease.total_seconds() <= 2 * timeout:
            raise ValueError(f"the lease ({lease}) must be well over the post timeout ({timeout} s)")
        self._uow_factory = uow_factory
        self._clock = clock
        self._poll_interval = poll_interval
        self._batch = batch
        self._max_batches = max_batches
        self._timeout = timeout
        self._lease = lease
        self._jitter = jitter
        self._woken = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None

    def wake(self) -> None:
        """Something was committed (maybe a money event): look now, not at the next poll."""
        self._woken.set()

    async def start(self) -> None:
        """Post what is due (also what waited while the bot was down), then every ``poll_interval`` or when woken."""
        self._stopping = False
        self._task = asyncio.get_running_loop().create_task(self._run(), name="webhook-dispatcher")
        self._task.add_done_callback(_log_crash)

    async def stop(self, *, drain_timeout: float = 30.0) -> None:
        """Let the posts under way finish and be marked, then stop; what is not done waits in the table."""
        self._stopping = True
        self._woken.set()
        if self._task is not None:
            done, _ = await asyncio.wait([self._task], timeout=drain_timeout)
            if not done:
                # Cut off mid-post: the lease runs out and the next claim posts it again, same key.
                log.warning("webhook posts did not finish within %s s; stopping anyway", drain_timeout)
                self._task.cancel()
                await asyncio.wait([self._task])
            self._task = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _run(self) -> None:
        while not self._stopping:
            self._woken.clear()
            try:
                await self.dispatch()
            except (SQLAlchemyError, OSError):
                log.exception("webhook dispatch failed; trying again in %.1f s", self._poll_interval)
            if self._stopping:
                break
            try:
                async with asyncio.timeout(self._poll_interval):
                    await self._woken.wait()
            except TimeoutError:
                pass

    async def dispatch(self) -> int:
        """Post every claimable event, batch after batch (the next of a request once the one before is in).

        Returns how many were delivered. A failed event leaves the claimable
        set until its pause is over, so this ends; ``max_batches`` bounds it anyway.
        """
        delivered = 0
        for _ in range(self._max_batches):
            if self._stopping:
                break
            async with self._uow_factory.reading() as uow:
                if not await uow.webhooks.any_claimable(self._clock.now()):
                    break
            async with self._uow_factory() as uow:
                claimed = await uow.webhooks.claim(self._clock.now(), lease=self._lease, limit=self._batch)
                await uow.commit()
            if not claimed:
                break  # another dispatcher took them
            outcomes = await asyncio.gather(*(self._deliver(claim) for claim in claimed))
            delivered += sum(outcomes)
        else:
            log.warning("webhook dispatch stopped after %d batches; the rest goes at the next round", self._max_batches)
        return delivered

    async def _deliver(self, claim: ClaimedWebhook) -> bool:
        error = await self._post(claim)  # no transaction is open while we wait for the marketplace
        now = self._clock.now()
        try:
            async with self._uow_factory() as uow:
                if error is None:
                    await uow.webhooks.mark_delivered(claim, now=now)
                    outcome = None
                else:
                    outcome = await uow.webhooks.mark_failed(claim, error, now=now, jitter=self._jitter())
                await uow.commit()
        except (SQLAlchemyError, OSError):
            # Unmarked, the lease runs out and the event is posted again (same key): never lost.
            log.exception("could not record the post of webhook %s (%s)", claim.id, claim.idempotency_key)
            return False
        if error is None:
            log.info("webhook %s (%s) delivered", claim.id, claim.idempotency_key)
            return True
        if outcome == PARKED:
            log.error(
                "webhook %s (%s) parked after a day of failed posts: %s; `aftersales webhooks replay %s` sends it again",
                claim.id,
                claim.idempotency_key,
                error,
                claim.id,
            )
        elif outcome is not None:
            log.warning(
                "webhook %s (%s) failed (attempt %d): %s", claim.id, claim.idempotency_key, claim.attempts + 1, error
            )
        return False

    async def _post(self, claim: ClaimedWebhook) -> str | None:
        """Post the event; None when the marketplace acknowledged it (2xx), else what went wrong."""
        body = event_body(claim.payload)
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": claim.idempotency_key,
            SIGNATURE_HEADER: sign(claim.secret, int(self._clock.now().timestamp()), body),
        }
        try:
            # A redirect is not an acknowledgement: following it would turn the POST into a GET.
            async with self._client().post(claim.url, data=body, headers=headers, allow_redirects=False) as response:
                if 200 <= response.status < 300:
                    return None
                text = (await response.text(errors="replace")).strip()[:500]
                return f"HTTP {response.status}: {text}" if text else f"HTTP {response.status}"
        except TimeoutError:
            return f"no answer within {self._timeout:g} s"
        except (aiohttp.ClientError, OSError) as error:
            return f"{type(error).__name__}: {error}"

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self._timeout))
        return self._session


def _log_crash(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.critical("%s stopped", task.get_name(), exc_info=task.exception())
