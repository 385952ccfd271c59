"""Bring a database to the newest schema: `await upgrade(url)` or `upgrade_sync(url)`.

Alembic's Config is built here, in code, so this works from any working
directory and from an installed package, with no alembic.ini.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from domain.storage.engine import create_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(database_url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if database_url is not None:
        config.attributes["database_url"] = database_url
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def upgrade(database_url: str, revision: str = "head") -> None:
    """Apply every pending migration in one transaction (PostgreSQL and SQLite both have transactional DDL).

    On SQLite foreign keys are off while tables are rebuilt (SQLite's own
    procedure for schema changes) and checked before the commit.
    """
    config = alembic_config(database_url)
    engine = create_engine(database_url, sqlite_foreign_keys=False)

    def _upgrade(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        if connection.dialect.name == "sqlite":
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").first()
            if broken is not None:
                raise RuntimeError(f"the migration left a row of {broken[0]} referring to a missing {broken[2]} row")

    try:
        async with engine.begin() as connection:
            await connection.run_sync(_upgrade)
    finally:
        await engine.dispose()


def upgrade_sync(database_url: str, revision: str = "head") -> None:
    asyncio.run(upgrade(database_url, revision))


async def current_revision(database_url: str) -> str | None:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())
    finally:
        await engine.dispose()


async def schema_revision(session) -> str | None:
    """The revision the database behind ``session`` is at (None before the first migration)."""
    try:
        return await session.scalar(text("SELECT version_num FROM alembic_version"))
    except DBAPIError:
        return None  # no alembic_version table: never migrated
