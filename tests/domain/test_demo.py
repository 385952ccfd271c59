"""Demo seed: two stores, orders in every status, codes that work; repeatable."""

from __future__ import annotations

from domain.enums import OrderStatus
from domain.services.demo import seed_demo
from domain.services.stores import redeem_agent_invite, redeem_group_link_code


async def _seed(uow_factory, clock):
    async with uow_factory() as uow:
        seeded = await seed_demo(uow, clock)
        await uow.commit()
        return seeded


async def test_seed_creates_two_stores_with_orders_in_every_status(uow_factory, clock) -> None:
    seeded = await _seed(uow_factory, clock)
    assert [(s.name, s.timezone, s.country) for s in seeded.stores] == [
        ("Berlin Gadgets", "Europe/Berlin", "DE"),
        ("Shanghai Silk House", "Asia/Shanghai", "CN"),
    ]
    for store in seeded.stores:
        statuses = {o.status for o in seeded.orders if o.store_id == store.id}
        assert statuses == set(OrderStatus)
        assert any(o.international for o in seeded.orders if o.store_id == store.id)
    assert all(o.phone and o.email for o in seeded.orders)
    async with uow_factory() as uow:
        for demo_order in seeded.orders:
            order = await uow.orders.get(demo_order.order_id)
            assert (order.external_number, order.status) == (demo_order.number, demo_order.status)
            assert order.items and order.total_minor > 0
            if order.status == OrderStatus.DELIVERED:
                assert order.delivered_on is not None and order.delivered_on <= clock.now().date()


async def test_seed_is_deterministic_and_repeatable(uow_factory, clock) -> None:
    first = await _seed(uow_factory, clock)
    second = await _seed(uow_factory, clock)
    assert second.store_ids == first.store_ids
    assert second.order_numbers == first.order_numbers
    assert [o.order_id for o in second.orders] == [o.order_id for o in first.orders]
    assert second.stores[0].agent_invite_code != first.stores[0].agent_invite_code  # fresh one-time codes


async def test_seeded_codes_let_an_agent_and_a_group_join(uow_factory, clock) -> None:
    seeded = await _seed(uow_factory, clock)
    berlin = seeded.stores[0]
    async with uow_factory() as uow:
        agent = await redeem_agent_invite(uow, clock, berlin.agent_invite_code, 42, "Demo agent")
        group = await redeem_group_link_code(uow, clock, berlin.group_link_code, -10042, "Demo support")
        await uow.commit()
    assert (agent.store_id, group.store_id) == (berlin.id, berlin.id)
