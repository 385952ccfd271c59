"""The storage layer itself: migrations match the models, SQLite is set up, types round-trip."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import CheckConstraint, Column, Integer, MetaData, Table, inspect
from sqlalchemy.exc import IntegrityError, OperationalError

from domain.enums import TicketReason, TicketStatus
from domain.models import Base, Order, Ticket
from domain.services.stores import add_store
from domain.storage import engine as engine_module
from domain.storage.engine import create_engine
from domain.storage.migrate import current_revision, head_revision, upgrade


def _diff(connection, metadata):
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, metadata)


async def test_migrated_schema_matches_the_models(engine, database_url) -> None:
    async with engine.connect() as connection:
        assert await connection.run_sync(_diff, Base.metadata) == []
        # The comparison can fail: a table the migration lacks shows up.
        extra = MetaData()
        for table in Base.metadata.tables.values():
            table.to_metadata(extra)
        Table("not_migrated", extra, Column("id", Integer, primary_key=True))
        assert [change[0] for change in await connection.run_sync(_diff, extra)] == ["add_table"]
    assert await current_revision(database_url) == head_revision()


def _check_constraint_names(connection) -> dict[str, set[str]]:
    inspector = inspect(connection)
    return {
        table: {ck["name"] for ck in inspector.get_check_constraints(table)}
        for table in inspector.get_table_names()
        if table != "alembic_version"
    }


async def test_migrated_check_constraints_match_the_models(engine) -> None:
    # compare_metadata does not look at CHECK constraints, so compare their names here.
    expected = {
        table.name: {c.name for c in table.constraints if isinstance(c, CheckConstraint)}
        for table in Base.metadata.tables.values()
    }
    async with engine.connect() as connection:
        assert await connection.run_sync(_check_constraint_names) == expected
    assert expected["offers"] == {"ck_offers_amount_positive"}


async def test_upgrade_is_idempotent(database_url) -> None:
    await upgrade(database_url)
    assert await current_revision(database_url) == head_revision()


async def test_sqlite_pragmas_are_on_for_every_connection(tmp_path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'pragmas.sqlite3'}")
    try:
        # Both held at once, so the pool must hand out two distinct DBAPI connections.
        async with engine.connect() as first, engine.connect() as second:
            for connection in (first, second):
                assert (await connection.exec_driver_sql("PRAGMA journal_mode")).scalar() == "wal"
                assert (await connection.exec_driver_sql("PRAGMA foreign_keys")).scalar() == 1
                # Statements run on the event loop's thread and never wait there; see the test below.
                assert (await connection.exec_driver_sql("PRAGMA busy_timeout")).scalar() == 0
                await connection.rollback()  # every transaction takes the write lock (BEGIN IMMEDIATE)
            raw = [await c.get_raw_connection() for c in (first, second)]
            assert raw[0].driver_connection is not raw[1].driver_connection
    finally:
        await engine.dispose()


async def test_foreign_keys_are_enforced(uow_factory, clock) -> None:
    now = clock.now()
    async with uow_factory() as uow:
        uow.orders.add(
            Order(
                store_id=999,
                external_number="X",
                buyer_name="A",
                currency="EUR",
                status="confirmed",
                shipping_address="x",
                created_at=now,
                updated_at=now,
            )
        )
        with pytest.raises(IntegrityError):
            await uow.flush()


async def test_datetimes_come_back_aware_utc_and_naive_ones_are_refused(uow_factory, world) -> None:
    local = datetime(2026, 3, 2, 10, 30, tzinfo=timezone(timedelta(hours=8)))
    async with uow_factory() as uow:
        ticket = await uow.tickets.get(world.ticket_id)
        ticket.first_response_due_at = local
        await uow.commit()
    async with uow_factory() as uow:
        ticket = await uow.tickets.get(world.ticket_id)
        assert ticket.first_response_due_at == local
        assert ticket.first_response_due_at.utcoffset() == timedelta(0)
        ticket.closed_at = datetime(2026, 3, 2, 10, 30)
        with pytest.raises(Exception, match="naive datetime"):
            await uow.flush()


async def test_ticket_numbers_count_per_store(uow_factory, clock, world) -> None:
    async with uow_factory() as uow:
        other = await add_store(uow, clock, name="Lisbon Lamps", timezone="Europe/Lisbon", country="PT")
        numbers = [await uow.stores.next_ticket_number(world.store_id) for _ in range(2)]
        assert numbers == [2, 3]  # the world's ticket is number 1
        assert await uow.stores.next_ticket_number(other.id) == 1


async def test_two_tickets_of_one_store_cannot_share_a_number(uow_factory, clock, world) -> None:
    async with uow_factory() as uow:
        other_buyer = await uow.users.get_or_create(2002, at=clock.now())
        uow.tickets.add(
            Ticket(
                number=1,
                store_id=world.store_id,
                buyer_id=other_buyer.id,
                order_id=world.order_id,
                reason=TicketReason.CONTACT_SELLER,
                status=TicketStatus.OPEN,
                created_at=clock.now(),
                updated_at=clock.now(),
            )
        )
        with pytest.raises(IntegrityError):
            await uow.flush()


async def test_queue_puts_quality_verification_first_then_age(uow_factory, clock, world) -> None:
    async with uow_factory() as uow:
        later = clock.advance(hours=1)
        normal = uow.tickets.add(
            Ticket(
                number=await uow.stores.next_ticket_number(world.store_id),
                store_id=world.store_id,
                buyer_id=world.buyer_id,
                order_id=world.order_id,
                reason=TicketReason.CONTACT_SELLER,
                status=TicketStatus.OPEN,
                created_at=clock.now() - timedelta(days=1),
                updated_at=later,
            )
        )
        await uow.flush()
        assert [t.id for t in await uow.tickets.queue(world.store_id)] == [world.ticket_id, normal.id]


async def test_an_outbound_webhook_is_queued_once_per_key(uow_factory, clock) -> None:
    async with uow_factory() as uow:
        assert await uow.webhooks.enqueue("refund:1", "refund.approved", {"amount_minor": 100}, at=clock.now())
        assert not await uow.webhooks.enqueue("refund:1", "refund.approved", {"amount_minor": 100}, at=clock.now())
        await uow.commit()
    async with uow_factory() as uow:
        assert [w.idempotency_key for w in await uow.webhooks.pending(clock.now())] == ["refund:1"]


async def test_check_constraints_guard_ratings_and_amounts(uow_factory, world) -> None:
    async with uow_factory() as uow:
        ticket = await uow.tickets.get(world.ticket_id)
        ticket.rating = 6
        with pytest.raises(IntegrityError):
            await uow.flush()
    async with uow_factory() as uow:
        order = await uow.orders.get(world.order_id)
        order.items[0].quantity = 0
        with pytest.raises(IntegrityError):
            await uow.flush()


async def _insert_at_old_revision(url: str, tickets: list[dict]) -> list[int]:
    """A store, an order and the given tickets written as SQL rows: today's models no longer fit an old schema."""
    engine = create_engine(url)
    at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    try:
        async with engine.begin() as connection:
            tables = await connection.run_sync(
                lambda sync: {
                    name: Table(name, MetaData(), autoload_with=sync)
                    for name in ("stores", "users", "orders", "tickets")
                }
            )
            await connection.execute(
                tables["stores"].insert(),
                [
                    dict(
                        id=1,
                        name="Shop",
                        timezone="UTC",
                        country="DE",
                        default_currency="EUR",
                        first_response_hours=24,
                        seller_answer_days=2,
                        buyer_offer_hours=24,
                        reshipment_working_days=2,
                        auto_close_days=7,
                        strike_threshold=3,
                        created_at=at,
                    )
                ],
            )
            buyers = sorted({row["buyer_id"] for row in tickets})
            await connection.execute(
                tables["users"].insert(),
                [
                    dict(
                        id=buyer,
                        telegram_id=1000 + buyer,
                        language="en",
                        role="buyer",
                        blocked_bot=False,
                        ticket_seq=9,
                        created_at=at,
                    )
                    for buyer in buyers
                ],
            )
            await connection.execute(
                tables["orders"].insert(),
                [
                    dict(
                        id=1,
                        store_id=1,
                        external_number="A-1",
                        buyer_name="Ann",
                        currency="EUR",
                        status="delivered",
                        shipping_address="Main St 1",
                        international=False,
                        created_at=at,
                        updated_at=at,
                    )
                ],
            )
            for row in tickets:
                result = await connection.execute(
                    tables["tickets"].insert().returning(tables["tickets"].c.id),
                    [
                        dict(
                            store_id=1,
                            order_id=1,
                            status="open",
                            priority=50,
                            opened_by="agent",
                            created_at=at,
                            updated_at=at,
                            **row,
                        )
                    ],
                )
                row["id"] = result.scalar_one()
    finally:
        await engine.dispose()
    return [row["id"] for row in tickets]


async def test_upgrading_closes_twin_open_tickets_before_guarding_against_them(fresh_database_url) -> None:
    """Before 0004 two racing requests could open twin tickets; the upgrade must not fail on them."""
    from domain.storage.uow import UnitOfWorkFactory

    await upgrade(fresh_database_url, "0003")
    ids = await _insert_at_old_revision(
        fresh_database_url, [dict(number=number, buyer_id=1, reason="contact_seller") for number in (1, 2)]
    )
    await upgrade(fresh_database_url)
    engine = create_engine(fresh_database_url)
    try:
        async with UnitOfWorkFactory(engine)() as uow:
            statuses = [(await uow.tickets.get(ticket_id)).status for ticket_id in ids]
    finally:
        await engine.dispose()
    assert statuses == [TicketStatus.CLOSED, TicketStatus.OPEN]


async def test_upgrading_numbers_each_stores_tickets_once_by_age(fresh_database_url, clock) -> None:
    """Before 0006 two buyers' first tickets at one store were both #1; after it they are #1 and #2, the next #3."""
    from domain.storage.uow import UnitOfWorkFactory

    await upgrade(fresh_database_url, "0005")
    ids = await _insert_at_old_revision(
        fresh_database_url,
        [
            dict(number=1, buyer_id=1, reason="contact_seller"),
            dict(number=1, buyer_id=2, reason="contact_seller"),
            dict(number=2, buyer_id=1, reason="order_status"),
        ],
    )
    await upgrade(fresh_database_url)
    engine = create_engine(fresh_database_url)
    try:
        async with UnitOfWorkFactory(engine)() as uow:
            numbers = [(await uow.tickets.get(ticket_id)).number for ticket_id in ids]
            following = await uow.stores.next_ticket_number(1)
    finally:
        await engine.dispose()
    assert numbers == [1, 2, 3]
    assert following == 4


async def test_a_statement_that_meets_another_writers_lock_waits_for_it_off_the_event_loop(tmp_path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'locked.sqlite3'}")
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    async def second_writer() -> None:
        async with engine.connect() as second:
            await second.exec_driver_sql("INSERT INTO t VALUES (2)")  # its BEGIN IMMEDIATE meets the lock
            await second.exec_driver_sql("INSERT INTO t VALUES (3)")
            await second.commit()

    try:
        async with engine.begin() as connection:
            await connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        async with engine.connect() as holder:
            await holder.exec_driver_sql("INSERT INTO t VALUES (1)")  # holds the write lock until its commit
            ticker = asyncio.create_task(tick())
            waiting = asyncio.create_task(second_writer())
            await asyncio.sleep(0.5)
            assert not waiting.done()  # neither failed ("database is locked") nor went ahead
            assert ticks >= 20  # the event loop ran on meanwhile
            await holder.commit()
            await asyncio.wait_for(waiting, 5)
            ticker.cancel()
        async with engine.connect() as connection:
            rows = (await connection.exec_driver_sql("SELECT x FROM t ORDER BY x")).scalars().all()
        assert rows == [1, 2, 3]
        # The waiting connection is back to never waiting on the loop's thread.
        async with engine.connect() as connection:
            assert (await connection.exec_driver_sql("PRAGMA busy_timeout")).scalar() == 0
    finally:
        await engine.dispose()


async def test_a_write_lock_held_past_the_busy_timeout_fails_the_statement(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(engine_module, "SQLITE_BUSY_TIMEOUT_MS", 200)
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'stuck.sqlite3'}")
    try:
        async with engine.begin() as connection:
            await connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        async with engine.connect() as holder:
            await holder.exec_driver_sql("INSERT INTO t VALUES (1)")
            async with engine.connect() as second:
                with pytest.raises(OperationalError, match="locked"):
                    await second.exec_driver_sql("INSERT INTO t VALUES (2)")
                await second.rollback()
                await holder.commit()
                await second.exec_driver_sql("INSERT INTO t VALUES (2)")  # no half-open transaction left behind
                await second.commit()
        async with engine.connect() as connection:
            assert (await connection.exec_driver_sql("SELECT count(*) FROM t")).scalar() == 2
    finally:
        await engine.dispose()


async def test_the_bots_message_an_agent_replies_to_is_found_by_index_not_by_scanning_the_outbox(engine) -> None:
    # Every agent's reply is looked up by (chat, message id); a scan costs ~1 ms per message at bench sizes.
    async with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            plan = await connection.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT on_result_args FROM outbox_messages WHERE chat_id = 5 AND telegram_message_id = 7"
            )
            steps = " ".join(str(row[-1]) for row in plan)
            assert "SEARCH outbox_messages USING INDEX ix_outbox_messages_sent_message" in steps, steps
        else:
            await connection.exec_driver_sql("SET enable_seqscan = off")  # an empty table: show what it can use
            plan = await connection.exec_driver_sql(
                "EXPLAIN SELECT on_result_args FROM outbox_messages WHERE chat_id = 5 AND telegram_message_id = 7"
            )
            steps = " ".join(str(row[0]) for row in plan)
            assert "ix_outbox_messages_sent_message" in steps, steps


async def test_upgrading_keeps_a_buyer_who_pressed_correct_it_waiting_for_their_address(fresh_database_url) -> None:
    """0015 moved "this buyer's next text is the address" onto the user: an event waiting then still waits."""
    from domain.services.order_events import awaiting_address
    from domain.storage.uow import UnitOfWorkFactory

    await upgrade(fresh_database_url, "0014")
    at = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    tables = Base.metadata.tables  # today's tables, for the columns 0014 has already (Python defaults apply)
    engine = create_engine(fresh_database_url)
    try:
        async with engine.begin() as connection:
            store = (
                await connection.execute(
                    tables["stores"].insert().returning(tables["stores"].c.id),
                    dict(name="Shop", timezone="UTC", country="DE", default_currency="EUR", created_at=at),
                )
            ).scalar_one()
            order = (
                await connection.execute(
                    tables["orders"].insert().returning(tables["orders"].c.id),
                    dict(store_id=store, external_number="A-1", buyer_name="Ann", currency="EUR",
                         status="confirmed", shipping_address="Main St 1", created_at=at, updated_at=at),
                )
            ).scalar_one()  # fmt: skip
            for telegram_id in (1001, 1002):
                user = (
                    await connection.execute(
                        tables["users"].insert().returning(tables["users"].c.id),
                        dict(telegram_id=telegram_id, created_at=at),
                    )
                ).scalar_one()
                if telegram_id == 1001:
                    await connection.execute(
                        tables["order_bindings"].insert(),
                        dict(user_id=user, order_id=order, source="demo", bound_at=at),
                    )
            for key, data in (
                ("waiting", {"correcting": True}),
                ("answered", {"correcting": True, "choice": "confirm"}),
            ):
                await connection.execute(
                    tables["order_events"].insert(),
                    dict(order_id=order, kind="incorrect_address", idempotency_key=key, data=data, received_at=at),
                )
    finally:
        await engine.dispose()
    await upgrade(fresh_database_url)
    engine = create_engine(fresh_database_url)
    try:
        async with UnitOfWorkFactory(engine)() as uow:
            waiting = await awaiting_address(uow, 1001)
            unbound = await awaiting_address(uow, 1002)
    finally:
        await engine.dispose()
    assert waiting is not None and waiting.idempotency_key == "waiting"
    assert unbound is None
