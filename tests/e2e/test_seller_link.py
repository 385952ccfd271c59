"""A store's people arrive: an agent joins with `/start a_<code>`, a support group links with `/link g_<code>`."""

from __future__ import annotations

import pytest

from domain.services.stores import add_store, create_group_link_code, invite_agent


@pytest.fixture
async def codes(bot_app):
    """A store with a fresh agent invite and group link code (as `aftersales agents invite` prints them)."""
    deps = bot_app.deps
    async with deps.uow_factory() as uow:
        store = await add_store(uow, deps.clock, name="Berlin Gadgets", timezone="Europe/Berlin", country="DE")
        agent_code = await invite_agent(uow, deps.clock, store.id)
        group_code = await create_group_link_code(uow, deps.clock, store.id)
        await uow.commit()
    return {"agent": agent_code, "group": group_code}


async def test_an_agent_joins_with_an_invite_once(chat, codes):
    agent = await chat.user("Karl", lang="en")
    await agent.send(f"/start a_{codes['agent']}")
    await agent.expect(contains="You are now an agent of Berlin Gadgets")

    other = await chat.user("Mallory", lang="en")
    await other.send(f"/start a_{codes['agent']}")
    await other.expect(contains="unknown, used or expired")


async def test_an_agent_is_answered_in_chinese(chat, codes):
    agent = await chat.user("王芳", lang="zh-hans")
    await agent.send(f"/start a_{codes['agent']}")
    await agent.expect(contains="您现在是 Berlin Gadgets 的客服")


async def test_a_forum_group_links_with_a_code_that_then_stops_working(chat, codes):
    admin = await chat.user("Karl", lang="en")
    group = await chat.group("Berlin Gadgets support", members=[admin], forum=True)
    await admin.send(f"/link g_{codes['group']}", chat=group)
    await admin.expect(contains="now answers tickets of Berlin Gadgets", chat=group)

    second = await chat.group("Another group", members=[admin], forum=True)
    await admin.send(f"/link g_{codes['group']}", chat=second)
    await admin.expect(contains="unknown, used or expired", chat=second)


async def test_link_asks_for_topics_and_for_a_code(chat, codes):
    admin = await chat.user("Karl", lang="en")
    plain = await chat.group("No topics here", members=[admin], forum=False)
    await admin.send(f"/link g_{codes['group']}", chat=plain)
    await admin.expect(contains="Turn on Topics", chat=plain)

    forum = await chat.group("Forum", members=[admin], forum=True)
    await admin.send("/link", chat=forum)
    await admin.expect(contains="To link this group", chat=forum)

    await admin.send(f"/link g_{codes['group']}")  # in the private chat
    await admin.expect(contains="not here")


async def test_link_asks_for_the_right_to_manage_topics(chat, codes, sandbox):
    admin = await chat.user("Karl", lang="en")
    bot_id = (await chat.bots())[0]["id"]
    group = sandbox.world.add_group(
        "Support",
        is_forum=True,
        member_ids=[admin.id],
        admin_bot_ids=[bot_id],
        admin_rights={"can_manage_topics": False},
    )
    await admin.send(f"/link g_{codes['group']}", chat=group.group_id)
    await admin.expect(contains="manage topics", chat=group.group_id)
