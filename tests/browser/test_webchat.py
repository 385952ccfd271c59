"""The web chat in a real browser: a person picks themself, chats with the
bot (played here by the test through the Bot API) and sees what a Telegram
client would show."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

pytestmark = pytest.mark.browser


async def test_buyer_starts_the_bot_and_presses_a_button(server, bot, page, screenshot):
    alice = server.world.add_person(first_name="Alice", language_code="en", label="Buyer · Alice")
    server.world.add_person(first_name="Bob", language_code="en", label="Agent · Bob")

    await page.goto(server.url)
    await expect(page.get_by_role("heading", name="Who are you?")).to_be_visible()
    await screenshot("01-who-are-you")
    await page.get_by_test_id("persona-list").get_by_role("button", name=re.compile("Buyer · Alice")).click()
    await expect(page).to_have_url(re.compile(rf"[?&]as={alice.id}\b"))
    await expect(page.get_by_test_id("current-persona")).to_have_text("Buyer · Alice")

    await page.get_by_test_id("chat-item").filter(has_text="Aftersales").click()
    composer = page.get_by_test_id("composer-input")
    await composer.fill("/start")
    await composer.press("Enter")
    await expect(composer).to_have_value("")

    update = await bot.next_update(lambda u: "message" in u)
    assert update["message"]["text"] == "/start"
    assert update["message"]["chat"]["id"] == alice.id
    await bot.call(
        "sendMessage",
        chat_id=alice.id,
        text="Welcome to <b>Aftersales</b>! What can we do for you?",
        parse_mode="HTML",
        reply_markup={
            "inline_keyboard": [
                [{"text": "My orders", "callback_data": "orders"}],
                [{"text": "Help centre", "url": "https://example.com/help"}],
            ]
        },
    )

    reply = page.get_by_test_id("message").filter(has_text="Welcome to Aftersales!")
    await expect(reply).to_be_visible()
    await expect(reply.locator("b")).to_have_text("Aftersales")
    await expect(page.get_by_test_id("message").filter(has_text="/start")).to_have_class(re.compile(r"\bout\b"))
    await reply.get_by_role("button", name="My orders").click()

    update = await bot.next_update(lambda u: "callback_query" in u)
    query = update["callback_query"]
    assert query["data"] == "orders"
    assert query["from"]["id"] == alice.id
    await bot.call("answerCallbackQuery", callback_query_id=query["id"], text="You have no orders yet")
    await expect(page.get_by_test_id("toast")).to_have_text("You have no orders yet")
    await expect(page.get_by_test_id("chat-item")).to_contain_text("Welcome to Aftersales!")

    # A URL button opens its page in a new tab (served here, the machine is offline).
    await page.context.route(
        "https://example.com/**", lambda route: route.fulfill(body="<h1>Help</h1>", content_type="text/html")
    )
    async with page.context.expect_page() as new_tab:
        await reply.get_by_role("button", name="Help centre").click()
    help_tab = await new_tab.value
    await help_tab.wait_for_load_state()
    assert help_tab.url == "https://example.com/help"
    await help_tab.close()
    await screenshot("02-buyer-chat")

    # A reload keeps the person and the open chat.
    await page.reload()
    await expect(page.get_by_test_id("current-persona")).to_have_text("Buyer · Alice")
    await expect(page.get_by_test_id("message").filter(has_text="Welcome to Aftersales!")).to_be_visible()


async def test_agent_sees_a_forum_topic_and_writes_in_it(server, bot, page, screenshot):
    bob = server.world.add_person(first_name="Bob", language_code="en", label="Agent · Bob")
    group = server.world.add_group(title="Store support", is_forum=True, member_ids=[bob.id], admin_bot_ids=[bot.id])
    topic = await bot.call("createForumTopic", chat_id=group.group_id, name="Order #1042 · leaking kettle")
    thread_id = topic["message_thread_id"]
    await bot.call(
        "sendMessage",
        chat_id=group.group_id,
        message_thread_id=thread_id,
        text="New ticket from Alice: the kettle leaks after two days.",
    )

    await page.goto(f"{server.url}/?as={bob.id}")
    await page.get_by_test_id("chat-item").filter(has_text="Store support").click()
    await page.get_by_test_id("topic-item").filter(has_text="Order #1042").click()
    await expect(page.get_by_test_id("conversation-title")).to_have_text("Order #1042 · leaking kettle")
    await expect(page.get_by_test_id("message").filter(has_text="the kettle leaks")).to_be_visible()
    await expect(page.get_by_test_id("service-message")).to_contain_text("Order #1042")

    composer = page.get_by_test_id("composer-input")
    await composer.fill("On it: I will ask the seller for a replacement.")
    await page.get_by_test_id("send-button").click()

    update = await bot.next_update(lambda u: "message" in u and u["message"]["from"]["id"] == bob.id)
    message = update["message"]
    assert message["chat"]["id"] == group.group_id
    assert message["message_thread_id"] == thread_id
    assert message["text"] == "On it: I will ask the seller for a replacement."

    # Shift+Enter breaks the line; Enter sends.
    await composer.type("Line one")
    await composer.press("Shift+Enter")
    await composer.type("line two")
    await composer.press("Enter")
    update = await bot.next_update(lambda u: "message" in u and u["message"]["from"]["id"] == bob.id)
    assert update["message"]["text"] == "Line one\nline two"
    assert update["message"]["message_thread_id"] == thread_id

    # The bot's answer arrives live, in the topic, from the bot.
    await bot.call(
        "sendMessage",
        chat_id=group.group_id,
        message_thread_id=thread_id,
        text="Noted. The seller has 48 hours to answer.",
    )
    live = page.get_by_test_id("message").filter(has_text="The seller has 48 hours")
    await expect(live).to_be_visible()
    await expect(live).to_contain_text("Aftersales")  # the sender's name in a group
    await screenshot("03-agent-topic")


async def test_media_albums_documents_edits_and_uploads(server, bot, page, screenshot, png):
    alice = server.world.add_person(first_name="Alice", language_code="en", label="Buyer · Alice")
    await page.goto(f"{server.url}/?as={alice.id}")
    await page.get_by_test_id("chat-item").filter(has_text="Aftersales").click()
    await page.get_by_test_id("start-button").click()
    await bot.next_update(lambda u: u.get("message", {}).get("text") == "/start")

    sent = await bot.call("sendMessage", chat_id=alice.id, text="Your order ships on Monday.")
    await bot.call(
        "sendMediaGroup",
        chat_id=alice.id,
        media=[
            {"type": "photo", "media": "attach://one", "caption": "The parcel, before and after"},
            {"type": "photo", "media": "attach://two"},
        ],
        files={
            "one": ("one.png", png(320, 240, (230, 120, 90)), "image/png"),
            "two": ("two.png", png(320, 240, (90, 150, 230)), "image/png"),
        },
    )
    await bot.call(
        "sendDocument",
        chat_id=alice.id,
        caption="Your invoice",
        files={"document": ("invoice-1042.pdf", b"%PDF-1.4 stand-in", "application/pdf")},
    )
    await bot.call(
        "editMessageText", chat_id=alice.id, message_id=sent["message_id"], text="Your order ships on Tuesday."
    )

    album = page.get_by_test_id("message").filter(has_text="The parcel, before and after")
    await expect(album.get_by_test_id("message-photo")).to_have_count(2)
    await expect(page.get_by_test_id("message-document")).to_contain_text("invoice-1042.pdf")
    edited = page.get_by_test_id("message").filter(has_text="ships on Tuesday")
    await expect(edited.get_by_test_id("edited-mark")).to_be_visible()
    await expect(page.get_by_test_id("message").filter(has_text="ships on Monday")).to_have_count(0)

    # The buyer replies to the edited message with a photo.
    await edited.hover()
    await edited.get_by_role("button", name="Reply").click()
    await page.get_by_test_id("attach-button").click()
    async with page.expect_file_chooser() as chooser_info:
        await page.get_by_test_id("attach-photo").click()
    chooser = await chooser_info.value
    await chooser.set_files([{"name": "broken.png", "mimeType": "image/png", "buffer": png(400, 300, (200, 60, 60))}])
    await expect(page.get_by_test_id("attachment")).to_have_count(1)
    composer = page.get_by_test_id("composer-input")
    await composer.fill("It arrived broken")
    await composer.press("Enter")

    update = await bot.next_update(lambda u: "photo" in u.get("message", {}))
    assert update["message"]["caption"] == "It arrived broken"
    assert update["message"]["reply_to_message"]["message_id"] == sent["message_id"]
    mine = page.get_by_test_id("message").filter(has_text="It arrived broken")
    await expect(mine.get_by_test_id("reply-quote")).to_contain_text("ships on Tuesday")
    await expect(mine.get_by_test_id("message-photo")).to_have_count(1)
    await screenshot("04-media")


async def test_control_api_refusals_show_as_error_toasts(server, bot, page):
    alice = server.world.add_person(first_name="Alice", language_code="en", label="Buyer · Alice")
    await page.goto(f"{server.url}/?as={alice.id}")
    await page.get_by_test_id("chat-item").filter(has_text="Aftersales").click()
    # Blocked bots refuse messages; the page says why instead of failing quietly.
    server.world.set_blocked(server.world.person(alice.id), bot.user, True)
    composer = page.get_by_test_id("composer-input")
    await composer.fill("hello?")
    await composer.press("Enter")
    await expect(page.get_by_test_id("error-toast")).to_contain_text("blocked")
    await expect(composer).to_have_value("hello?")


async def test_switching_person_is_one_click(server, bot, page):
    alice = server.world.add_person(first_name="Alice", language_code="en", label="Buyer · Alice")
    bob = server.world.add_person(first_name="Bob", language_code="en", label="Agent · Bob")
    server.world.add_group(title="Store support", is_forum=True, member_ids=[bob.id], admin_bot_ids=[bot.id])
    await page.goto(f"{server.url}/?as={alice.id}")
    await expect(page.get_by_test_id("chat-item").filter(has_text="Store support")).to_have_count(0)

    await page.get_by_test_id("persona-rail").get_by_role("button", name="Agent · Bob").click()
    await expect(page.get_by_test_id("current-persona")).to_have_text("Agent · Bob")
    await expect(page).to_have_url(re.compile(rf"[?&]as={bob.id}\b"))
    await expect(page.get_by_test_id("chat-item").filter(has_text="Store support")).to_be_visible()


async def test_updates_keep_coming_by_long_polling_when_the_socket_is_down(server, bot, page):
    alice = server.world.add_person(first_name="Alice", language_code="en", label="Buyer · Alice")

    async def refuse(socket):
        await socket.close()

    await page.route_web_socket(re.compile(r"/ws$"), refuse)
    await page.goto(f"{server.url}/?as={alice.id}")
    await page.get_by_test_id("chat-item").filter(has_text="Aftersales").click()
    await page.get_by_test_id("start-button").click()
    await bot.next_update(lambda u: u.get("message", {}).get("text") == "/start")
    await expect(page.get_by_test_id("connection-status")).to_have_attribute(
        "data-status", re.compile("polling|reconnecting")
    )

    await bot.call("sendMessage", chat_id=alice.id, text="Delivered by long polling")
    await expect(page.get_by_test_id("message").filter(has_text="Delivered by long polling")).to_be_visible()

    # A long poll still open on the server would hold the server's shutdown
    # for its whole timeout: close the page, then wake the poll with an event.
    await page.context.close()
    await bot.call("sendMessage", chat_id=alice.id, text="Goodbye")


async def test_arrow_up_edits_the_last_own_message(server, bot, page):
    alice = server.world.add_person(first_name="Alice", language_code="en", label="Buyer · Alice")
    await page.goto(f"{server.url}/?as={alice.id}")
    await page.get_by_test_id("chat-item").filter(has_text="Aftersales").click()
    composer = page.get_by_test_id("composer-input")
    await composer.fill("My order nubmer is 1042")
    await composer.press("Enter")
    await bot.next_update(lambda u: "message" in u)
    # Arrow-Up edits the last message shown as sent; wait until the page shows it.
    await expect(page.get_by_test_id("message").filter(has_text="nubmer")).to_be_visible()

    await composer.press("ArrowUp")
    await expect(composer).to_have_value("My order nubmer is 1042")
    await composer.fill("My order number is 1042")
    await composer.press("Enter")

    update = await bot.next_update(lambda u: "edited_message" in u)
    assert update["edited_message"]["text"] == "My order number is 1042"
    mine = page.get_by_test_id("message").filter(has_text="My order number is 1042")
    await expect(mine.get_by_test_id("edited-mark")).to_be_visible()
    await expect(page.get_by_test_id("message")).to_have_count(1)


async def test_alerts_are_modal_and_other_chats_count_unread(server, bot, page):
    alice = server.world.add_person(first_name="Alice", language_code="en", label="Buyer · Alice")
    club = server.world.add_group(title="Kettle owners", is_forum=False, member_ids=[alice.id], admin_bot_ids=[bot.id])
    await page.goto(f"{server.url}/?as={alice.id}")
    await page.get_by_test_id("chat-item").filter(has_text="Aftersales").click()
    await page.get_by_test_id("start-button").click()
    await bot.next_update(lambda u: "message" in u)
    await bot.call(
        "sendMessage",
        chat_id=alice.id,
        text="Cancel the order?",
        reply_markup={"inline_keyboard": [[{"text": "Cancel order", "callback_data": "cancel"}]]},
    )
    await page.get_by_role("button", name="Cancel order").click()
    query = (await bot.next_update(lambda u: "callback_query" in u))["callback_query"]
    await bot.call(
        "answerCallbackQuery",
        callback_query_id=query["id"],
        text="This order has shipped and cannot be cancelled.",
        show_alert=True,
    )
    alert = page.get_by_test_id("alert-dialog")
    await expect(alert).to_be_visible()
    await expect(alert).to_contain_text("cannot be cancelled")
    await alert.get_by_role("button", name="OK").click()
    await expect(alert).to_be_hidden()

    await bot.call("sendMessage", chat_id=club.group_id, text="Welcome to the club!")
    club_item = page.get_by_test_id("chat-item").filter(has_text="Kettle owners")
    await expect(club_item.get_by_test_id("unread-badge")).to_have_text("1")
    await club_item.click()
    await expect(page.get_by_test_id("message").filter(has_text="Welcome to the club!")).to_be_visible()
    await expect(club_item.get_by_test_id("unread-badge")).to_have_count(0)


async def test_names_and_plain_text_are_never_parsed_as_html(server, bot, page):
    mallory = server.world.add_person(first_name="<b>Mallory</b>", language_code="en", label="<i>Tricky</i>")
    await page.goto(f"{server.url}/?as={mallory.id}")
    await expect(page.get_by_test_id("current-persona")).to_have_text("<i>Tricky</i>")
    await page.get_by_test_id("chat-item").filter(has_text="Aftersales").click()
    composer = page.get_by_test_id("composer-input")
    await composer.fill("<img src=x onerror=alert(1)> hi")
    await composer.press("Enter")
    await bot.next_update(lambda u: "message" in u)
    await bot.call("sendMessage", chat_id=mallory.id, text="<script>window.pwned = 1</script> plain")

    await expect(
        page.get_by_test_id("message").filter(has_text="<script>window.pwned = 1</script> plain")
    ).to_be_visible()
    await expect(page.get_by_test_id("message").filter(has_text="<img src=x onerror=alert(1)> hi")).to_be_visible()
    assert await page.locator("#messages img, #messages script, .me i").count() == 0
    assert await page.evaluate("window.pwned") is None


async def test_an_unknown_person_in_the_url_gets_the_picker_and_a_reason(server, bot, page):
    server.world.add_person(first_name="Alice", language_code="en", label="Buyer · Alice")
    await page.goto(f"{server.url}/?as=42")
    await expect(page.get_by_test_id("error-toast")).to_contain_text("no person #42")
    await expect(page.get_by_role("heading", name="Who are you?")).to_be_visible()


async def test_slash_offers_the_bots_commands_and_commands_in_messages_are_clickable(server, bot, page):
    alice = server.world.add_person(first_name="Alice", language_code="en", label="Buyer · Alice")
    await bot.call(
        "setMyCommands",
        commands=[
            {"command": "orders", "description": "Your orders"},
            {"command": "help", "description": "How this works"},
        ],
    )
    await page.goto(f"{server.url}/?as={alice.id}")
    await page.get_by_test_id("chat-item").filter(has_text="Aftersales").click()
    composer = page.get_by_test_id("composer-input")
    await composer.fill("/or")
    suggestions = page.get_by_test_id("command-suggestion")
    await expect(suggestions).to_have_count(1)
    await expect(suggestions).to_contain_text("Your orders")
    await suggestions.click()
    update = await bot.next_update(lambda u: "message" in u)
    assert update["message"]["text"] == "/orders"

    await bot.call("sendMessage", chat_id=alice.id, text="Nothing here yet. Try /help")
    hint = page.get_by_test_id("message").filter(has_text="Try /help")
    await hint.get_by_role("button", name="/help").click()
    update = await bot.next_update(lambda u: "message" in u)
    assert update["message"]["text"] == "/help"


async def test_slash_offers_the_menu_for_the_persons_language_and_chat(server, bot, page):
    li = server.world.add_person(first_name="Li", language_code="zh-hans", label="Agent · Li")
    server.world.add_group(title="Store support", is_forum=False, member_ids=[li.id], admin_bot_ids=[bot.id])
    await bot.call(
        "setMyCommands",
        commands=[{"command": "orders", "description": "Your orders"}],
        scope={"type": "all_private_chats"},
    )
    await bot.call(
        "setMyCommands",
        commands=[{"command": "orders", "description": "我的订单"}],
        scope={"type": "all_private_chats"},
        language_code="zh",
    )
    await bot.call(
        "setMyCommands",
        commands=[{"command": "queue", "description": "Open tickets"}],
        scope={"type": "all_group_chats"},
    )
    await page.goto(f"{server.url}/?as={li.id}")
    composer = page.get_by_test_id("composer-input")
    suggestions = page.get_by_test_id("command-suggestion")

    await page.get_by_test_id("chat-item").filter(has_text="Aftersales").click()
    await composer.fill("/or")
    await expect(suggestions).to_have_count(1)
    await expect(suggestions).to_contain_text("我的订单")

    await page.get_by_test_id("chat-item").filter(has_text="Store support").click()
    await composer.fill("/qu")
    await expect(suggestions).to_have_count(1)
    await expect(suggestions).to_contain_text("Open tickets")
    await composer.fill("/or")
    await expect(suggestions).to_have_count(0)


async def test_a_sticker_shows_as_a_sticker(server, bot, page):
    from sandbox.client import SandboxClient

    alice = server.world.add_person(first_name="Alice", language_code="en", label="Buyer · Alice")
    await page.goto(f"{server.url}/?as={alice.id}")
    await page.get_by_test_id("chat-item").filter(has_text="Aftersales").click()
    await page.get_by_test_id("start-button").click()
    await bot.next_update(lambda u: u.get("message", {}).get("text") == "/start")
    async with SandboxClient(server.url) as client:
        person = await client.person(alice.id)
        await person.send_sticker(emoji="👍")
    update = await bot.next_update(lambda u: "sticker" in u.get("message", {}))
    assert update["message"]["sticker"]["emoji"] == "👍"
    sticker = page.get_by_test_id("message-sticker")
    await expect(sticker).to_have_count(1)
    await expect(sticker.locator("img")).to_have_attribute("alt", "👍")
    await expect(page.get_by_test_id("chat-item").filter(has_text="Aftersales")).to_contain_text("👍 Sticker")


async def test_avatars_keep_a_leading_emoji_whole(server, bot, page):
    """An avatar shows the first grapheme of a name: a surrogate pair, a ZWJ
    sequence or a flag is never cut into a lone half ("�")."""
    coder = "\U0001f469\u200d\U0001f4bb"  # 👩‍💻, one grapheme of five code units
    flag = "\U0001f1fa\U0001f1e6"  # 🇺🇦, two regional indicators
    circle = "\U0001f7e1"  # 🟡, a surrogate pair
    ann = server.world.add_person(first_name=f"{coder} Ann", language_code="en", label="Agent · Ann")
    group = server.world.add_group(
        title=f"{flag} Kettle club", is_forum=True, member_ids=[ann.id], admin_bot_ids=[bot.id]
    )
    await bot.call("createForumTopic", chat_id=group.group_id, name=f"{circle} #1 Question")

    await page.goto(f"{server.url}/?as={ann.id}")
    await expect(page.locator("#me-avatar")).to_have_text(f"{coder}A")
    forum = page.get_by_test_id("chat-item").filter(has_text="Kettle club")
    await expect(forum.locator(".avatar")).to_have_text(f"{flag}K")
    await forum.click()
    await expect(page.locator("#topics-avatar")).to_have_text(f"{flag}K")

    topic = page.get_by_test_id("topic-item").filter(has_text="#1 Question")
    await expect(topic.locator(".topic-icon")).to_have_text(circle)
    await topic.click()
    await expect(page.get_by_test_id("conversation-title")).to_have_text(f"{circle} #1 Question")
    await expect(page.locator("#conversation-avatar")).to_have_text(circle)

    texts = await page.locator(".avatar, .topic-icon").evaluate_all("nodes => nodes.map((node) => node.textContent)")
    halves = [text for text in texts if any(c == "\ufffd" or "\ud800" <= c <= "\udfff" for c in text)]
    assert texts and not halves, texts
