"""The web chat shows a bot's reaction under the message it marks, and follows it as it changes."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

pytestmark = pytest.mark.browser


async def test_a_reaction_shows_under_the_bubble_and_follows_changes(server, bot, page):
    ann = server.world.add_person(first_name="Ann", language_code="en", label="Agent · Ann")
    group = server.world.add_group(title="Kettle club", is_forum=True, member_ids=[ann.id], admin_bot_ids=[bot.id])
    topic = await bot.call("createForumTopic", chat_id=group.group_id, name="#1 Question")
    assert topic["message_thread_id"]

    await page.goto(f"{server.url}/?as={ann.id}")
    await page.get_by_test_id("chat-item").filter(has_text="Kettle club").click()
    await page.get_by_test_id("topic-item").filter(has_text="#1 Question").click()
    await page.get_by_test_id("composer-input").fill("// call the courier first")
    await page.get_by_test_id("composer-input").press("Enter")
    update = await bot.next_update(lambda u: u.get("message", {}).get("text", "").startswith("//"))
    note = update["message"]["message_id"]

    row = page.get_by_test_id("message").filter(has_text="call the courier")
    await expect(row.get_by_test_id("reaction")).to_have_count(0)
    await bot.call(
        "setMessageReaction", chat_id=group.group_id, message_id=note, reaction=[{"type": "emoji", "emoji": "✍"}]
    )
    await expect(row.get_by_test_id("message-reactions")).to_be_visible()
    await expect(row.get_by_test_id("reaction")).to_have_text("✍1")
    # The pill is under the bubble, not inside it.
    assert await row.locator(".bubble [data-testid=reaction]").count() == 0

    await bot.call(
        "setMessageReaction", chat_id=group.group_id, message_id=note, reaction=[{"type": "emoji", "emoji": "👌"}]
    )
    await expect(row.get_by_test_id("reaction")).to_have_text("👌1")
    await bot.call("setMessageReaction", chat_id=group.group_id, message_id=note, reaction=[])
    await expect(row.get_by_test_id("reaction")).to_have_count(0)
