"""The cheap paths under the update pipeline keep the guarantees of the slow ones.

SQLite's driver makes one trip to its thread per statement and sends the
BEGIN IMMEDIATE with the first statement (``domain.storage.engine``); readers
take no write lock; the inbox stores a batch in one statement and hands the
runner what it stored; the sender marks rows sent in batches.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from bot.pipeline.inbox import store_updates
from domain.clock import SystemClock
from domain.models import OutboxMessage
from domain.storage.engine import create_engine
from domain.storage.migrate import upgrade
from domain.storage.repositories.pipeline import PENDING, InboxRepository, OutboxSendingRepository
from domain.storage.uow import UnitOfWorkFactory


def text_update(update_id: int, text_: str) -> dict:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 0,
            "chat": {"id": 5, "type": "private"},
            "from": {"id": 5, "is_bot": False, "first_name": "A"},
            "text": text_,
        },
    }


@pytest.fixture
async def sqlite_file(tmp_path: Path):
    path = tmp_path / "fast.sqlite3"
    url = f"sqlite+aiosqlite:///{path}"
    await upgrade(url)
    engine = create_engine(url)
    try:
        yield path, UnitOfWorkFactory(engine)
    finally:
        await engine.dispose()


def write_locked(path: Path) -> bool:
    """Whether some connection holds SQLite's write lock (asked without waiting)."""
    probe = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as error:
        assert "locked" in str(error)
        return True
    finally:
        probe.close()


async def test_a_unit_of_work_holds_the_write_lock_from_its_first_statement(sqlite_file):
    path, uow_factory = sqlite_file
    async with uow_factory() as uow:
        await uow.session.connection()  # begun, nothing run yet: the BEGIN waits for the first statement
        assert not write_locked(path)
        assert await uow.session.scalar(text("SELECT count(*) FROM inbox_updates")) == 0
        assert write_locked(path)  # BEGIN IMMEDIATE: even a first read took the lock
        await uow.commit()
    assert not write_locked(path)
    async with uow_factory() as uow:
        await uow.session.connection()
        await uow.commit()  # nothing ran: nothing to commit, and no lock was ever taken
    assert not write_locked(path)


async def test_a_reader_takes_no_write_lock_and_reads_what_is_committed(sqlite_file):
    path, uow_factory = sqlite_file
    async with uow_factory() as writer:
        await store_one(writer, 1)
        async with uow_factory.reading() as reader:
            # The writer holds the lock; the reader neither waits nor sees the uncommitted row.
            assert await InboxRepository(reader.session).pending_keys() == []
        assert write_locked(path)
        await writer.commit()
    async with uow_factory.reading() as reader:
        assert [row[0] for row in await InboxRepository(reader.session).pending_keys()] == [1]
        assert not write_locked(path)


async def store_one(uow, update_id: int) -> None:
    stored = await InboxRepository(uow.session).store_many(
        [
            {
                "update_id": update_id,
                "payload": text_update(update_id, "x"),
                "conversation_key": "5:5",
                "status": PENDING,
                "last_error": None,
            }
        ],
        at=SystemClock().now(),
    )
    assert stored == {update_id}


async def test_statements_report_rows_counts_and_ids_and_a_failure_leaves_the_connection_usable(sqlite_file):
    _, uow_factory = sqlite_file
    async with uow_factory() as uow:
        await store_one(uow, 1)
        await store_one(uow, 2)
        assert await InboxRepository(uow.session).mark_done(1, at=SystemClock().now())
        assert not await InboxRepository(uow.session).mark_done(1, at=SystemClock().now())  # rowcount 0
        await uow.commit()
    async with uow_factory() as uow:
        with pytest.raises(IntegrityError):
            await uow.session.execute(
                text(
                    "INSERT INTO inbox_updates (update_id, payload, conversation_key, status, attempts, received_at) "
                    "VALUES (2, '{}', 'k', 'pending', 0, '2026-01-01')"
                )
            )
        await uow.rollback()
        rows = (await uow.session.execute(text("SELECT update_id, status FROM inbox_updates ORDER BY update_id"))).all()
        assert [tuple(row) for row in rows] == [(1, "done"), (2, "pending")]


async def test_the_inbox_offers_what_it_stores_with_the_stored_received_at(uow_factory):
    offered: dict = {}
    clock = SystemClock()
    batch = [
        text_update(1, "one"),
        text_update(2, "two"),
        text_update(1, "one"),
        {"update_id": 3, "message": {"chat": {"id": "x"}}},
    ]
    assert await store_updates(uow_factory, clock, batch, offer=offered.update) == 3
    # Only what the runner is to handle: the malformed update is parked, and a repeat is stored once.
    assert sorted(offered) == [1, 2]
    async with uow_factory.reading() as uow:
        pending = {row[0]: row for row in await InboxRepository(uow.session).pending_keys()}
        payloads = await InboxRepository(uow.session).payloads([1, 2])
    for update_id in (1, 2):
        received_at, payload = offered[update_id]
        assert pending[update_id][3] == received_at  # how the runner tells a reused update id apart
        assert payloads[update_id] == payload
    offered.clear()
    assert await store_updates(uow_factory, clock, [text_update(2, "two")], offer=offered.update) == 0
    assert offered == {}  # a redelivery is neither stored nor offered


async def test_marking_several_rows_sent_at_once_skips_rows_already_marked(uow_factory):
    now = datetime(2026, 11, 22, 12, tzinfo=UTC)
    async with uow_factory() as uow:
        rows = [
            OutboxMessage(
                chat_id=5,
                method="sendMessage",
                payload={"chat_id": 5, "text": str(n)},
                created_at=now,
                next_attempt_at=now,
                attempts=0,
            )
            for n in range(3)
        ]
        uow.session.add_all(rows)
        await uow.flush()
        ids = [row.id for row in rows]
        await uow.commit()
    async with uow_factory() as uow:
        assert await OutboxSendingRepository(uow.session).mark_sent(ids[0], telegram_message_id=10, at=now)
        await uow.commit()
    async with uow_factory() as uow:
        await OutboxSendingRepository(uow.session).mark_many_sent([(ids[0], 99), (ids[1], 11), (ids[2], None)], at=now)
        await uow.commit()
    async with uow_factory.reading() as uow:
        query = text("SELECT id, telegram_message_id, attempts, sent_at FROM outbox_messages")
        stored = {
            row.id: (row.telegram_message_id, row.attempts, row.sent_at is not None)
            for row in (await uow.session.execute(query)).all()
        }
    # The row marked before keeps its message id: a second mark never overwrites the first.
    assert stored == {ids[0]: (10, 1, True), ids[1]: (11, 1, True), ids[2]: (None, 1, True)}


@pytest.fixture
async def impatient_table(tmp_path: Path, monkeypatch):
    """A SQLite file with one table `t` whose connections give up on a busy lock after 50 ms."""
    import domain.storage.engine as engine_module

    monkeypatch.setattr(engine_module, "SQLITE_BUSY_TIMEOUT_MS", 50)
    path = tmp_path / "impatient.sqlite3"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    factory = UnitOfWorkFactory(engine)
    try:
        async with factory() as uow:
            await uow.session.execute(text("CREATE TABLE t (x INTEGER)"))
            await uow.commit()
        yield path, factory
    finally:
        await engine.dispose()


async def test_a_failed_begin_never_lets_the_rest_of_the_transaction_commit_piecemeal(impatient_table):
    """The BEGIN travels with the first statement; when it cannot get the lock, the next statement
    must begin again, not run in autocommit (a later rollback would then undo nothing)."""
    from sqlalchemy.exc import OperationalError

    path, factory = impatient_table
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    async with factory() as uow:
        with pytest.raises(OperationalError, match="locked"):
            await uow.session.execute(text("INSERT INTO t VALUES (1)"))
        blocker.execute("ROLLBACK")
        await uow.session.execute(text("INSERT INTO t VALUES (2)"))
        await uow.session.execute(text("INSERT INTO t VALUES (3)"))
        await uow.rollback()
    assert sqlite3.connect(path).execute("SELECT x FROM t").fetchall() == []


async def test_rows_a_result_hook_queues_go_out_without_waiting_for_the_next_poll(uow_factory):
    """A new topic's hook queues its header card: the card must not wait a poll interval."""
    import asyncio
    import time

    from bot.pipeline.outbox import Outbox
    from bot.pipeline.sender import OutboxSender

    sent: list[tuple[float, str]] = []

    class TelegramStandIn:
        async def do_api_request(self, method, api_kwargs):
            sent.append((time.monotonic(), api_kwargs["text"]))
            return {"message_id": len(sent)}

    clock = SystemClock()

    async def hook(uow, row, result):
        await Outbox(uow, clock).send_message(row.chat_id, "follow-up from the hook")

    sender = OutboxSender(
        TelegramStandIn(), uow_factory, clock, max_in_flight=4, result_hooks={"h": hook}, poll_interval=30
    )
    async with uow_factory() as uow:
        await Outbox(uow, clock).call("sendMessage", {"chat_id": 1, "text": "first"}, on_result="h")
        await uow.commit()
    started = time.monotonic()
    task = asyncio.create_task(sender.run())
    try:
        for _ in range(100):
            if len(sent) == 2:
                break
            await asyncio.sleep(0.02)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert [text_ for _, text_ in sent] == ["first", "follow-up from the hook"]
    assert sent[1][0] - started < 2  # not the 30 s poll


async def test_a_row_another_process_committed_goes_out_at_the_next_poll(sqlite_file):
    """Offered rows spare the sender its reads; a row nobody offers (the command line, another
    process) must still be found by the interval's look."""
    import asyncio

    from bot.pipeline.outbox import Outbox
    from bot.pipeline.sender import OutboxSender

    _, uow_factory = sqlite_file
    clock = SystemClock()
    sent: list[str] = []

    class TelegramStandIn:
        async def do_api_request(self, method, api_kwargs):
            sent.append(api_kwargs["text"])
            return {"message_id": len(sent)}

    async def wait_for(count: int) -> None:
        for _ in range(150):
            if len(sent) >= count:
                return
            await asyncio.sleep(0.02)

    sender = OutboxSender(TelegramStandIn(), uow_factory, clock, max_in_flight=4, poll_interval=0.3)
    task = asyncio.create_task(sender.run())
    try:
        async with uow_factory() as uow:
            await Outbox(uow, clock).send_message(1, "offered")
            await uow.commit()
        sender.offer(uow.outbox_rows)
        await wait_for(1)
        async with uow_factory() as uow:  # as `aftersales orders event` does in its own process
            await Outbox(uow, clock).send_message(2, "told by no one")
            await uow.commit()
        await wait_for(2)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert sent == ["offered", "told by no one"]


async def test_many_writers_at_once_all_get_their_turn(impatient_table):
    """SQLite's busy handler is not fair; the write gate queues this process's writers in order,
    so none of them runs out of its busy timeout however many wait (seen: 16 updates at once)."""
    import asyncio

    path, factory = impatient_table

    async def writer(n: int) -> None:
        async with factory() as uow:
            for step in range(5):
                await uow.session.execute(text("INSERT INTO t VALUES (:x)"), {"x": n * 10 + step})
                await asyncio.sleep(0.005)  # a handler's other awaits while it holds the lock
            await uow.commit()

    await asyncio.gather(*(writer(n) for n in range(40)))
    assert sqlite3.connect(path).execute("SELECT count(*) FROM t").fetchone() == (200,)
