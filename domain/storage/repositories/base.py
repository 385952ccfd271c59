"""Shared plumbing for repositories."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


class Repository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def insert_ignoring_duplicates(self, table: Table, values: dict[str, Any]) -> bool:
        """INSERT that does nothing on a unique conflict; True when a row was written.

        Used where two deliveries of the same thing race (a re-pushed event, a
        redelivered update): the database, not a prior SELECT, decides who wins.
        """
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        result = await self.session.execute(insert(table).values(**values).on_conflict_do_nothing())
        return bool(result.rowcount)  # type: ignore[attr-defined]
