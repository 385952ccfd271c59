"""The money webhooks' table: claimed under a lease, one request's events in order, parked after a day, replayed.

On both databases; two claimers at once are checked on PostgreSQL, where
they really run at the same time. Helpers here are shared with the
dispatcher's tests (tests/pipeline/test_webhooks_delivery.py).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from domain.clock import FakeClock
from domain.errors import InvalidInput
from domain.models import AuditEvent, OutboundWebhook
from domain.services import money_events
from domain.services.money_events import record_money_event
from domain.services.stores import add_store, set_webhook
from domain.storage.repositories.webhooks import (
    FIRST_RETRY_DELAY,
    MAX_RETRY_DELAY,
    PARK_AFTER,
    listed_status,
    retry_delay,
)
from domain.storage.uow import UnitOfWorkFactory

LEASE = timedelta(minutes=2)
SECRET = "whsec_test-secret"


async def make_store(
    uow_factory: UnitOfWorkFactory, clock: FakeClock, *, url: str | None = None, name: str = "Berlin Gadgets"
) -> int:
    """A store, posting to `url` (signed with SECRET) when one is given."""
    async with uow_factory() as uow:
        store = await add_store(uow, clock, name=name, timezone="Europe/Berlin", country="DE")
        if url is not None:
            await set_webhook(uow, clock, store.id, url, SECRET)
        await uow.commit()
        return store.id


async def record(
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    store_id: int,
    event_type: str,
    subject: tuple[str, int],
    *,
    amount_minor: int | None = 1750,
) -> int:
    """One money event, recorded as a decision would; its row id."""
    async with uow_factory() as uow:
        store = await uow.stores.get(store_id)
        row = record_money_event(
            uow,
            event_type=event_type,
            store=store,
            order_number="W-1",
            subject=subject,
            actor="agent:7",
            at=clock.now(),
            amount_minor=amount_minor,
            currency="EUR" if amount_minor is not None else None,
        )
        await uow.flush()
        await uow.commit()
        return row.id


async def claim(uow_factory: UnitOfWorkFactory, clock: FakeClock, limit: int = 16):
    async with uow_factory() as uow:
        claimed = await uow.webhooks.claim(clock.now(), lease=LEASE, limit=limit)
        await uow.commit()
        return claimed


async def mark(uow_factory: UnitOfWorkFactory, clock: FakeClock, claimed, error: str | None = None, jitter=0.0):
    async with uow_factory() as uow:
        if error is None:
            outcome = await uow.webhooks.mark_delivered(claimed, now=clock.now())
        else:
            outcome = await uow.webhooks.mark_failed(claimed, error, now=clock.now(), jitter=jitter)
        await uow.commit()
        return outcome


async def row(uow_factory: UnitOfWorkFactory, webhook_id: int) -> OutboundWebhook:
    async with uow_factory() as uow:
        found = await uow.webhooks.get(webhook_id)
        assert found is not None
        return found


@pytest.fixture
async def store_id(uow_factory, clock) -> int:
    return await make_store(uow_factory, clock, url="https://marketplace.example/hooks")


async def test_a_claimed_event_carries_where_to_post_it_and_its_payload(uow_factory, clock, store_id):
    event_id = await record(uow_factory, clock, store_id, money_events.REFUND_APPROVED, ("request", 12))
    [claimed] = await claim(uow_factory, clock)
    assert (claimed.id, claimed.url, claimed.secret) == (event_id, "https://marketplace.example/hooks", SECRET)
    assert claimed.idempotency_key == "refund.approved:request:12" == claimed.payload["id"]
    assert claimed.payload["amount"] == {"minor": 1750, "currency": "EUR"}
    assert claimed.payload["decided_by"] == {"role": "agent", "user_id": 7}
    assert claimed.lease_until == clock.now() + LEASE


async def test_one_requests_events_are_claimed_in_order_others_alongside(uow_factory, clock, store_id):
    first = await record(uow_factory, clock, store_id, money_events.PARTIAL_REFUND_ACCEPTED, ("request", 1))
    other = await record(uow_factory, clock, store_id, money_events.CANCELLATION_APPROVED, ("cancellation", 4))
    second = await record(uow_factory, clock, store_id, money_events.REFUND_APPROVED, ("request", 1))
    assert [c.id for c in await claim(uow_factory, clock)] == [first, other]  # the second waits for the first
    clock.advance(LEASE + timedelta(seconds=1))
    [first_again, other_again] = await claim(uow_factory, clock)  # leases ran out: nothing was marked
    assert await mark(uow_factory, clock, first_again, "HTTP 500") == "failed"
    assert await mark(uow_factory, clock, other_again) is True
    clock.advance(hours=1)
    assert [c.id for c in await claim(uow_factory, clock)] == [first]  # a failing one still holds its request back
    async with uow_factory() as uow:
        assert {w.id for w in await uow.webhooks.pending(clock.now())} == {first, second}


async def test_the_next_event_of_a_request_goes_once_the_one_before_is_delivered(uow_factory, clock, store_id):
    first = await record(uow_factory, clock, store_id, money_events.PARTIAL_REFUND_ACCEPTED, ("request", 1))
    second = await record(uow_factory, clock, store_id, money_events.REFUND_APPROVED, ("request", 1))
    [claimed] = await claim(uow_factory, clock)
    assert claimed.id == first
    assert await claim(uow_factory, clock) == []
    assert await mark(uow_factory, clock, claimed) is True
    assert [c.id for c in await claim(uow_factory, clock)] == [second]
    delivered = await row(uow_factory, first)
    assert (delivered.status, delivered.delivered_at, delivered.attempts, delivered.lease_until) == (
        "delivered",
        clock.now(),
        1,
        None,
    )


async def test_a_leased_event_is_not_claimed_again_until_its_lease_ends(uow_factory, clock, store_id):
    event_id = await record(uow_factory, clock, store_id, money_events.REFUND_APPROVED, ("request", 1))
    [held] = await claim(uow_factory, clock)
    assert await claim(uow_factory, clock) == []
    clock.advance(LEASE)  # the lease's last instant: still held
    async with uow_factory.reading() as uow:
        assert not await uow.webhooks.any_claimable(clock.now())
    assert await claim(uow_factory, clock) == []
    clock.advance(seconds=1)  # the dispatcher that held it died: someone else takes it
    [taken] = await claim(uow_factory, clock)
    assert taken.id == event_id and taken.lease_until == clock.now() + LEASE
    # The first holder, late, cannot count a failure over the new holder's post.
    assert await mark(uow_factory, clock, held, "HTTP 502") is None
    assert (await row(uow_factory, event_id)).attempts == 0
    assert await mark(uow_factory, clock, taken, "HTTP 503") == "failed"
    # A late 2xx is the truth, though: the marketplace has it.
    assert await mark(uow_factory, clock, held) is True
    assert await mark(uow_factory, clock, taken) is False
    assert (await row(uow_factory, event_id)).status == "delivered"


async def test_a_failed_post_pauses_doubling_and_the_event_is_parked_after_a_day(uow_factory, clock, store_id):
    event_id = await record(uow_factory, clock, store_id, money_events.REFUND_APPROVED, ("request", 1))
    later = await record(uow_factory, clock, store_id, money_events.PARTIAL_REFUND_ACCEPTED, ("request", 1))
    started = clock.now()
    [claimed] = await claim(uow_factory, clock)
    assert await mark(uow_factory, clock, claimed, "HTTP 500: down\nfor maintenance", jitter=0.0) == "failed"
    failed = await row(uow_factory, event_id)
    assert (failed.status, failed.attempts, failed.failing_since, failed.lease_until) == ("pending", 1, started, None)
    assert failed.next_attempt_at == clock.now() + FIRST_RETRY_DELAY / 2  # jitter 0: half the pause
    assert failed.last_error == "HTTP 500: down\nfor maintenance"
    assert listed_status(failed) == "failed"
    assert await claim(uow_factory, clock) == []  # pausing
    attempts = 1
    while clock.now() + MAX_RETRY_DELAY < started + PARK_AFTER:
        clock.advance(MAX_RETRY_DELAY)
        [claimed] = await claim(uow_factory, clock)
        assert await mark(uow_factory, clock, claimed, "HTTP 500", jitter=0.999) == "failed"
        attempts += 1
    clock.set(started + PARK_AFTER)
    [claimed] = await claim(uow_factory, clock)
    assert await mark(uow_factory, clock, claimed, "HTTP 500") == "parked"
    parked = await row(uow_factory, event_id)
    assert (parked.status, parked.parked_at, parked.attempts) == ("parked", clock.now(), attempts + 1)
    assert listed_status(parked) == "parked"
    clock.advance(days=7)
    assert await claim(uow_factory, clock) == []  # neither it nor the request's later event goes out
    async with uow_factory() as uow:
        assert [(w.id, listed_status(w)) for w in await uow.webhooks.undelivered()] == [
            (event_id, "parked"),
            (later, "pending"),
        ]


async def test_a_replayed_event_goes_again_with_the_same_key_and_a_fresh_day(uow_factory, clock, store_id):
    event_id = await record(uow_factory, clock, store_id, money_events.REFUND_APPROVED, ("request", 1))
    clock.advance(PARK_AFTER)
    [claimed] = await claim(uow_factory, clock)
    assert await mark(uow_factory, clock, claimed, "HTTP 500") == "failed"  # its first failure starts the day
    clock.advance(PARK_AFTER)
    [claimed] = await claim(uow_factory, clock)
    assert await mark(uow_factory, clock, claimed, "HTTP 500") == "parked"
    clock.advance(hours=3)
    async with uow_factory() as uow:
        assert await uow.webhooks.replay(event_id, now=clock.now())
        assert not await uow.webhooks.replay(999_999, now=clock.now())
        await uow.commit()
    replayed = await row(uow_factory, event_id)
    assert (replayed.status, replayed.attempts, replayed.parked_at, replayed.next_attempt_at) == (
        "pending",
        0,
        None,
        clock.now(),
    )
    [claimed] = await claim(uow_factory, clock)
    assert claimed.idempotency_key == "refund.approved:request:1"
    assert await mark(uow_factory, clock, claimed, "HTTP 500") == "failed"  # a new day of tries, not parked at once
    clock.advance(hours=1)
    [claimed] = await claim(uow_factory, clock)
    assert await mark(uow_factory, clock, claimed) is True
    # Even a delivered event can be sent again (the marketplace lost it): same key.
    async with uow_factory() as uow:
        assert await uow.webhooks.replay(event_id, now=clock.now())
        await uow.commit()
    assert (await row(uow_factory, event_id)).delivered_at is None
    [claimed] = await claim(uow_factory, clock)
    assert (claimed.id, claimed.idempotency_key) == (event_id, "refund.approved:request:1")


async def test_events_of_a_store_without_an_endpoint_wait_untried_until_one_is_set(uow_factory, clock):
    silent = await make_store(uow_factory, clock)
    posting = await make_store(uow_factory, clock, url="https://marketplace.example/hooks", name="Other Shop")
    waiting = await record(uow_factory, clock, silent, money_events.REFUND_APPROVED, ("request", 1))
    going = await record(uow_factory, clock, posting, money_events.REFUND_APPROVED, ("request", 2))
    [claimed] = await claim(uow_factory, clock)
    assert claimed.id == going
    assert await mark(uow_factory, clock, claimed) is True
    clock.advance(days=3)
    async with uow_factory.reading() as uow:
        assert not await uow.webhooks.any_claimable(clock.now())
    assert await claim(uow_factory, clock) == []
    untried = await row(uow_factory, waiting)
    assert (untried.status, untried.attempts, untried.last_error) == ("pending", 0, None)
    async with uow_factory() as uow:
        await set_webhook(uow, clock, silent, "http://127.0.0.1:8099/aftersales", "whsec_later")
        await uow.commit()
    claimed = {c.id: c for c in await claim(uow_factory, clock)}
    assert claimed[waiting].url == "http://127.0.0.1:8099/aftersales" and claimed[waiting].secret == "whsec_later"


async def test_claimers_racing_never_share_an_event(uow_factory, clock, store_id):
    ids = {await record(uow_factory, clock, store_id, money_events.REFUND_APPROVED, ("request", n)) for n in range(12)}
    batches = await asyncio.gather(*(claim(uow_factory, clock, limit=3) for _ in range(6)))
    taken = [c.id for batch in batches for c in batch]
    assert len(taken) == len(set(taken)) == 12 and set(taken) == ids


async def test_on_postgresql_a_claimer_skips_what_another_holds_uncommitted(uow_factory, clock, store_id):
    if uow_factory.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: the second claim waits for the first to commit")
    ids = [await record(uow_factory, clock, store_id, money_events.REFUND_APPROVED, ("request", n)) for n in range(6)]
    async with uow_factory() as first, uow_factory() as second:
        mine = await first.webhooks.claim(clock.now(), lease=LEASE, limit=3)
        async with asyncio.timeout(10):  # without SKIP LOCKED this would wait for the first's commit
            theirs = await second.webhooks.claim(clock.now(), lease=LEASE, limit=10)
        await second.commit()
        await first.commit()
    assert [c.id for c in mine] == ids[:3]
    assert [c.id for c in theirs] == ids[3:]
    assert await claim(uow_factory, clock) == []


def test_the_pause_doubles_is_jittered_and_is_capped_at_an_hour():
    assert retry_delay(1, 0.0) == FIRST_RETRY_DELAY / 2
    assert retry_delay(1, 0.999) < FIRST_RETRY_DELAY
    assert retry_delay(2, 0.0) == FIRST_RETRY_DELAY
    assert retry_delay(3, 0.0) == 2 * FIRST_RETRY_DELAY
    assert retry_delay(50, 0.0) == MAX_RETRY_DELAY / 2
    assert retry_delay(10_000, 1.0) == MAX_RETRY_DELAY == timedelta(hours=1)


async def test_setting_an_endpoint_checks_the_url_and_keeps_the_secret_out_of_the_audit(uow_factory, clock):
    store_id = await make_store(uow_factory, clock)
    for bad in ("ftp://marketplace.example/x", "https://", "marketplace.example/hooks", "http://:80/x", "https://h:x/"):
        async with uow_factory() as uow:
            with pytest.raises(InvalidInput, match="not an http"):
                await set_webhook(uow, clock, store_id, bad, None)
    async with uow_factory() as uow:
        with pytest.raises(InvalidInput, match="secret"):
            await set_webhook(uow, clock, store_id, "https://marketplace.example/hooks", " spaced ")
    async with uow_factory() as uow:
        store = await set_webhook(uow, clock, store_id, " https://marketplace.example/hooks ", None)
        await uow.commit()
    assert store.webhook_url == "https://marketplace.example/hooks"
    assert store.webhook_secret.startswith("whsec_")
    async with uow_factory() as uow:
        [audit] = (
            await uow.session.scalars(select(AuditEvent).where(AuditEvent.event_type == "store.webhook_set"))
        ).all()
    assert audit.data == {"url": "https://marketplace.example/hooks"}
    assert store.webhook_secret not in str(audit.data)
