"""What a relayed buyer message costs the database, counted in SQL statements (not timed: counts do not flake).

The relay is the hot path (docs: make bench); each statement is a round trip
through the async driver. These budgets pin the work the relay must not do
again: reading a copy back that was just written, cancelling a silence clock
that is not running, summarising the buyer's tickets to route to the only one.
"""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from domain.enums import CopyRole, TicketReason
from domain.services.relay import record_agent_message, record_buyer_message, record_copy, route_free_text
from domain.services.tickets import open_ticket

BUYER_CHAT, GROUP_CHAT = 1001, -100500


@contextmanager
def counted(engine):
    """The statements run on `engine` inside the block (BEGIN and COMMIT are not statements here)."""
    statements: list[str] = []

    def before(conn, cursor, statement, *args):
        statements.append(statement.split(None, 1)[0].upper())

    sync_engine = engine.sync_engine
    event.listen(sync_engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(sync_engine, "before_cursor_execute", before)


async def _waiting_for_the_seller(uow_factory, clock, shop) -> int:
    async with uow_factory() as uow:
        (await uow.users.by_telegram_id(shop.agent)).language = "de"  # not the default: read, not assumed
        opened = await open_ticket(uow, clock, shop.buyer, shop.orders["C-1"], TicketReason.CONTACT_SELLER, "hi")
        await uow.commit()
    async with uow_factory() as uow:
        await record_buyer_message(uow, clock, opened.ticket.ticket_id, "are you there?")
        await uow.commit()
    return opened.ticket.ticket_id


async def test_a_buyer_message_into_a_ticket_waiting_for_the_seller(engine, uow_factory, clock, shop) -> None:
    ticket_id = await _waiting_for_the_seller(uow_factory, clock, shop)
    async with uow_factory() as uow:
        with counted(engine) as statements:
            route = await route_free_text(uow, shop.buyer)
            recorded = await record_buyer_message(uow, clock, route.ticket_id, "still waiting")
            await record_copy(uow, clock, recorded.message_id, BUYER_CHAT, 50, role=CopyRole.ORIGINAL)
            language = await uow.stores.first_agent_language(recorded.store_id)  # the copy's header
        await uow.commit()
    assert (route.kind, route.ticket_id, recorded.status_changed) == ("one", ticket_id, False)
    assert language == "de"
    # The user; their open tickets, each with its group, its store and the agents' language joined;
    # the message; the copy.
    assert "UPDATE" not in statements, statements  # no status move, no clock to cancel
    assert statements == ["SELECT", "SELECT", "INSERT", "INSERT"], statements


async def test_the_agents_language_is_read_when_the_store_came_without_it(uow_factory, engine, clock, shop) -> None:
    await _waiting_for_the_seller(uow_factory, clock, shop)
    async with uow_factory() as uow:
        await uow.stores.get(shop.store_id)  # in the session, but without the agents' language
        with counted(engine) as statements:
            assert await uow.stores.first_agent_language(shop.store_id) == "de"
    assert statements == ["SELECT"]


async def test_a_copy_is_one_insert_and_a_redelivered_one_costs_a_look(engine, uow_factory, clock, shop) -> None:
    ticket_id = await _waiting_for_the_seller(uow_factory, clock, shop)
    async with uow_factory() as uow:
        reply = await record_agent_message(uow, clock, ticket_id, shop.agent, "We are on it.")
        await uow.commit()
    async with uow_factory() as uow:
        with counted(engine) as first:
            await record_copy(uow, clock, reply.message_id, BUYER_CHAT, 60)
        with counted(engine) as again:
            await record_copy(uow, clock, reply.message_id, BUYER_CHAT, 60)
        await uow.commit()
    assert first == ["INSERT"]
    assert again == ["INSERT", "SELECT"]  # nothing written; the existing copy is the same message's
