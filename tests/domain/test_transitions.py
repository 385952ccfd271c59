"""State machines: the tables, legal and illegal moves, and the audit written in the same transaction."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from domain.enums import OfferStatus, OrderStatus, RequestStatus, TicketStatus
from domain.errors import DomainError, IllegalTransition
from domain.models import AuditEvent, Ticket
from domain.states import MACHINES, allowed_next, can_transition, transition


@pytest.mark.parametrize("machine", MACHINES.values(), ids=lambda m: m.subject_type)
def test_every_status_has_a_row_and_targets_are_statuses(machine) -> None:
    assert set(machine.transitions) == set(machine.status_type)
    for targets in machine.transitions.values():
        assert targets <= set(machine.status_type)


def test_terminal_statuses_lead_nowhere() -> None:
    from domain.models import Offer, Order

    assert MACHINES[Ticket].transitions[TicketStatus.CLOSED] == frozenset()
    assert MACHINES[Order].transitions[OrderStatus.DELIVERED] == frozenset()
    assert all(not MACHINES[Offer].transitions[s] for s in OfferStatus if s != OfferStatus.PENDING)


async def test_allowed_transition_sets_status_and_audits(uow_factory, clock, world) -> None:
    async with uow_factory() as uow:
        ticket = await uow.tickets.get(world.ticket_id)
        assert allowed_next(ticket) == {TicketStatus.WAITING_SELLER, TicketStatus.WAITING_BUYER, TicketStatus.CLOSED}
        assert can_transition(ticket, TicketStatus.WAITING_SELLER)
        await transition(
            uow, ticket, TicketStatus.WAITING_SELLER, actor="buyer:1", reason="sent evidence", at=clock.now()
        )
        await uow.commit()

    async with uow_factory() as uow:
        ticket = await uow.tickets.get(world.ticket_id)
        assert ticket.status == TicketStatus.WAITING_SELLER
        events = await uow.audit.for_subject("ticket", world.ticket_id)
        assert [(e.event_type, e.actor, e.data) for e in events] == [
            ("ticket.status_changed", "buyer:1", {"from": "open", "to": "waiting_seller", "reason": "sent evidence"})
        ]
        assert events[0].at == clock.now()


async def test_illegal_transition_raises_and_changes_nothing(uow_factory, clock, world) -> None:
    async with uow_factory() as uow:
        ticket = await uow.tickets.get(world.ticket_id)
        await transition(uow, ticket, TicketStatus.CLOSED, actor="buyer:1", at=clock.now())
        with pytest.raises(IllegalTransition) as caught:
            await transition(uow, ticket, TicketStatus.WAITING_BUYER, actor="agent:1", at=clock.now())
        assert ticket.status == TicketStatus.CLOSED
        await uow.commit()
    error = caught.value
    assert isinstance(error, DomainError)
    assert (error.code, error.subject, error.from_status, error.to_status) == (
        "illegal_transition",
        "ticket",
        "closed",
        "waiting_buyer",
    )
    async with uow_factory() as uow:
        assert len(await uow.audit.for_subject("ticket", world.ticket_id)) == 1


async def test_rollback_drops_status_and_audit_together(uow_factory, clock, world) -> None:
    async with uow_factory() as uow:
        request = await uow.requests.get(world.request_id)
        await transition(uow, request, RequestStatus.APPROVED, actor="system", reason="seller silent", at=clock.now())
        await uow.flush()  # both rows reach the database inside the transaction...
        assert (
            await uow.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.subject_type == "request")) == 1
        )
        await uow.rollback()  # ...and leave it together

    async with uow_factory() as uow:
        request = await uow.requests.get(world.request_id)
        assert request.status == RequestStatus.AWAITING_SELLER
        assert await uow.audit.for_subject("request", world.request_id) == []


async def test_leaving_the_unit_of_work_without_commit_rolls_back(uow_factory, clock, world) -> None:
    async with uow_factory() as uow:
        ticket = await uow.tickets.get(world.ticket_id)
        await transition(uow, ticket, TicketStatus.WAITING_BUYER, actor="agent:1", at=clock.now())
    async with uow_factory() as uow:
        assert (await uow.tickets.get(world.ticket_id)).status == TicketStatus.OPEN
        assert await uow.audit.for_subject("ticket", world.ticket_id) == []


async def test_status_strings_are_accepted_and_checked(uow_factory, clock, world) -> None:
    async with uow_factory() as uow:
        order = await uow.orders.get(world.order_id)
        with pytest.raises(IllegalTransition):
            await transition(uow, order, "confirmed", actor="operator", at=clock.now())  # type: ignore[arg-type]
        with pytest.raises(ValueError):
            await transition(uow, order, "teleported", actor="operator", at=clock.now())  # type: ignore[arg-type]


def test_an_entity_without_a_machine_is_a_programming_error() -> None:
    from domain.states import machine_for

    with pytest.raises(TypeError):
        machine_for(object())


async def test_a_status_changed_meanwhile_is_not_overwritten(uow_factory, clock, world) -> None:
    """The in-memory row says open, the database says closed: the move is refused, not applied."""
    from sqlalchemy import update

    from domain.errors import ConcurrentChange

    async with uow_factory() as uow:
        ticket = await uow.tickets.get(world.ticket_id)
        # What another transaction committed after this one read the ticket.
        await uow.session.execute(
            update(Ticket)
            .where(Ticket.id == ticket.id)
            .values(status=TicketStatus.CLOSED.value)
            .execution_options(synchronize_session=False)
        )
        with pytest.raises(ConcurrentChange):
            await transition(uow, ticket, TicketStatus.WAITING_BUYER, actor="agent:1", at=clock.now())
        events = await uow.audit.for_subject("ticket", world.ticket_id)
        assert [e for e in events if e.event_type == "ticket.status_changed"] == []


async def test_two_transactions_racing_move_a_status_once(uow_factory, clock, world, database_url) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite serialises writers (BEGIN IMMEDIATE): two cannot hold the same read")
    from domain.errors import ConcurrentChange

    async with uow_factory() as first, uow_factory() as second:
        mine = await first.tickets.get(world.ticket_id)
        theirs = await second.tickets.get(world.ticket_id)
        await transition(first, mine, TicketStatus.CLOSED, actor="buyer:1", at=clock.now())
        await first.commit()
        with pytest.raises(ConcurrentChange):
            await transition(second, theirs, TicketStatus.WAITING_BUYER, actor="agent:1", at=clock.now())
    async with uow_factory() as uow:
        assert (await uow.tickets.get(world.ticket_id)).status == TicketStatus.CLOSED
