"""One-time codes: agents join a store, groups link to it; each code works once, before it expires."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from domain.enums import Role
from domain.errors import InvalidCode
from domain.models import InviteCode
from domain.services.codes import hash_code
from domain.services.stores import (
    add_store,
    create_group_link_code,
    invite_agent,
    redeem_agent_invite,
    redeem_group_link_code,
)


@pytest.fixture
async def store_id(uow_factory, clock) -> int:
    async with uow_factory() as uow:
        store = await add_store(
            uow, clock, name="Shanghai Silk House", timezone="Asia/Shanghai", country="CN", currency="CNY"
        )
        await uow.commit()
        return store.id


async def _invite(uow_factory, clock, store_id, **kwargs) -> str:
    async with uow_factory() as uow:
        code = await invite_agent(uow, clock, store_id, **kwargs)
        await uow.commit()
        return code


async def test_code_is_unguessable_and_stored_only_as_a_hash(uow_factory, clock, store_id) -> None:
    code = await _invite(uow_factory, clock, store_id)
    assert len(code) >= 22 and len(f"a_{code}") <= 64
    async with uow_factory() as uow:
        stored = (await uow.session.scalars(select(InviteCode))).all()
    assert [row.code_hash for row in stored] == [hash_code(code)]
    assert code not in repr(stored)


async def test_invite_code_works_once(uow_factory, clock, store_id) -> None:
    code = await _invite(uow_factory, clock, store_id)
    async with uow_factory() as uow:
        agent = await redeem_agent_invite(uow, clock, f"a_{code}", 5001, "Mei")  # with the /start prefix
        await uow.commit()
    async with uow_factory() as uow:
        with pytest.raises(InvalidCode):
            await redeem_agent_invite(uow, clock, code, 5002, "Someone else")
    async with uow_factory() as uow:
        user = await uow.users.by_telegram_id(5001)
        assert user.role == Role.AGENT
        assert [a.id for a in await uow.stores.agents(store_id)] == [agent.id]
        assert [s.id for s in await uow.stores.stores_of_agent(user.id)] == [store_id]
        assert await uow.users.by_telegram_id(5002) is None


async def test_expired_and_unknown_codes_are_refused(uow_factory, clock, store_id) -> None:
    code = await _invite(uow_factory, clock, store_id, ttl=timedelta(hours=1))
    clock.advance(hours=1)
    async with uow_factory() as uow:
        with pytest.raises(InvalidCode):
            await redeem_agent_invite(uow, clock, code, 5001, "Mei")
        with pytest.raises(InvalidCode):
            await redeem_agent_invite(uow, clock, "not-a-real-code-at-all", 5001, "Mei")


async def test_two_people_racing_for_one_code_one_wins(uow_factory, clock, store_id) -> None:
    code = await _invite(uow_factory, clock, store_id)

    async def redeem(telegram_id: int) -> bool:
        async with uow_factory() as uow:
            try:
                await redeem_agent_invite(uow, clock, code, telegram_id, f"agent {telegram_id}")
            except InvalidCode:
                return False
            await uow.commit()
            return True

    assert sorted(await asyncio.gather(redeem(7001), redeem(7002))) == [False, True]


async def test_group_link_code_links_the_group_once(uow_factory, clock, store_id) -> None:
    async with uow_factory() as uow:
        code = await create_group_link_code(uow, clock, store_id)
        await uow.commit()
    async with uow_factory() as uow:
        group = await redeem_group_link_code(uow, clock, f"g_{code}", -1001234567890, "Silk support")
        await uow.commit()
    async with uow_factory() as uow:
        with pytest.raises(InvalidCode):
            await redeem_group_link_code(uow, clock, code, -1009999999999, "Another group")
    async with uow_factory() as uow:
        assert (await uow.stores.group_by_chat(-1001234567890)).id == group.id
        assert (await uow.stores.least_busy_group(store_id)).id == group.id
        # Redeeming a group code is not an agent invite, and vice versa.
        agent_code = await invite_agent(uow, clock, store_id)
        with pytest.raises(InvalidCode):
            await redeem_group_link_code(uow, clock, agent_code, -100555, "Wrong kind")
