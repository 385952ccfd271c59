"""A migrated, empty database for one benchmark run: a SQLite file, or a PostgreSQL database made and dropped.

PostgreSQL's server is AFTERSALES_BENCH_POSTGRES_URL (default: the local
server, trust auth); each run gets a database of its own with a random name,
dropped afterwards, so no run reads what another left.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy.engine import make_url

from domain.storage.engine import create_engine
from domain.storage.migrate import upgrade

POSTGRES_SERVER = os.environ.get(
    "AFTERSALES_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
KINDS = ("sqlite", "postgresql")


@asynccontextmanager
async def database(kind: str, workdir: Path) -> AsyncIterator[str]:
    """The URL of a migrated, empty database of `kind` ("sqlite" or "postgresql") for one run."""
    if kind == "sqlite":
        url = f"sqlite+aiosqlite:///{workdir / f'bench-{secrets.token_hex(4)}.sqlite3'}"
        await upgrade(url)
        yield url
        return
    name = f"aftersales_bench_{secrets.token_hex(6)}"
    admin = create_engine(POSTGRES_SERVER, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            url = make_url(POSTGRES_SERVER).set(database=name).render_as_string(hide_password=False)
            await upgrade(url)
            yield url
        finally:
            async with admin.connect() as connection:
                await connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.dispose()
