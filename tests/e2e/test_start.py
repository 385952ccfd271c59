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


async def test_names_are_escaped_not_parsed(chat):
    buyer = await chat.user("<b>Eve</b> & co", lang="en")
    await buyer.send("/start")
    greeting = await buyer.expect(contains="Hello")
    assert "<b>Eve</b> & co" in greeting.text
