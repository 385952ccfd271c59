"""What a person's client sends besides plain texts and files: stickers, and texts longer than one message."""

from __future__ import annotations

import pytest
import telegram

from sandbox.client import STICKER_WEBP, ControlError, SandboxClient
from sandbox.text_parts import client_parts


async def test_a_sticker_reaches_the_bot_as_the_reference_describes_it(
    api, ptb: telegram.Bot, sandbox: SandboxClient, http
) -> None:
    buyer = await sandbox.user("Alice")
    sent = await buyer.send_sticker("😡", set_name="AngryCats")
    assert sent["sticker"]["emoji"] == "😡" and not sent["sticker"]["is_animated"]
    assert sent["text"] is None and sent["photo"] is None and sent["document"] is None

    message = await api.next_update("message")
    sticker = message["sticker"]
    assert sticker == {
        "file_id": sticker["file_id"],
        "file_unique_id": sticker["file_unique_id"],
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "emoji": "😡",
        "set_name": "AngryCats",
        "file_size": len(STICKER_WEBP),
    }
    assert sticker["file_id"].startswith("CAAC") and "document" not in message and "text" not in message
    assert bytes(await (await ptb.get_file(sticker["file_id"])).download_as_bytearray()) == STICKER_WEBP
    async with http.get(sandbox.url + sent["sticker"]["url"]) as response:
        assert (response.content_type, await response.read()) == ("image/webp", STICKER_WEBP)

    # python-telegram-bot reads it as a Sticker; a copy by the bot is a sticker again.
    update = telegram.Update.de_json({"update_id": 1, "message": message}, ptb)
    assert update.message.sticker.emoji == "😡"
    await ptb.copy_message(buyer.id, buyer.id, message["message_id"])
    copy = await buyer.expect()
    assert copy["sticker"]["file_id"] == sticker["file_id"]


async def test_animated_and_video_stickers_and_what_is_no_sticker(api, sandbox: SandboxClient) -> None:
    buyer = await sandbox.user("Alice")
    await buyer.send_sticker(data=b"\x1f\x8b lottie", file_name="wave.tgs")
    await buyer.send_sticker(data=b"\x1aE\xdf\xa3 webm", file_name="dance.webm")
    animated = (await api.next_update("message"))["sticker"]
    video = (await api.next_update("message"))["sticker"]
    assert (animated["is_animated"], animated["is_video"]) == (True, False)
    assert (video["is_animated"], video["is_video"]) == (False, True)

    with pytest.raises(ControlError, match="a sticker is a .webp, .tgs or .webm file"):
        await buyer.send_sticker(data=b"\x89PNG", file_name="cat.png")
    with pytest.raises(ControlError, match="a sticker has no caption"):
        await buyer._media("sticker", [(STICKER_WEBP, "s.webp")], "hi", None, None)
    with pytest.raises(ControlError, match="one sticker at a time"):
        await buyer._media("sticker", [(STICKER_WEBP, "a.webp"), (STICKER_WEBP, "b.webp")], None, None, None)


def test_a_client_cuts_a_long_text_where_telegram_desktop_does() -> None:
    assert [len(part) for part in client_parts("x" * 5000)] == [4096, 904]
    assert client_parts("x" * 4096) == ["x" * 4096]
    assert client_parts("  \n ") == []
    # The best break in the second half: a blank line, then a line break, then a space after a sentence.
    paragraphs = "a" * 3000 + "\n\n" + "b" * 1000 + "\n" + "c" * 2000
    assert client_parts(paragraphs) == ["a" * 3000, "b" * 1000 + "\n" + "c" * 2000]
    sentences = "word " * 600 + "end. " + "word " * 400
    first, second = client_parts(sentences)
    assert first.endswith("end.") and second.startswith("word")
    # Lengths count UTF-16 units, as the apps do, and a surrogate pair is never cut.
    emoji = client_parts("😀" * 3000)
    assert [len(part) for part in emoji] == [2048, 952] and "".join(emoji) == "😀" * 3000


async def test_a_5000_character_text_arrives_as_two_messages(api, sandbox: SandboxClient) -> None:
    buyer = await sandbox.user("Alice")
    text = "y" * 5000
    first = await buyer.send(text)
    assert first.text == "y" * 4096
    parts = [await api.next_update("message"), await api.next_update("message")]
    assert [len(p["text"]) for p in parts] == [4096, 904]
    assert parts[1]["message_id"] == parts[0]["message_id"] + 1
    shown = await sandbox.call("GET", f"/people/{buyer.id}/chats/{buyer.default_chat}/messages")
    assert "".join(m["text"] for m in shown) == text

    with pytest.raises(ControlError, match="text must not be empty"):
        await buyer.send("   ")
    with pytest.raises(ControlError, match="text must be 1-4096 characters"):
        await buyer.edit(first, "z" * 4097)  # the apps refuse an edit that does not fit one message
