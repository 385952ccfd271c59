"""The async engine for SQLite (embedded, one process) or PostgreSQL (asyncpg)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from functools import partial
from typing import Any

import aiosqlite
from sqlalchemy import event
from sqlalchemy.dialects.sqlite.aiosqlite import AsyncAdapt_aiosqlite_connection
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.util.concurrency import await_

SQLITE_BUSY_TIMEOUT_MS = 5000
# Execution option of connections that only read (``UnitOfWorkFactory.reading``).
READ_ONLY = "aftersales_read_only"
# Every task that holds a unit of work holds a connection (runner, sender,
# poller, timers...). With SQLAlchemy's default of 5 the rest overflow, and an
# overflow connection is closed on return: a new thread and PRAGMAs per
# transaction under load. A SQLite connection is cheap to keep.
SQLITE_POOL_SIZE = 32


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, *, sqlite_foreign_keys: bool = True, **kwargs: Any) -> AsyncEngine:
    """An engine whose every connection is set up for this application.

    SQLite: WAL (readers never block the writer), a busy timeout instead of
    instant "database is locked", foreign keys on (they are off by default),
    and BEGIN IMMEDIATE so a transaction takes the write lock up front: a
    deferred transaction that reads and then writes fails at once with
    SQLITE_BUSY when another writer committed in between, and the busy
    timeout does not help it.

    `sqlite_foreign_keys=False` is for migrations only: SQLite rebuilds a table
    to alter it, and dropping the old copy with foreign keys on would cascade
    into every table that refers to it (the pragma is ignored inside a
    transaction, so it is set when the connection opens).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        kwargs.setdefault("pool_size", SQLITE_POOL_SIZE)
    engine = create_async_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine, foreign_keys=sqlite_foreign_keys)
    return engine


def _configure_sqlite(engine: AsyncEngine, *, foreign_keys: bool) -> None:
    if engine.dialect.driver == "aiosqlite":

        @event.listens_for(engine.sync_engine, "do_connect")
        def _connect(dialect: Any, _record: Any, cargs: list[Any], cparams: dict[str, Any]) -> Any:
            # The statements run on the event loop's thread, the commits on the connection's own.
            cparams["check_same_thread"] = False
            connection = _OneHopConnection(partial(sqlite3.connect, *cargs, **cparams), 64)
            connection._thread.daemon = True  # as aiosqlite.connect via SQLAlchemy: never blocks exit
            return AsyncAdapt_aiosqlite_connection(dialect.dbapi, await_(connection))

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let us emit BEGIN ourselves (the driver's implicit BEGIN is deferred and skips SELECTs).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            # No waiting on the event loop's thread: a statement that meets a lock is run again on the
            # connection's thread, which waits up to SQLITE_BUSY_TIMEOUT_MS (``_run_waiting``).
            cursor.execute("PRAGMA busy_timeout=0")
            cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
            # FULL: a commit is on disk before we tell Telegram we have its updates. NORMAL (with WAL)
            # is cheaper but a power cut can take back the last commits, and Telegram would not resend.
            cursor.execute("PRAGMA synchronous=FULL")
        finally:
            cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get(READ_ONLY):
            # No write lock for a reader, which would hold up every writer meanwhile:
            # each statement reads in its own (autocommit) snapshot.
            return
        driver = connection.connection.driver_connection
        if isinstance(driver, _OneHopConnection):
            driver.begin_with_next_statement("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


class _OneHopConnection(aiosqlite.Connection):
    """aiosqlite with one hand-off to its thread per statement instead of three or four.

    aiosqlite runs each cursor call (create, execute, fetch, close) as its own
    trip through a queue to the connection's thread and back through the event
    loop; SQLAlchemy makes all of them for every statement. Here a statement
    runs, fetches and closes its cursor in one trip; the BEGIN travels with
    the transaction's first statement; and a commit or rollback with no
    transaction open (the pool's reset after every commit, a unit of work
    that ran nothing) makes none.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pending_begin: str | None = None

    def begin_with_next_statement(self, sql: str) -> None:
        """Run ``sql`` (a BEGIN) just before the next statement, in the same trip.

        A BEGIN that cannot take its lock fails that statement instead, which
        is rolled back like any failed statement.
        """
        self.pending_begin = sql

    def cursor(self) -> _OneHopCursor:  # type: ignore[override]
        return _OneHopCursor(self)

    async def commit(self) -> None:
        self.pending_begin = None
        if self._connection is not None and not self._connection.in_transaction:
            return  # nothing ran since the BEGIN: nothing to commit
        await super().commit()

    async def rollback(self) -> None:
        self.pending_begin = None
        if self._connection is not None and not self._connection.in_transaction:
            return  # nothing to undo
        await super().rollback()

    async def close(self) -> None:
        self.pending_begin = None
        await super().close()


def _run_waiting(
    connection: sqlite3.Connection, begin: str | None, many: bool, sql: str, parameters: Any
) -> tuple[Any, int, Any, list[Any]]:
    """``_run`` on the connection's thread, waiting for a lock another connection holds."""
    connection.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    try:
        return _run(connection, begin, many, sql, parameters)
    finally:
        connection.execute("PRAGMA busy_timeout=0")


def _is_busy(error: sqlite3.OperationalError) -> bool:
    return getattr(error, "sqlite_errorcode", None) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) or (
        "locked" in str(error)
    )


def _run(
    connection: sqlite3.Connection, begin: str | None, many: bool, sql: str, parameters: Any
) -> tuple[Any, int, Any, list[Any]]:
    """In the connection's thread: a pending BEGIN, one statement, its rows and its cursor's facts."""
    if begin is not None:
        connection.execute(begin)
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(sql, parameters)
        else:
            cursor.execute(sql, parameters)
        rows = cursor.fetchall() if cursor.description is not None else []
        return cursor.description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


class _OneHopCursor:
    """The part of aiosqlite's cursor SQLAlchemy uses; the rows come back with the execute."""

    def __init__(self, connection: _OneHopConnection) -> None:
        self._connection = connection
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self.arraysize = 1
        self._rows: list[Any] = []
        self._next = 0

    async def __aenter__(self) -> _OneHopCursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def _run(self, many: bool, sql: str, parameters: Any) -> _OneHopCursor:
        connection = self._connection
        begin, connection.pending_begin = connection.pending_begin, None
        try:
            try:
                # On the event loop's thread: a statement takes microseconds, while a trip to the
                # connection's thread and back through the loop costs more than the statement.
                self.description, self.rowcount, self.lastrowid, self._rows = _run(
                    connection._conn, begin, many, sql, parameters
                )
            except sqlite3.OperationalError as error:
                if not _is_busy(error):
                    raise
                # Another connection holds the lock: wait for it off the loop. A busy statement
                # changed nothing, and a busy BEGIN opened no transaction, so both run again whole.
                if connection._conn.in_transaction:
                    begin = None  # the BEGIN went through before the statement met the lock
                self.description, self.rowcount, self.lastrowid, self._rows = await connection._execute(
                    _run_waiting, connection._conn, begin, many, sql, parameters
                )
        except Exception:
            if begin is not None and not connection._conn.in_transaction:
                # The BEGIN itself failed (the lock stayed busy): the next statement must not run
                # in autocommit, committing piecemeal what the session thinks is one transaction.
                connection.pending_begin = begin
            raise
        self._next = 0
        return self

    async def execute(self, sql: str, parameters: Any = ()) -> _OneHopCursor:
        return await self._run(False, sql, parameters)

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> _OneHopCursor:
        return await self._run(True, sql, parameters)

    async def fetchone(self) -> Any:
        if self._next >= len(self._rows):
            return None
        self._next += 1
        return self._rows[self._next - 1]

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        start = self._next
        self._next = min(len(self._rows), start + (size or self.arraysize))
        return self._rows[start : self._next]

    async def fetchall(self) -> list[Any]:
        rows = self._rows[self._next :]
        self._next = len(self._rows)
        return rows

    def __aiter__(self) -> _OneHopCursor:
        return self

    async def __anext__(self) -> Any:
        row = await self.fetchone()
        if row is None:
            raise StopAsyncIteration
        return row

    async def close(self) -> None:
        self._rows, self._next = [], 0
