"""The operator's command line: `aftersales --help`.

    aftersales db upgrade                       bring the database to the newest schema
    aftersales stores add NAME --country DE     create a store
    aftersales stores webhook STORE URL         where the store's money decisions are posted (prints the secret)
    aftersales agents invite STORE              print a one-time code an agent sends the bot
    aftersales orders import STORE FILE         import orders from a .csv or .json file
    aftersales orders event STORE ORDER KIND    an order event from the marketplace (--data JSON)
    aftersales demo seed                        two demo stores with orders in every status
    aftersales run [--webhook|--polling]        run the bot
    aftersales inbox [retry UPDATE_ID]          updates parked after failing; queue one again
    aftersales deadlines [retry ID|--all]       deadlines parked after failing; give them new tries
    aftersales webhooks [replay ID]             money webhooks not delivered yet; send one again

Settings come from the environment (AFTERSALES_*) or .env; a bad one prints
one line naming it and exits with status 2. An embedded SQLite database is
migrated automatically before any command uses it. Add a command group by
decorating a function with `@cli.group()` or a command with `@<group>.command()`.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TypeVar

import click

from bot.settings import ConfigError, Settings, load_settings

if TYPE_CHECKING:
    from bot.launch import StandIn
    from domain.clock import Clock
    from domain.storage.uow import UnitOfWork, UnitOfWorkFactory

T = TypeVar("T")


@dataclass
class CliState:
    """Loaded lazily, so `--help` works even when a setting is wrong."""

    _settings: Settings | None = field(default=None)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            try:
                self._settings = load_settings()
            except ConfigError as error:
                fail(str(error), status=2)
        return self._settings


pass_state = click.make_pass_decorator(CliState, ensure=True)


def fail(message: str, *, status: int = 1) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(status)


def run_with_database(settings: Settings, work: Callable[[UnitOfWorkFactory], Awaitable[T]]) -> T:
    """Open the database (migrating embedded SQLite first), run `work`, close it; errors become one line."""
    from sqlalchemy.exc import DBAPIError

    from domain.errors import Conflict, DomainError

    async def _run() -> T:
        from domain.storage.engine import create_engine, is_sqlite
        from domain.storage.migrate import current_revision, head_revision, upgrade
        from domain.storage.uow import UnitOfWorkFactory

        url = settings.database_url
        if is_sqlite(url):
            await upgrade(url)
        elif await current_revision(url) != head_revision():
            fail("the database schema is not up to date: run `aftersales db upgrade` first")
        engine = create_engine(url)
        try:
            return await work(UnitOfWorkFactory(engine))
        finally:
            await engine.dispose()

    try:
        return asyncio.run(_run())
    except DomainError as error:
        fail(f"error: {error}")
    except Conflict as error:  # the bot changed the same thing at that moment
        fail(f"error: {error}; try again")
    except (DBAPIError, OSError) as error:
        fail(f"database error: {_first_line(error)}")


def _first_line(error: BaseException) -> str:
    text = str(getattr(error, "orig", None) or error)
    return text.strip().splitlines()[0] if text.strip() else type(error).__name__


async def find_store_id(uow: UnitOfWork, ref: str) -> int:
    store = await uow.stores.by_name_or_id(ref)
    if store is None:
        fail(f"error: no store named {ref!r} (see `aftersales stores list`)")
    return store.id


def clock() -> Clock:
    from domain.clock import SystemClock

    return SystemClock()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Aftersales: after-sales customer service for marketplaces, inside Telegram."""


@cli.command()
@click.option("--webhook/--polling", "webhook", default=None, help="How to get updates (default: AFTERSALES_MODE).")
@pass_state
def run(state: CliState, webhook: bool | None) -> None:
    """Run the bot (offline sandbox when no Telegram token is set)."""
    settings = state.settings
    from bot.launch import run_bot  # the bot's dependencies load only when it runs

    offline = settings.telegram_bot_token is None
    if webhook and not offline and settings.mode != "webhook":
        try:  # --webhook needs what AFTERSALES_MODE=webhook needs: the URL and the secret
            settings = load_settings(mode="webhook")
        except ConfigError as error:
            fail(str(error), status=2)
    run_bot(settings, webhook=False if offline else webhook, stand_in=start_sandbox if offline else None)


# Offline mode: the one place that wires the sandbox, the bot and the database.
DEMO_BOT_ID = 7_000_000_001
DEMO_STAFF = {  # store name -> (agent's first name, language)
    "Berlin Gadgets": ("Max", "de"),
    "Shanghai Silk House": ("Chen", "zh-hans"),
}
DEMO_BUYER_LANGUAGES = {"Anna Schmidt": "en", "Li Wei": "zh-hans", "Sophie Martin": "fr"}


async def start_sandbox(settings: Settings, uow_factory: UnitOfWorkFactory, clock: Clock) -> StandIn:
    """Start the local Telegram with demo people, seed the demo data, link stores to groups."""
    import secrets

    from bot.launch import StandIn
    from domain.services.binding import claim_order
    from domain.services.demo import seed_demo
    from domain.services.stores import redeem_agent_invite, redeem_group_link_code
    from sandbox.server import SandboxServer

    server = SandboxServer(host=settings.sandbox_host, port=settings.sandbox_port, strict=True)
    try:
        await server.start()
    except OSError as error:
        fail(
            f"AFTERSALES_SANDBOX_PORT: cannot listen on {settings.sandbox_host}:{settings.sandbox_port} ({error.strerror})",
            status=2,
        )
    token = f"{DEMO_BOT_ID}:{secrets.token_urlsafe(26)}"
    world = server.world
    bot = world.add_bot(token=token, username="aftersales_demo_bot", first_name="Aftersales")
    async with uow_factory() as uow:
        seed = await seed_demo(uow, clock)
        buyers = {}
        for name in sorted({order.buyer_name for order in seed.orders}):
            first, _, last = name.partition(" ")
            buyers[name] = world.add_person(
                first, DEMO_BUYER_LANGUAGES.get(name, "en"), label=f"Buyer · {name}", last_name=last or None
            )
        # Demo buyers find their orders on /start, claimed the way a real buyer would: number + phone.
        for order in seed.orders:
            buyer = buyers[order.buyer_name]
            await claim_order(
                uow,
                clock,
                buyer.id,
                order.number,
                order.phone or order.email or "",
                name=order.buyer_name,
                language=buyer.language_code,
            )
        for store in seed.stores:
            agent_name, language = DEMO_STAFF.get(store.name, ("Agent", "en"))
            agent = world.add_person(agent_name, language, label=f"Agent · {store.name}")
            group = world.add_group(
                f"{store.name} support", is_forum=True, member_ids=[agent.id], admin_bot_ids=[bot.id]
            )
            await redeem_agent_invite(uow, clock, store.agent_invite_code, agent.id, agent_name, language=language)
            await redeem_group_link_code(uow, clock, store.group_link_code, group.id, group.title)
        await uow.commit()
    moderator = world.add_person("Jo", "en", label="Moderator · Jo")
    moderators = world.add_group("Moderators", is_forum=False, member_ids=[moderator.id], admin_bot_ids=[bot.id])
    offline_settings = settings.model_copy(
        update={"telegram_api_url": server.bot_api_base_url, "moderators_chat_id": moderators.id}
    )
    return StandIn(settings=offline_settings, token=token, url=f"{server.url}/", stop=server.stop)


@cli.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@pass_state
def db_upgrade(state: CliState) -> None:
    """Apply every pending migration."""
    from sqlalchemy.exc import DBAPIError

    from domain.storage.migrate import head_revision, upgrade

    try:
        asyncio.run(upgrade(state.settings.database_url))
    except (DBAPIError, OSError) as error:
        fail(f"database error: {_first_line(error)}")
    click.echo(f"database is at revision {head_revision()}")


@cli.group()
def stores() -> None:
    """Stores."""


@stores.command("add")
@click.argument("name")
@click.option("--timezone", help="IANA time zone, e.g. Europe/Berlin (default: AFTERSALES_DEFAULT_TIMEZONE).")
@click.option("--country", required=True, help="ISO 3166 country code for public holidays, e.g. DE.")
@click.option("--currency", default="EUR", show_default=True, help="ISO 4217 code of the store's prices.")
@pass_state
def stores_add(state: CliState, name: str, timezone: str | None, country: str, currency: str) -> None:
    """Create a store."""
    from domain.services.stores import add_store

    settings = state.settings

    async def work(uow_factory: UnitOfWorkFactory) -> tuple[int, str]:
        async with uow_factory() as uow:
            store = await add_store(
                uow,
                clock(),
                name=name,
                timezone=timezone or settings.default_timezone,
                country=country,
                currency=currency,
            )
            await uow.commit()
            return store.id, store.name

    store_id, store_name = run_with_database(settings, work)
    click.echo(f"store #{store_id} {store_name!r} created")


@stores.command("list")
@pass_state
def stores_list(state: CliState) -> None:
    """List the stores."""

    async def work(uow_factory: UnitOfWorkFactory) -> list[str]:
        async with uow_factory() as uow:
            return [
                f"#{s.id}\t{s.name}\t{s.timezone}\t{s.country}\t{s.default_currency}" for s in await uow.stores.list()
            ]

    for line in run_with_database(state.settings, work) or ["no stores yet: `aftersales stores add NAME --country XX`"]:
        click.echo(line)


@stores.command("webhook")
@click.argument("store")
@click.argument("url")
@click.option("--secret", default=None, help="The signing secret to use (default: a new one, printed).")
@pass_state
def stores_webhook(state: CliState, store: str, url: str, secret: str | None) -> None:
    """Post STORE's money decisions (refunds, cancellations...) to URL, signed; prints the signing secret."""
    from domain.errors import InvalidInput
    from domain.services.stores import set_webhook

    async def work(uow_factory: UnitOfWorkFactory) -> tuple[int, str, str, str]:
        async with uow_factory() as uow:
            try:
                updated = await set_webhook(uow, clock(), await find_store_id(uow, store), url, secret)
            except InvalidInput as error:
                fail(f"error: {error}", status=2)
            await uow.commit()
            return updated.id, updated.name, updated.webhook_url or "", updated.webhook_secret or ""

    store_id, store_name, endpoint, signing_secret = run_with_database(state.settings, work)
    click.echo(f"store #{store_id} {store_name!r} posts its money decisions to {endpoint}")
    click.echo(f"signing secret (Aftersales-Signature header): {signing_secret}")


@stores.command("negotiation")
@click.argument("store")
@click.option(
    "--counter-offers/--no-counter-offers",
    default=None,
    help="Whether a buyer may answer a partial-refund offer with a counter-offer (once per request).",
)
@click.option("--offer-hours", type=int, default=None, help="Hours an offer waits for its answer (default 24).")
@pass_state
def stores_negotiation(state: CliState, store: str, counter_offers: bool | None, offer_hours: int | None) -> None:
    """Show or set STORE's negotiation rules: counter-offers, and how long an offer waits for its answer."""
    from domain.errors import InvalidInput
    from domain.services.stores import set_negotiation

    async def work(uow_factory: UnitOfWorkFactory) -> tuple[str, bool, int]:
        async with uow_factory() as uow:
            try:
                updated = await set_negotiation(
                    uow,
                    clock(),
                    await find_store_id(uow, store),
                    counter_offers=counter_offers,
                    offer_hours=offer_hours,
                )
            except InvalidInput as error:
                fail(f"error: --offer-hours: {error}", status=2)
            if counter_offers is not None or offer_hours is not None:
                await uow.commit()
            return updated.name, updated.counter_offers_allowed, updated.buyer_offer_hours or 24

    name, counters, hours = run_with_database(state.settings, work)
    click.echo(f"store {name!r}: counter-offers {'allowed' if counters else 'not allowed'}; offers wait {hours} h")


@stores.command("strikes")
@click.argument("store")
@click.option("--threshold", type=int, default=None, help="Confirmed strikes that suspend the store's messaging.")
@click.option("--days", type=int, default=None, help="Days a strike counts toward the threshold (default 30).")
@pass_state
def stores_strikes(state: CliState, store: str, threshold: int | None, days: int | None) -> None:
    """Show or set how many confirmed strikes within how many days suspend STORE's messaging to buyers."""
    from domain.errors import InvalidInput
    from domain.services.stores import set_strike_rules

    async def work(uow_factory: UnitOfWorkFactory) -> tuple[str, int, int, bool]:
        async with uow_factory() as uow:
            try:
                updated = await set_strike_rules(
                    uow, clock(), await find_store_id(uow, store), threshold=threshold, window_days=days
                )
            except InvalidInput as error:
                fail(f"error: --{'days' if str(error).startswith('days') else 'threshold'}: {error}", status=2)
            if threshold is not None or days is not None:
                await uow.commit()
            suspended = updated.messaging_suspended_at is not None
            return updated.name, updated.strike_threshold, updated.strike_window_days, suspended

    name, limit, window, suspended = run_with_database(state.settings, work)
    state_line = "; messaging suspended (a moderator lifts it with /unsuspend)" if suspended else ""
    click.echo(f"store {name!r}: {limit} confirmed strikes within {window} days suspend messaging{state_line}")


@cli.group()
def agents() -> None:
    """Store agents."""


@agents.command("invite")
@click.argument("store")
@click.option("--days", default=7, show_default=True, type=click.IntRange(1, 90), help="Days the code stays valid.")
@pass_state
def agents_invite(state: CliState, store: str, days: int) -> None:
    """Print a one-time code that makes whoever sends it to the bot an agent of STORE (name or id)."""
    from datetime import timedelta

    from domain.services.stores import invite_agent

    async def work(uow_factory: UnitOfWorkFactory) -> str:
        async with uow_factory() as uow:
            code = await invite_agent(uow, clock(), await find_store_id(uow, store), ttl=timedelta(days=days))
            await uow.commit()
            return code

    code = run_with_database(state.settings, work)
    click.echo(f"one-time agent code (valid {days} days): a_{code}")
    click.echo(f"the agent sends the bot: /start a_{code}")


@cli.group()
def groups() -> None:
    """Support groups."""


@groups.command("link-code")
@click.argument("store")
@pass_state
def groups_link_code(state: CliState, store: str) -> None:
    """Print a one-time code that links a Telegram support group to STORE (name or id)."""
    from domain.services.stores import create_group_link_code

    async def work(uow_factory: UnitOfWorkFactory) -> str:
        async with uow_factory() as uow:
            code = await create_group_link_code(uow, clock(), await find_store_id(uow, store))
            await uow.commit()
            return code

    code = run_with_database(state.settings, work)
    click.echo(f"one-time group code (valid 1 day): g_{code}")
    click.echo(f"an admin posts in the support group: /link g_{code}")


@cli.group()
def orders() -> None:
    """Orders."""


@orders.command("import")
@click.argument("store")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_state
def orders_import(state: CliState, store: str, file: Path) -> None:
    """Import orders from a .csv or .json FILE into STORE; all or nothing.

    An order number the store has already is updated from the file.
    """
    from domain.errors import OrderFileError
    from domain.services.order_files import read_order_file
    from domain.services.orders import ImportResult, import_orders

    settings = state.settings
    try:
        rows = read_order_file(file)
    except OrderFileError as error:
        fail(f"{file} {error}")
    except OSError as error:
        fail(f"{file}: cannot read: {error.strerror or error}")

    async def work(uow_factory: UnitOfWorkFactory) -> ImportResult:
        async with uow_factory() as uow:
            try:
                result = await import_orders(uow, clock(), await find_store_id(uow, store), rows)
            except OrderFileError as error:
                fail(f"{file} {error}")
            await uow.commit()
            return result

    result = run_with_database(settings, work)
    click.echo(f"imported {result.total} orders ({result.created} new, {result.updated} updated)")


@orders.command("event")
@click.argument("store")
@click.argument("order")
@click.argument("kind")
@click.option(
    "--data", "data_json", default=None, help='The event\'s data as a JSON object, e.g. \'{"carrier": "DHL"}\'.'
)
@click.option("--key", default=None, help="Idempotency key: the same key again is ignored (default: from the content).")
@pass_state
def orders_event(state: CliState, store: str, order: str, kind: str, data_json: str | None, key: str | None) -> None:
    """Record an order event for ORDER of STORE; the running bot tells the buyer.

    KIND: out_of_stock, seller_unresponsive, customs_hold (data: needed),
    incorrect_address, shipped (data: carrier, tracking_number, tracking_url),
    delivered (data: date).
    """
    import json

    from domain.errors import InvalidInput
    from domain.services.order_events import RecordedEvent, parse_kind, record_order_event

    def bad(message: str) -> NoReturn:
        fail(f"error: {message}", status=2)

    try:
        parse_kind(kind)
        data = json.loads(data_json) if data_json is not None else None
    except InvalidInput as error:
        bad(str(error))
    except json.JSONDecodeError as error:
        bad(f"--data is not JSON: {error.msg} (column {error.colno})")

    async def work(uow_factory: UnitOfWorkFactory) -> RecordedEvent:
        async with uow_factory() as uow:
            try:
                recorded = await record_order_event(
                    uow, clock(), await find_store_id(uow, store), order, kind, data, key=key
                )
            except InvalidInput as error:
                bad(str(error))
            await uow.commit()
            return recorded

    recorded = run_with_database(state.settings, work)
    if recorded.duplicate:
        click.echo(f"event #{recorded.event_id} was recorded before (same key): nothing changed")
    else:
        click.echo(f"event #{recorded.event_id} {recorded.kind.value} recorded; the running bot tells the buyer")


@cli.group()
def demo() -> None:
    """Demo data."""


@demo.command("seed")
@pass_state
def demo_seed(state: CliState) -> None:
    """Create (or refresh) two demo stores with orders in every status."""
    from domain.services.demo import DemoSeed, seed_demo

    async def work(uow_factory: UnitOfWorkFactory) -> DemoSeed:
        async with uow_factory() as uow:
            seeded = await seed_demo(uow, clock())
            await uow.commit()
            return seeded

    seeded = run_with_database(state.settings, work)
    for demo_store in seeded.stores:
        numbers = [o.number for o in seeded.orders if o.store_id == demo_store.id]
        click.echo(
            f"store #{demo_store.id} {demo_store.name!r} ({demo_store.timezone}, {demo_store.country}): "
            f"orders {', '.join(numbers)}"
        )
        click.echo(f"  agent code: /start a_{demo_store.agent_invite_code}")
        click.echo(f"  group code: /link g_{demo_store.group_link_code}")


@cli.group(invoke_without_command=True)
@click.pass_context
def inbox(context: click.Context) -> None:
    """Updates the bot could not handle (parked after their retries); without a subcommand, list them."""
    if context.invoked_subcommand is not None:
        return
    from domain.storage.repositories.pipeline import InboxRepository

    async def work(uow_factory: UnitOfWorkFactory) -> list[str]:
        async with uow_factory() as uow:
            return [
                f"{row.update_id}\t{row.conversation_key}\tattempts {row.attempts}\t{_first_line_of(row.last_error)}"
                for row in await InboxRepository(uow.session).parked()
            ]

    state = context.ensure_object(CliState)
    for line in run_with_database(state.settings, work) or ["no parked updates"]:
        click.echo(line)


def _first_line_of(text: str | None) -> str:
    return (text or "").strip().splitlines()[0] if (text or "").strip() else "-"


# The bot's own updates have negative ids (`aftersales inbox retry -5`): not options.
@inbox.command("retry", context_settings={"ignore_unknown_options": True})
@click.argument("update_id", type=int)
@pass_state
def inbox_retry(state: CliState, update_id: int) -> None:
    """Queue parked update UPDATE_ID for the running bot to handle again."""
    from domain.storage.repositories.pipeline import InboxRepository

    async def work(uow_factory: UnitOfWorkFactory) -> bool:
        async with uow_factory() as uow:
            requeued = await InboxRepository(uow.session).requeue(update_id)
            await uow.commit()
            return requeued

    if not run_with_database(state.settings, work):
        fail(f"error: update {update_id} is not parked (see `aftersales inbox`)")
    click.echo(f"update {update_id} queued again; the running bot handles it within a second or two")


@cli.group(invoke_without_command=True)
@click.pass_context
def deadlines(context: click.Context) -> None:
    """Deadlines whose handler kept failing (parked after their tries); without a subcommand, list them."""
    if context.invoked_subcommand is not None:
        return

    async def work(uow_factory: UnitOfWorkFactory) -> list[str]:
        async with uow_factory() as uow:
            return [
                f"{row.id}\t{row.kind}\t{row.subject_type} {row.subject_id}\tdue {row.due_at.isoformat()}"
                f"\tattempts {row.attempts}\t{_first_line_of(row.last_error)}"
                for row in await uow.deadlines.parked()
            ]

    state = context.ensure_object(CliState)
    for line in run_with_database(state.settings, work) or ["no parked deadlines"]:
        click.echo(line)


@deadlines.command("retry")
@click.argument("deadline_id", type=int, required=False)
@click.option("--all", "every", is_flag=True, help="Every parked deadline.")
@pass_state
def deadlines_retry(state: CliState, deadline_id: int | None, every: bool) -> None:
    """Give parked deadline DEADLINE_ID (or --all of them) a fresh set of tries by the running bot."""
    if (deadline_id is not None) == every:
        fail("error: name one DEADLINE_ID or --all (see `aftersales deadlines`)")

    async def work(uow_factory: UnitOfWorkFactory) -> int:
        async with uow_factory() as uow:
            count = await uow.deadlines.retry(deadline_id)
            await uow.commit()
            return count

    count = run_with_database(state.settings, work)
    if deadline_id is not None and not count:
        fail(f"error: deadline {deadline_id} is not parked (see `aftersales deadlines`)")
    what = f"deadline {deadline_id} is" if deadline_id is not None else f"{count} deadlines are"
    click.echo(f"{what} due again; the running bot tries at its next sweep, within seconds")


@cli.group(invoke_without_command=True)
@click.pass_context
def webhooks(context: click.Context) -> None:
    """Money webhooks not delivered yet (pending, failed, parked); without a subcommand, list them."""
    if context.invoked_subcommand is not None:
        return
    from domain.storage.repositories.webhooks import listed_status

    async def work(uow_factory: UnitOfWorkFactory) -> list[str]:
        async with uow_factory() as uow:
            return [
                f"{row.id}\t{row.event_type}\t{row.idempotency_key}\t{listed_status(row)}"
                f"\tattempts {row.attempts}\t{_first_line_of(row.last_error)}"
                for row in await uow.webhooks.undelivered()
            ]

    state = context.ensure_object(CliState)
    for line in run_with_database(state.settings, work) or ["no pending, failed or parked webhooks"]:
        click.echo(line)


@webhooks.command("replay")
@click.argument("webhook_id", type=int)
@pass_state
def webhooks_replay(state: CliState, webhook_id: int) -> None:
    """Send webhook WEBHOOK_ID again (parked, failing or even delivered), with the same idempotency key."""

    async def work(uow_factory: UnitOfWorkFactory) -> str | None:
        async with uow_factory() as uow:
            event = await uow.webhooks.get(webhook_id)
            if event is None or not await uow.webhooks.replay(webhook_id, now=clock().now()):
                return None
            await uow.commit()
            return event.idempotency_key

    key = run_with_database(state.settings, work)
    if key is None:
        fail(f"error: no webhook {webhook_id} (see `aftersales webhooks`)", status=2)
    click.echo(f"webhook {webhook_id} ({key}) queued again with the same key; the running bot posts it within seconds")


@cli.group()
def moderation() -> None:
    """The moderation screen, without the bot or a database."""


@moderation.command("check")
def moderation_check() -> None:
    """Screen standard input: JSON lines {"text", "lang", "facts"} or plain lines; one JSON verdict per line."""
    import json

    from domain.moderation.jsonlines import BadLine, screen_line

    for number, line in enumerate(click.get_text_stream("stdin"), start=1):
        try:
            click.echo(json.dumps(screen_line(line.rstrip("\r\n")), ensure_ascii=False))
        except BadLine as error:
            fail(f"line {number}: {error}", status=2)


def main() -> None:
    cli(prog_name="aftersales")


if __name__ == "__main__":
    main()
