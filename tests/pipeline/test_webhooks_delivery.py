"""Money webhooks posted to a real HTTP receiver: signed, once per key, in order per request, across restarts.

The marketplace here is an aiohttp server on a free port that checks every
signature with the store's secret, refuses the first tries it is told to
(500), locks the event's row while it is posted (so a post made inside a
transaction shows) and records what it acknowledged. The dispatcher's time is the test's
FakeClock (leases, pauses, the signature's timestamp); only the HTTP round
trips take real time.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta

import pytest
from aiohttp import web
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from bot.pipeline.webhooks import WebhookDispatcher
from domain.clock import FakeClock
from domain.models import OutboundWebhook
from domain.services import money_events
from domain.services.webhook_signing import SIGNATURE_HEADER, verify
from domain.storage.repositories.webhooks import MAX_RETRY_DELAY
from domain.storage.uow import UnitOfWorkFactory
from tests.domain.test_webhook_queue import SECRET, make_store, record
from tests.pipeline.conftest import eventually


class Marketplace:
    """The receiving end: verifies, refuses on demand, records (Idempotency-Key, body) of what it acknowledged."""

    def __init__(self, now: Callable[[], datetime], uow_factory: UnitOfWorkFactory) -> None:
        self.now = now  # the dispatcher's clock, which signs
        self.uow_factory = uow_factory
        self.refuse = 0  # the next this many well-signed posts get a 500
        self.hold: asyncio.Event | None = None  # when set, a post waits for it before answering
        self.arrived = asyncio.Event()
        self.tries: list[str] = []
        self.accepted: list[tuple[str, bytes]] = []
        self.bad: list[str] = []  # what was wrong with a post, if anything
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        key = request.headers.get("Idempotency-Key", "")
        self.tries.append(key)
        self.arrived.set()
        if request.content_type != "application/json":
            self.bad.append(f"content type {request.content_type}")
        if not verify(SECRET, request.headers.get(SIGNATURE_HEADER, ""), body, now=self.now()):
            self.bad.append(f"signature of {key}")
            return web.json_response({"error": "bad signature"}, status=400)
        if json.loads(body)["id"] != key:
            self.bad.append(f"key {key} is not the body's id")
        if not await self._database_is_free(key):
            self.bad.append(f"{key} was posted inside a transaction")
        if self.hold is not None:
            await self.hold.wait()
        if self.refuse > 0:
            self.refuse -= 1
            return web.Response(status=500, text="busy, try later")
        self.accepted.append((key, body))
        return web.json_response({"received": key})

    async def _database_is_free(self, key: str) -> bool:
        """Whether the event's row can be locked now: not if the poster held a transaction open (or SQLite's lock)."""
        try:
            async with asyncio.timeout(2), self.uow_factory() as uow:
                query = select(OutboundWebhook.id).where(OutboundWebhook.idempotency_key == key)
                await uow.session.execute(query.with_for_update(nowait=True))
        except (TimeoutError, DBAPIError):
            return False
        return True

    def accepted_keys(self) -> list[str]:
        return [key for key, _ in self.accepted]


@pytest.fixture
async def marketplace(clock: FakeClock, uow_factory: UnitOfWorkFactory) -> AsyncIterator[Marketplace]:
    receiver = Marketplace(clock.now, uow_factory)
    app = web.Application()
    app.router.add_post("/hooks", receiver.handle)
    app.router.add_post("/moved", _moved)
    app.router.add_post("/slow", _slow)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    receiver.url = f"http://{host}:{port}/hooks"
    try:
        yield receiver
    finally:
        await runner.cleanup()


@pytest.fixture
async def store_id(uow_factory, clock, marketplace) -> int:
    return await make_store(uow_factory, clock, url=marketplace.url)


def dispatcher(uow_factory, clock, **options) -> WebhookDispatcher:
    options.setdefault("poll_interval", 0.05)
    options.setdefault("jitter", lambda: 0.0)
    return WebhookDispatcher(uow_factory, clock, **options)


async def rows(uow_factory) -> list[OutboundWebhook]:
    async with uow_factory() as uow:
        return list((await uow.session.scalars(select(OutboundWebhook).order_by(OutboundWebhook.id))).all())


async def record_decisions(uow_factory, clock, store_id) -> dict[str, list[str]]:
    """Two requests with several money events each and a cancellation; the keys per sequence, in order."""
    events = [
        (money_events.PARTIAL_REFUND_ACCEPTED, ("request", 1)),
        (money_events.REQUEST_AUTO_APPROVED, ("request", 2)),
        (money_events.COUNTER_OFFER_ACCEPTED, ("request", 1)),
        (money_events.CANCELLATION_APPROVED, ("cancellation", 5)),
        (money_events.REFUND_APPROVED, ("request", 1)),
        (money_events.EXCHANGE_APPROVED, ("request", 2)),
    ]
    sequences: dict[str, list[str]] = {}
    for event_type, subject in events:
        await record(uow_factory, clock, store_id, event_type, subject)
        sequences.setdefault(f"{subject[0]}:{subject[1]}", []).append(f"{event_type}:{subject[0]}:{subject[1]}")
    return sequences


def assert_once_in_order(marketplace: Marketplace, sequences: dict[str, list[str]]) -> None:
    keys = marketplace.accepted_keys()
    assert sorted(keys) == sorted(key for keys_ in sequences.values() for key in keys_)  # each once, none twice
    for sequence, expected in sequences.items():
        assert [key for key in keys if key.endswith(f":{sequence}")] == expected, sequence
    assert marketplace.bad == []


async def test_each_event_arrives_once_signed_in_order_per_request_through_refusals(
    uow_factory, clock, store_id, marketplace
):
    sequences = await record_decisions(uow_factory, clock, store_id)
    marketplace.refuse = 4
    sender = dispatcher(uow_factory, clock)
    try:
        delivered = await sender.dispatch()
        while delivered < 6:
            clock.advance(MAX_RETRY_DELAY)  # every pause is over
            delivered += await sender.dispatch()
    finally:
        await sender.stop()
    assert delivered == 6
    assert_once_in_order(marketplace, sequences)
    assert len(marketplace.tries) == 6 + 4
    stored = await rows(uow_factory)
    assert {row.status for row in stored} == {"delivered"}
    assert sum(row.attempts for row in stored) == 10
    # The bytes posted are the stored payload, nothing added or lost.
    by_key = dict(marketplace.accepted)
    assert all(json.loads(by_key[row.idempotency_key]) == row.payload for row in stored)


async def test_a_restart_in_the_middle_of_the_retries_still_delivers_each_once(
    uow_factory, clock, store_id, marketplace
):
    sequences = await record_decisions(uow_factory, clock, store_id)
    marketplace.refuse = 10**6  # the marketplace is down
    first = dispatcher(uow_factory, clock)
    await first.start()
    try:

        async def tried_each_request() -> bool:
            return len(marketplace.tries) >= 3  # the first event of each of the three

        await eventually(tried_each_request, what="the first tries")
    finally:
        await first.stop()
    assert marketplace.accepted == []
    tried = len(marketplace.tries)
    assert {row.status for row in await rows(uow_factory)} == {"pending"}
    assert any(row.attempts for row in await rows(uow_factory))

    marketplace.refuse = 2  # back, nearly
    second = dispatcher(uow_factory, clock)
    await second.start()
    try:

        async def all_delivered() -> bool:
            clock.advance(minutes=5)  # pauses end, yet a day of failures (parking) is far
            second.wake()
            return {row.status for row in await rows(uow_factory)} == {"delivered"}

        await eventually(all_delivered, what="every event delivered after the restart")
    finally:
        await second.stop()
    assert len(marketplace.tries) > tried
    assert_once_in_order(marketplace, sequences)


async def test_stop_lets_a_post_under_way_finish_and_be_marked(uow_factory, clock, store_id, marketplace):
    event_id = await record(uow_factory, clock, store_id, money_events.REFUND_APPROVED, ("request", 1))
    marketplace.hold = asyncio.Event()
    sender = dispatcher(uow_factory, clock)
    await sender.start()
    await asyncio.wait_for(marketplace.arrived.wait(), 10)
    stopping = asyncio.create_task(sender.stop())
    await asyncio.sleep(0.1)
    assert not stopping.done()  # waiting for the marketplace's answer
    marketplace.hold.set()
    await asyncio.wait_for(stopping, 10)
    [stored] = await rows(uow_factory)
    assert (stored.id, stored.status) == (event_id, "delivered")
    assert marketplace.accepted_keys() == ["refund.approved:request:1"]


async def test_a_dead_dispatchers_lease_runs_out_and_another_posts_the_event(uow_factory, clock, store_id, marketplace):
    await record(uow_factory, clock, store_id, money_events.REFUND_APPROVED, ("request", 1))
    async with uow_factory() as uow:  # claimed by a dispatcher that then died mid-post
        [claimed] = await uow.webhooks.claim(clock.now(), lease=timedelta(minutes=2), limit=5)
        await uow.commit()
    survivor = dispatcher(uow_factory, clock)
    try:
        assert await survivor.dispatch() == 0 and marketplace.tries == []
        clock.advance(minutes=2, seconds=1)
        assert await survivor.dispatch() == 1
    finally:
        await survivor.stop()
    assert marketplace.accepted_keys() == [claimed.idempotency_key]


async def test_an_unreachable_slow_or_redirecting_endpoint_is_a_failed_try(uow_factory, clock, marketplace):
    async def tried(url: str, name: str, **options) -> OutboundWebhook:
        store = await make_store(uow_factory, clock, url=url, name=name)
        event_id = await record(uow_factory, clock, store, money_events.REFUND_APPROVED, ("request", store))
        sender = dispatcher(uow_factory, clock, **options)
        try:
            assert await sender.dispatch() == 0
        finally:
            await sender.stop()
        async with uow_factory() as uow:
            return await uow.webhooks.get(event_id)

    closed = await tried("http://127.0.0.1:9/hooks", "Closed Port")  # the discard port: nobody listens
    assert (closed.status, closed.attempts) == ("pending", 1)
    assert closed.last_error.startswith("ClientConnectorError")
    slow = await tried(marketplace.url.replace("/hooks", "/slow"), "Slow Shop", timeout=0.2)
    assert (slow.attempts, slow.last_error) == (1, "no answer within 0.2 s")
    moved = await tried(marketplace.url.replace("/hooks", "/moved"), "Moved Shop")
    assert moved.attempts == 1 and moved.last_error.startswith("HTTP 302")
    assert marketplace.accepted == []


async def test_the_running_pipeline_posts_money_events(bot_factory, uow_factory, clock, store_id, marketplace):
    """`aftersales run` dispatches: the update pipeline starts and stops the dispatcher with the rest."""
    sequences = await record_decisions(uow_factory, clock, store_id)
    bot = bot_factory(money_webhook_interval=0.05)
    marketplace.now = lambda: bot.application.deps.clock.now()
    await bot.start()
    try:

        async def all_delivered() -> bool:
            return {row.status for row in await rows(uow_factory)} == {"delivered"}

        await eventually(all_delivered, what="the pipeline posting every event")
    finally:
        await bot.stop()
    assert_once_in_order(marketplace, sequences)


async def _moved(request: web.Request) -> web.Response:
    raise web.HTTPFound("/hooks")


async def _slow(request: web.Request) -> web.Response:
    await asyncio.sleep(1)
    return web.Response(status=500)
