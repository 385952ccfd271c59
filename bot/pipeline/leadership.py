"""On PostgreSQL one process of a deployment polls Telegram: the one holding an advisory lock.

Telegram lets one getUpdates run at a time (a second one ends the first
with 409), so with several processes on one database only the leader
polls; the others handle what it stores (the inbox) and send what they
record. The lock is PostgreSQL's own (``pg_try_advisory_lock``) on a
connection held for as long as the process leads: when the process dies,
its connection closes and the lock is free; a follower asks every
``retry`` seconds, so it takes over within that (and the check) plus the
database's notice of the dead connection.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)


def lock_key(bot_id: int) -> int:
    """The advisory lock's key for one bot: a signed 64-bit number (what PostgreSQL takes)."""
    digest = hashlib.sha256(f"aftersales polling {bot_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class PollingLeadership:
    def __init__(self, engine: AsyncEngine, key: int, *, retry: float = 3.0, check: float = 3.0) -> None:
        self._engine = engine
        self._key = key
        self._retry = retry
        self._check = check
        self._connection: AsyncConnection | None = None

    async def acquire(self) -> None:
        """Return once this process holds the lock (at once if nobody else does)."""
        waited = False
        while True:
            try:
                connection = await self._engine.connect()
                try:
                    if await connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key}):
                        self._connection = connection
                        if waited:
                            log.info("took over polling Telegram from a process that stopped")
                        return
                finally:
                    if self._connection is not connection:
                        await connection.close()
            except (SQLAlchemyError, OSError):
                log.warning("could not ask for the polling lock; asking again", exc_info=True)
            waited = True
            await asyncio.sleep(self._retry)

    async def lost(self) -> None:
        """Return when the lock's connection is gone (the database restarted, the network broke)."""
        while True:
            await asyncio.sleep(self._check)
            try:
                await self._connection.scalar(text("SELECT 1"))
            except (SQLAlchemyError, OSError):
                log.warning("lost the connection that holds the polling lock")
                return

    async def release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            await connection.scalar(text("SELECT pg_advisory_unlock(:key)"), {"key": self._key})
            await connection.close()
        except (SQLAlchemyError, OSError):
            # A pooled connection must not keep the lock: dropped, the lock goes with it.
            await connection.invalidate()
