"""The `aftersales` console script, run for real in a subprocess."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from domain.storage.migrate import current_revision, head_revision

DATA = Path(__file__).resolve().parent / "data"
CONSOLE_SCRIPT = Path(sys.executable).parent / "aftersales"


def aftersales(*args: str, cwd: Path, database_url: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    """Run the installed console script (or `python -m bot.cli` without one) with a clean environment."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AFTERSALES_") and k != "TELEGRAM_BOT_TOKEN"}
    if database_url:
        clean["AFTERSALES_DATABASE_URL"] = database_url
    clean.update(env)
    command = [str(CONSOLE_SCRIPT)] if CONSOLE_SCRIPT.exists() else [sys.executable, "-m", "bot.cli"]
    return subprocess.run([*command, *args], cwd=cwd, env=clean, capture_output=True, text=True, timeout=120)


def test_help_lists_the_commands(tmp_path: Path) -> None:
    result = aftersales("--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for command in ("run", "db", "stores", "agents", "orders", "demo", "deadlines"):
        assert f"  {command} " in result.stdout
    run_help = aftersales("run", "--help", cwd=tmp_path)
    assert "--webhook / --polling" in run_help.stdout


def test_module_entry_point_works_too(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "db", "--help"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0 and "upgrade" in result.stdout


async def test_db_upgrade_on_an_empty_database(fresh_database_url: str, tmp_path: Path) -> None:
    result = aftersales("db", "upgrade", cwd=tmp_path, database_url=fresh_database_url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"database is at revision {head_revision()}"
    assert await current_revision(fresh_database_url) == head_revision()


def test_default_database_is_a_sqlite_file_in_the_working_directory(tmp_path: Path) -> None:
    result = aftersales("db", "upgrade", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(tmp_path / "aftersales.sqlite3") as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"stores", "orders", "tickets", "offers", "deadlines", "audit_events"} <= tables


def test_commands_migrate_embedded_sqlite_by_themselves(tmp_path: Path) -> None:
    result = aftersales(
        "stores", "add", "Berlin Gadgets", "--country", "DE", "--timezone", "Europe/Berlin", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "store #1 'Berlin Gadgets' created"


@pytest.fixture
def store(database_url: str, tmp_path: Path) -> str:
    result = aftersales(
        "stores",
        "add",
        "Berlin Gadgets",
        "--country",
        "de",
        "--timezone",
        "Europe/Berlin",
        cwd=tmp_path,
        database_url=database_url,
    )
    assert result.returncode == 0, result.stderr
    return "Berlin Gadgets"


def test_orders_import_good_file(database_url: str, store: str, tmp_path: Path) -> None:
    result = aftersales(
        "orders", "import", store, str(DATA / "orders_good.csv"), cwd=tmp_path, database_url=database_url
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "imported 3 orders (3 new, 0 updated)"
    again = aftersales("orders", "import", "1", str(DATA / "orders_good.csv"), cwd=tmp_path, database_url=database_url)
    assert again.stdout.strip() == "imported 3 orders (0 new, 3 updated)"


def test_orders_import_bad_file_names_the_line_and_imports_nothing(
    database_url: str, store: str, tmp_path: Path
) -> None:
    bad = DATA / "orders_bad_quantity.csv"
    result = aftersales("orders", "import", store, str(bad), cwd=tmp_path, database_url=database_url)
    assert result.returncode == 1
    assert result.stderr.strip() == f"{bad} line 4: quantity must be positive, got 0"
    assert result.stdout == ""
    # Lines 2 and 3 were fine, yet nothing of the file is in the store.
    good = aftersales(
        "orders", "import", store, str(DATA / "orders_good.json"), cwd=tmp_path, database_url=database_url
    )
    assert good.stdout.strip() == "imported 2 orders (2 new, 0 updated)"


def test_unknown_store_and_missing_file_are_one_line_errors(database_url: str, tmp_path: Path) -> None:
    result = aftersales(
        "orders", "import", "Nowhere", str(DATA / "orders_good.csv"), cwd=tmp_path, database_url=database_url
    )
    assert result.returncode == 1
    assert result.stderr.strip() == "error: no store named 'Nowhere' (see `aftersales stores list`)"
    missing = aftersales(
        "orders", "import", "Nowhere", str(tmp_path / "nope.csv"), cwd=tmp_path, database_url=database_url
    )
    assert missing.returncode == 1 and missing.stderr.count("\n") == 1 and "Traceback" not in missing.stderr


def test_agents_invite_prints_a_start_link(database_url: str, store: str, tmp_path: Path) -> None:
    result = aftersales("agents", "invite", store, cwd=tmp_path, database_url=database_url)
    assert result.returncode == 0, result.stderr
    assert "/start a_" in result.stdout


def test_demo_seed_prints_stores_and_codes(tmp_path: Path) -> None:
    result = aftersales("demo", "seed", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Berlin Gadgets" in result.stdout and "Shanghai Silk House" in result.stdout
    assert result.stdout.count("/start a_") == 2


def test_bad_setting_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = aftersales("db", "upgrade", cwd=tmp_path, AFTERSALES_LOG_LEVEL="LOUD")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("AFTERSALES_LOG_LEVEL:")
    assert not (tmp_path / "aftersales.sqlite3").exists()


def test_bad_store_input_is_reported_without_traceback(tmp_path: Path) -> None:
    result = aftersales("stores", "add", "X", "--country", "Atlantis", "--timezone", "Mars/Olympus", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("error: unknown time zone 'Mars/Olympus'")
    assert "Traceback" not in result.stderr


def test_postgresql_must_be_upgraded_explicitly(fresh_database_url: str, tmp_path: Path) -> None:
    result = aftersales("stores", "list", cwd=tmp_path, database_url=fresh_database_url)
    if fresh_database_url.startswith("sqlite"):
        assert result.returncode == 0, result.stderr  # embedded SQLite migrates itself
        assert "no stores yet" in result.stdout
    else:
        assert result.returncode == 1
        assert result.stderr.strip() == "the database schema is not up to date: run `aftersales db upgrade` first"


def test_run_with_webhook_but_no_webhook_url_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = aftersales("run", "--webhook", cwd=tmp_path, TELEGRAM_BOT_TOKEN="123456:" + "A" * 35)
    assert result.returncode == 2
    assert result.stderr.strip().startswith("AFTERSALES_WEBHOOK_URL:")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


async def test_deadlines_lists_the_parked_ones_and_retry_makes_them_due_again(
    database_url: str, uow_factory, clock, tmp_path: Path
) -> None:
    from datetime import timedelta

    from bot.pipeline.timers import TimerSweeper
    from domain.enums import DeadlineKind

    empty = aftersales("deadlines", cwd=tmp_path, database_url=database_url)
    assert (empty.returncode, empty.stdout.strip()) == (0, "no parked deadlines"), empty.stderr
    async with uow_factory() as uow:
        ids = [
            (
                await uow.deadlines.schedule(
                    DeadlineKind.AUTO_CLOSE,
                    "ticket",
                    ticket_id,
                    due_at=clock.now() - timedelta(hours=1),
                    at=clock.now(),
                )
            ).id
            for ticket_id in (7, 8, 9)
        ]
        await uow.commit()

    async def broken(uow, deadline) -> None:
        raise RuntimeError(f"ticket {deadline.subject_id} has no store\nsecond line")

    assert await TimerSweeper(uow_factory, clock, {DeadlineKind.AUTO_CLOSE: broken}, max_attempts=1).sweep() == 0

    listed = aftersales("deadlines", cwd=tmp_path, database_url=database_url)
    assert listed.returncode == 0, listed.stderr
    due = (clock.now() - timedelta(hours=1)).isoformat()
    assert listed.stdout.splitlines() == [
        f"{deadline_id}\tauto_close\tticket {ticket_id}\tdue {due}\tattempts 1\tRuntimeError: ticket {ticket_id} has no store"
        for deadline_id, ticket_id in zip(ids, (7, 8, 9))
    ]
    one = aftersales("deadlines", "retry", str(ids[0]), cwd=tmp_path, database_url=database_url)
    assert one.returncode == 0, one.stderr
    assert one.stdout.startswith(f"deadline {ids[0]} is due again")
    again = aftersales("deadlines", "retry", str(ids[0]), cwd=tmp_path, database_url=database_url)
    assert again.returncode == 1
    assert again.stderr.strip() == f"error: deadline {ids[0]} is not parked (see `aftersales deadlines`)"
    neither = aftersales("deadlines", "retry", cwd=tmp_path, database_url=database_url)
    assert neither.returncode == 1 and "DEADLINE_ID or --all" in neither.stderr
    rest = aftersales("deadlines", "retry", "--all", cwd=tmp_path, database_url=database_url)
    assert rest.returncode == 0, rest.stderr
    assert rest.stdout.startswith("2 deadlines are due again")
    async with uow_factory() as uow:
        assert await uow.deadlines.parked() == []
        assert [(d.id, d.attempts) for d in await uow.deadlines.due(clock.now())] == [(i, 0) for i in ids]


def test_orders_event_records_once_and_bad_data_is_one_line_exit_2(
    database_url: str, store: str, tmp_path: Path
) -> None:
    imported = aftersales(
        "orders", "import", store, str(DATA / "orders_good.csv"), cwd=tmp_path, database_url=database_url
    )
    assert imported.returncode == 0, imported.stderr
    number = (DATA / "orders_good.csv").read_text().splitlines()[1].split(",")[0]
    data = '{"carrier": "DHL", "tracking_number": "JD0001"}'
    first = aftersales(
        "orders", "event", store, number, "shipped", "--data", data, cwd=tmp_path, database_url=database_url
    )
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip().endswith("shipped recorded; the running bot tells the buyer")
    again = aftersales(
        "orders", "event", store, number, "shipped", "--data", data, cwd=tmp_path, database_url=database_url
    )
    assert again.returncode == 0 and "recorded before (same key): nothing changed" in again.stdout

    missing = aftersales(
        "orders", "event", store, number, "customs_hold", "--data", "{}", cwd=tmp_path, database_url=database_url
    )
    assert (missing.returncode, missing.stderr.strip()) == (2, "error: data.needed is required for customs_hold")
    unknown = aftersales("orders", "event", store, number, "exploded", cwd=tmp_path, database_url=database_url)
    assert unknown.returncode == 2 and unknown.stderr.startswith("error: kind 'exploded' is not one of out_of_stock")
    not_json = aftersales(
        "orders", "event", store, number, "delivered", "--data", "{date", cwd=tmp_path, database_url=database_url
    )
    assert not_json.returncode == 2 and not_json.stderr.count("\n") == 1 and "--data is not JSON" in not_json.stderr


def test_stores_webhook_sets_the_endpoint_and_prints_the_signing_secret(
    database_url: str, store: str, tmp_path: Path
) -> None:
    result = aftersales(
        "stores", "webhook", store, "https://marketplace.example/aftersales", cwd=tmp_path, database_url=database_url
    )
    assert result.returncode == 0, result.stderr
    endpoint, secret_line = result.stdout.strip().splitlines()
    assert endpoint == "store #1 'Berlin Gadgets' posts its money decisions to https://marketplace.example/aftersales"
    prefix = "signing secret (Aftersales-Signature header): whsec_"
    assert secret_line.startswith(prefix) and len(secret_line) > len(prefix) + 30
    own_secret = ("--secret", "s3cr3t")
    again = aftersales(
        "stores", "webhook", "1", "http://10.0.0.5:8080/hook", *own_secret, cwd=tmp_path, database_url=database_url
    )
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip().splitlines()[1] == "signing secret (Aftersales-Signature header): s3cr3t"

    for bad in ("ftp://marketplace.example/x", "marketplace.example", "https://"):
        refused = aftersales("stores", "webhook", store, bad, cwd=tmp_path, database_url=database_url)
        assert refused.returncode == 2, (bad, refused.stderr)
        assert refused.stderr.strip().startswith(f"error: webhook URL {bad!r} is not an http(s) address with a host")
        assert len(refused.stderr.strip().splitlines()) == 1
    unknown = aftersales("stores", "webhook", "Nowhere", "https://x.example/", cwd=tmp_path, database_url=database_url)
    assert unknown.returncode == 1 and unknown.stderr.strip().startswith("error: no store named 'Nowhere'")


def test_stores_negotiation_shows_and_sets_counter_offers_and_the_offer_time(
    database_url: str, store: str, tmp_path: Path
) -> None:
    shown = aftersales("stores", "negotiation", store, cwd=tmp_path, database_url=database_url)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == "store 'Berlin Gadgets': counter-offers not allowed; offers wait 24 h"
    changed = aftersales(
        "stores",
        "negotiation",
        store,
        "--counter-offers",
        "--offer-hours",
        "48",
        cwd=tmp_path,
        database_url=database_url,
    )
    assert changed.stdout.strip() == "store 'Berlin Gadgets': counter-offers allowed; offers wait 48 h"
    again = aftersales("stores", "negotiation", "1", cwd=tmp_path, database_url=database_url)
    assert again.stdout.strip() == changed.stdout.strip()  # kept
    bad = aftersales("stores", "negotiation", store, "--offer-hours", "0", cwd=tmp_path, database_url=database_url)
    assert (
        bad.returncode == 2
        and bad.stderr.strip() == "error: --offer-hours: an offer waits 1 to 336 hours for its answer"
    )


def test_stores_strikes_shows_and_sets_the_suspension_threshold(database_url: str, store: str, tmp_path: Path) -> None:
    shown = aftersales("stores", "strikes", store, cwd=tmp_path, database_url=database_url)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == "store 'Berlin Gadgets': 3 confirmed strikes within 30 days suspend messaging"
    changed = aftersales(
        "stores", "strikes", store, "--threshold", "5", "--days", "60", cwd=tmp_path, database_url=database_url
    )
    assert changed.stdout.strip() == "store 'Berlin Gadgets': 5 confirmed strikes within 60 days suspend messaging"
    again = aftersales("stores", "strikes", store, cwd=tmp_path, database_url=database_url)
    assert again.stdout.strip() == changed.stdout.strip()  # kept
    bad = aftersales("stores", "strikes", store, "--days", "0", cwd=tmp_path, database_url=database_url)
    assert bad.returncode == 2 and bad.stderr.strip() == "error: --days: days: 1 to 365"


async def test_webhooks_lists_the_undelivered_ones_and_replay_sends_one_again(
    database_url: str, uow_factory, clock, tmp_path: Path
) -> None:
    from domain.services import money_events
    from tests.domain.test_webhook_queue import claim, make_store, mark, record

    help_text = aftersales("--help", cwd=tmp_path)
    assert "  webhooks " in help_text.stdout
    empty = aftersales("webhooks", cwd=tmp_path, database_url=database_url)
    assert (empty.returncode, empty.stdout.strip()) == (0, "no pending, failed or parked webhooks"), empty.stderr

    store_id = await make_store(uow_factory, clock, url="https://marketplace.example/hooks")
    failing = await record(uow_factory, clock, store_id, money_events.REFUND_APPROVED, ("request", 1))
    parked = await record(uow_factory, clock, store_id, money_events.CANCELLATION_APPROVED, ("cancellation", 2))
    delivered = await record(uow_factory, clock, store_id, money_events.RESHIPMENT_APPROVED, ("request", 3))
    waiting = await record(uow_factory, clock, store_id, money_events.EXCHANGE_APPROVED, ("request", 4))
    claims = {c.id: c for c in await claim(uow_factory, clock, limit=3)}
    assert await mark(uow_factory, clock, claims[failing], "HTTP 503: down\nfor maintenance") == "failed"
    assert await mark(uow_factory, clock, claims[delivered]) is True
    clock.advance(days=1)
    assert await mark(uow_factory, clock, claims[parked], "ClientConnectorError: refused") == "failed"
    clock.advance(days=1, minutes=1)
    [again] = [c for c in await claim(uow_factory, clock) if c.id == parked]
    assert await mark(uow_factory, clock, again, "ClientConnectorError: refused") == "parked"

    listed = aftersales("webhooks", cwd=tmp_path, database_url=database_url)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines() == [
        f"{failing}\trefund.approved\trefund.approved:request:1\tfailed\tattempts 1\tHTTP 503: down",
        f"{parked}\tcancellation.approved\tcancellation.approved:cancellation:2\tparked\tattempts 2"
        "\tClientConnectorError: refused",
        f"{waiting}\texchange.approved\texchange.approved:request:4\tpending\tattempts 0\t-",
    ]
    replayed = aftersales("webhooks", "replay", str(parked), cwd=tmp_path, database_url=database_url)
    assert replayed.returncode == 0, replayed.stderr
    assert replayed.stdout.startswith(f"webhook {parked} (cancellation.approved:cancellation:2) queued again")
    resent = aftersales("webhooks", "replay", str(delivered), cwd=tmp_path, database_url=database_url)
    assert resent.returncode == 0, resent.stderr
    async with uow_factory() as uow:
        rows = {w.id: w for w in await uow.webhooks.undelivered()}
    assert (rows[parked].status, rows[parked].attempts) == ("pending", 0)
    assert rows[delivered].status == "pending" and rows[delivered].idempotency_key == "reshipment.approved:request:3"
    unknown = aftersales("webhooks", "replay", "999999", cwd=tmp_path, database_url=database_url)
    assert (unknown.returncode, unknown.stderr.strip()) == (2, "error: no webhook 999999 (see `aftersales webhooks`)")


def test_moderation_check_screens_json_and_plain_lines_and_a_bad_line_is_exit_2(tmp_path: Path) -> None:
    import json

    def check(stdin: str) -> subprocess.CompletedProcess[str]:
        command = [str(CONSOLE_SCRIPT)] if CONSOLE_SCRIPT.exists() else [sys.executable, "-m", "bot.cli"]
        return subprocess.run(
            [*command, "moderation", "check"], cwd=tmp_path, input=stdin, capture_output=True, text=True, timeout=60
        )

    lines = [
        '{"text": "send me your card number and CVV", "lang": "en"}',
        "We will never ask for your card number or OTP.",
        '{"text": "Уже отправил", "facts": {"has_tracking": false, "delivered": false, "today": "2026-12-03"}}',
    ]
    result = check("\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    verdicts = [json.loads(line) for line in result.stdout.splitlines()]
    assert [v["action"] for v in verdicts] == ["hold", "allow", "flag"]
    assert verdicts[0]["rules"] == ["payment_details"]
    evidence = {"rule": "payment_details", "evidence": "send me your card number and CVV", "start": 0, "end": 32}
    assert verdicts[0]["hits"] == [{**evidence, "severity": "high"}]
    assert verdicts[2]["rules"] == ["false_information"]

    bad = check('hello\n{"text": oops\n')
    assert bad.returncode == 2
    assert len(bad.stdout.splitlines()) == 1 and bad.stderr.strip() == "line 2: not JSON"
