"""The web chat draws voice and video messages, music and GIFs, and a buyer can send a voice message or a sticker."""

from __future__ import annotations

from playwright.async_api import expect

from sandbox.client import AUDIO_MP3, STICKER_WEBP, VIDEO_MP4, VOICE_OGG


async def test_voice_audio_gif_and_video_messages_show_as_such(server, bot, page, screenshot):
    alice = server.world.add_person(first_name="Alice", language_code="en", label="Buyer · Alice")
    await page.goto(f"{server.url}/?as={alice.id}")
    await page.get_by_test_id("chat-item").filter(has_text="Aftersales").click()
    await page.get_by_test_id("start-button").click()
    await bot.next_update(lambda u: u.get("message", {}).get("text") == "/start")

    await bot.call("sendVoice", chat_id=alice.id, duration="67", files={"voice": ("v.ogg", VOICE_OGG, "audio/ogg")})
    await bot.call(
        "sendAudio",
        chat_id=alice.id,
        performer="The Band",
        title="Tune",
        files={"audio": ("tune.mp3", AUDIO_MP3, "audio/mpeg")},
    )
    await bot.call(
        "sendAnimation",
        chat_id=alice.id,
        caption="so happy",
        files={"animation": ("happy.mp4", VIDEO_MP4, "video/mp4")},
    )
    await bot.call("sendVideoNote", chat_id=alice.id, files={"video_note": ("round.mp4", VIDEO_MP4, "video/mp4")})

    voice = page.get_by_test_id("message-voice")
    await expect(voice).to_contain_text("Voice message · 1:07")
    await expect(voice.locator("audio")).to_have_count(1)
    await expect(page.get_by_test_id("message-audio")).to_contain_text("The Band – Tune")
    gif = page.get_by_test_id("message").filter(has_text="so happy")
    await expect(gif.get_by_test_id("message-animation")).to_have_count(1)
    await expect(page.get_by_test_id("message-document")).to_have_count(0)  # the GIF's document is for old bots only
    await expect(page.get_by_test_id("message-video-note")).to_have_count(1)
    await expect(page.get_by_test_id("chat-item").filter(has_text="Aftersales")).to_contain_text("Video message")
    await screenshot("media-kinds")


async def test_a_buyer_sends_a_voice_message_and_a_sticker(server, bot, page):
    alice = server.world.add_person(first_name="Alice", language_code="en", label="Buyer · Alice")
    await page.goto(f"{server.url}/?as={alice.id}")
    await page.get_by_test_id("chat-item").filter(has_text="Aftersales").click()
    await page.get_by_test_id("start-button").click()
    await bot.next_update(lambda u: u.get("message", {}).get("text") == "/start")
    composer = page.get_by_test_id("composer-input")

    await page.get_by_test_id("attach-button").click()
    async with page.expect_file_chooser() as chooser_info:
        await page.get_by_test_id("attach-voice").click()
    await (await chooser_info.value).set_files([{"name": "hello.ogg", "mimeType": "audio/ogg", "buffer": VOICE_OGG}])
    await expect(page.get_by_test_id("attachment")).to_have_count(1)
    await composer.press("Enter")
    update = await bot.next_update(lambda u: "voice" in u.get("message", {}))
    assert update["message"]["voice"]["mime_type"] == "audio/ogg"
    await expect(page.get_by_test_id("message-voice")).to_have_count(1)

    await page.get_by_test_id("attach-button").click()
    async with page.expect_file_chooser() as chooser_info:
        await page.get_by_test_id("attach-sticker").click()
    await (await chooser_info.value).set_files([{"name": "cat.webp", "mimeType": "image/webp", "buffer": STICKER_WEBP}])
    await composer.press("Enter")
    update = await bot.next_update(lambda u: "sticker" in u.get("message", {}))
    assert update["message"]["sticker"]["is_animated"] is False
    await expect(page.get_by_test_id("message-sticker")).to_have_count(1)
