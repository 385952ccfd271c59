"""A buyer's first contact: /start greets from a template with buttons that work."""


async def test_start_greets_in_english_with_buttons_that_answer(chat):
    buyer = await chat.user("Alice", lang="en")
    await buyer.send("/start")
    greeting = await buyer.expect(contains="Hello, Alice")
    assert [b for row in greeting.buttons for b in row] == ["📦 My orders", "❓ Help"]

    answer = await greeting.press("📦 My orders")
    assert answer["text"] == "Your orders"
    await buyer.expect(contains="no orders linked")

    await greeting.press("❓ Help")
    await buyer.expect(contains="How I can help")


async def test_start_greets_in_chinese_for_a_chinese_client(chat):
    buyer = await chat.user("李伟", lang="zh-hans")
    await buyer.send("/start")
    greeting = await buyer.expect(contains="您好")
    assert "李伟" in greeting.text
    answer = await greeting.press("📦 我的订单")
    assert answer["text"] == "您的订单"
    await buyer.expect(contains="此聊天尚未关联任何订单")


async def test_names_are_escaped_not_parsed(chat):
    buyer = await chat.user("<b>Eve</b> & co", lang="en")
    await buyer.send("/start")
    greeting = await buyer.expect(contains="Hello")
    assert "<b>Eve</b> & co" in greeting.text


async def test_a_button_from_an_older_bot_version_gets_an_alert(chat, sandbox, bot_token):
    import aiohttp

    buyer = await chat.user("Bob", lang="en")
    await buyer.send("/start")  # Telegram lets a bot write only to people who started it
    await buyer.expect(contains="Hello, Bob")
    # A message an earlier version of the bot left in the chat, with a button we no longer know.
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{sandbox.bot_api_base_url}{bot_token}/sendMessage",
            json={
                "chat_id": buyer.id,
                "text": "Old menu",
                "reply_markup": {"inline_keyboard": [[{"text": "Old thing", "callback_data": "old:thing"}]]},
            },
        ) as response:
            assert (await response.json())["ok"] is True
    old = await buyer.expect(contains="Old menu")
    answer = await old.press("Old thing")
    assert answer["show_alert"] is True
    assert "no longer valid" in answer["text"]
