"""/healthz, /readyz and /metrics over HTTP (aiohttp's test client), on the real database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from aiohttp.test_utils import TestClient, TestServer
from telegram import User
from telegram.error import NetworkError

from bot.pipeline.metrics import Metrics
from bot.pipeline.ops import TELEGRAM_CHECK_EVERY, OpsServer
from domain.clock import FakeClock
from domain.models import OutboxMessage
from domain.storage.engine import create_engine
from domain.storage.uow import UnitOfWorkFactory

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)


class TelegramStandIn:
    """Answers getMe, or fails as a network would once ``down``; counts the calls."""

    def __init__(self) -> None:
        self.down, self.calls = False, 0

    async def get_me(self) -> User:
        self.calls += 1
        if self.down:
            raise NetworkError("httpx.ConnectError: All connection attempts failed")
        return User(7, "Aftersales", is_bot=True, username="aftersales_bot")


class Ticking:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@asynccontextmanager
async def served(uow_factory, bot=None, metrics=None, time_source=None) -> AsyncIterator[TestClient]:
    server = OpsServer(
        bot or TelegramStandIn(),
        uow_factory,
        FakeClock(NOW),
        metrics or Metrics(),
        listen="127.0.0.1",
        port=0,
        time_source=time_source or Ticking(),
    )
    async with TestClient(TestServer(server.build_app())) as client:
        yield client


async def test_alive_and_ready_when_database_schema_and_telegram_answer(uow_factory) -> None:
    bot = TelegramStandIn()
    async with served(uow_factory, bot) as client:
        alive = await client.get("/healthz")
        assert (alive.status, await alive.json()) == (200, {"ok": True})
        ready = await client.get("/readyz")
        assert ready.status == 200
        assert await ready.json() == {"ok": True, "checks": {"database": "ok", "migrations": "ok", "telegram": "ok"}}
    assert bot.calls == 1


async def test_not_ready_while_telegram_is_unreachable_and_ready_again_when_it_answers(uow_factory) -> None:
    bot, clock = TelegramStandIn(), Ticking()
    async with served(uow_factory, bot, time_source=clock) as client:
        assert (await client.get("/readyz")).status == 200
        bot.down = True
        clock.now += 1
        assert (await client.get("/readyz")).status == 200  # getMe answered a second ago: not asked again
        assert bot.calls == 1
        clock.now += TELEGRAM_CHECK_EVERY
        down = await client.get("/readyz")
        body = await down.json()
        assert down.status == 503 and body["ok"] is False
        assert body["checks"]["telegram"].startswith("unreachable: NetworkError")
        assert (body["checks"]["database"], body["checks"]["migrations"]) == ("ok", "ok")
        bot.down = False
        assert (await client.get("/readyz")).status == 200  # a failure is not kept: asked again at once


async def _readiness_on(database_url: str) -> tuple[int, dict]:
    """/readyz's status and body for a server on its own engine over ``database_url``."""
    engine = create_engine(database_url)
    try:
        async with served(UnitOfWorkFactory(engine)) as client:
            answer = await client.get("/readyz")
            return answer.status, await answer.json()
    finally:
        await engine.dispose()


async def test_not_ready_on_a_database_without_the_migrations(fresh_database_url) -> None:
    status, body = await _readiness_on(fresh_database_url)
    assert status == 503
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["migrations"].startswith("the database is at no revision, this version needs ")


async def test_not_ready_when_the_database_is_unreachable(tmp_path) -> None:
    status, body = await _readiness_on(f"sqlite+aiosqlite:///{tmp_path / 'no such directory' / 'db.sqlite3'}")
    assert status == 503
    assert body["checks"]["database"].startswith("unreachable: ")
    assert body["checks"]["telegram"] == "ok"


async def test_metrics_show_the_databases_backlog_and_the_process_counts(uow_factory) -> None:
    async with uow_factory() as uow:
        for sent in (None, None, NOW):
            uow.session.add(
                OutboxMessage(
                    chat_id=1, method="sendMessage", payload={}, created_at=NOW, next_attempt_at=NOW, sent_at=sent
                )
            )
        await uow.commit()
    metrics = Metrics()
    metrics.sent("sendMessage", "ok")
    metrics.sent("sendMessage", "retry_after")
    metrics.update_finished({"update_id": 5, "message": {}}, "handled", 0.02)
    async with served(uow_factory, metrics=metrics) as client:
        answer = await client.get("/metrics")
        text = await answer.text()
    assert answer.status == 200 and answer.content_type == "text/plain"
    lines = set(text.splitlines())
    assert 'aftersales_backlog{queue="outbox"} 2.0' in lines
    assert 'aftersales_backlog{queue="inbox"} 0.0' in lines
    assert 'aftersales_open_tickets{status="waiting_seller"} 0.0' in lines
    assert 'aftersales_sends_total{method="sendMessage",result="retry_after"} 1.0' in lines
    assert 'aftersales_updates_total{outcome="handled",type="message"} 1.0' in lines
    assert 'aftersales_update_seconds_count{type="message"} 1.0' in lines


async def test_an_unknown_path_or_method_gets_a_json_error(uow_factory) -> None:
    async with served(uow_factory) as client:
        missing = await client.get("/nothing-here")
        wrong = await client.post("/healthz")
        assert (missing.status, await missing.json()) == (404, {"ok": False, "error": "Not Found"})
        assert (wrong.status, await wrong.json()) == (405, {"ok": False, "error": "Method Not Allowed"})
