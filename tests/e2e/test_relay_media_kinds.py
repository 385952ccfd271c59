"""Stickers, voice and video messages, music and GIFs between a buyer and the store's topic, end to end.

The buyer's real handlers are in charge (no stand-in): what the buyer sends
in the private chat reaches the ticket's topic as the same kind of message,
with the same file, and an agent's answer of these kinds reaches the buyer.
"""

from __future__ import annotations

import pytest

from domain.enums import AttachmentKind
from domain.results import IncomingFile
from sandbox.client import AUDIO_MP3, STICKER_WEBP, VIDEO_MP4, VOICE_OGG
from tests.e2e.seller_side import Shop, make_shop, open_ticket_in_topic


@pytest.fixture
async def shop(chat, bot_app) -> Shop:
    return await make_shop(chat, bot_app, with_group=True, stand_in=False)


async def expect_file(shop: Shop, thread: int, field: str):
    """The next message in the topic, a file of `field`; a line naming the buyer may go just before it.

    (A sticker or a video message has no caption to carry the buyer's name.)
    """
    got = await shop.agent.expect(chat=shop.group, thread=thread)
    if got[field] is None:
        assert got["text"] and "Alice" in got["text"] and len(got["text"]) < 40, got.view
        got = await shop.agent.expect(chat=shop.group, thread=thread)
    assert got[field] is not None, got.view
    return got


async def test_a_buyers_sticker_and_voice_message_reach_the_topic_and_the_agents_come_back(shop, bot_app):
    ticket_id, thread = await open_ticket_in_topic(shop, bot_app, "About my lamp")
    await shop.agent.expect(contains="Hello, it's me again", chat=shop.group, thread=thread)

    sticker = await shop.buyer.send_sticker(emoji="😡", set_name="AngryCats")
    copied = await expect_file(shop, thread, "sticker")
    assert copied["sticker"]["file_id"] == sticker["sticker"]["file_id"] and copied["sticker"]["emoji"] == "😡"
    assert copied["caption"] is None

    voice = await shop.buyer.send_voice(duration=6, caption="listen to the noise it makes")
    copied = await shop.agent.expect(contains="listen to the noise", chat=shop.group, thread=thread)
    assert copied["voice"]["file_id"] == voice["voice"]["file_id"] and copied["voice"]["duration"] == 6

    async with bot_app.deps.uow_factory() as uow:
        kinds = [[a.kind for a in m.attachments] for m in await uow.tickets.messages(ticket_id)]
    assert kinds == [[], [], ["sticker"], ["voice"]]

    # The agent answers with a voice message (headed with the store's name) and a video message (which has no caption).
    await shop.agent.send_voice(duration=3, chat=shop.group, thread=thread)
    answer = await shop.buyer.expect(contains="Berlin Gadgets")
    assert answer["voice"]["duration"] == 3 and "Karl" not in answer.text
    await shop.agent.expect_topic("🔵 #1", chat=shop.group, thread=thread)
    await shop.agent.send_video_note(chat=shop.group, thread=thread)
    round_one = await shop.buyer.expect()
    assert round_one["video_note"] is not None and round_one["caption"] is None


async def test_files_recorded_without_a_message_to_copy_are_sent_again_by_kind(shop, bot_app, sandbox):
    """A ticket's files with no Telegram message to copy go by sendSticker, sendVoice, sendAudio, sendAnimation, sendVideoNote."""
    files = sandbox.world.files
    stored = [
        (AttachmentKind.STICKER, files.add("sticker", STICKER_WEBP, "s.webp", "image/webp", emoji="🙂"), None),
        (AttachmentKind.VOICE, files.add("voice", VOICE_OGG, "v.ogg", "audio/ogg"), "the rattle"),
        (
            AttachmentKind.AUDIO,
            files.add("audio", AUDIO_MP3, "a.mp3", "audio/mpeg", title="Manual"),
            "the manual read out",
        ),
        (AttachmentKind.ANIMATION, files.add("animation", VIDEO_MP4, "g.mp4", "video/mp4"), "how it blinks"),
        (AttachmentKind.VIDEO_NOTE, files.add("video_note", VIDEO_MP4, "n.mp4", "video/mp4"), None),
    ]
    incoming = [IncomingFile(kind, record.file_id, record.file_unique_id, caption) for kind, record, caption in stored]
    await open_ticket_in_topic(shop, bot_app, "It blinks and rattles", incoming)
    thread = [t for c in await shop.agent.chats() if c["id"] == shop.group for t in c["topics"]][0]["thread_id"]
    for kind, record, caption in stored:
        got = await expect_file(shop, thread, str(kind))
        assert got[str(kind)]["file_id"] == record.file_id, (kind, got.view)
        assert (caption or "") in (got["caption"] or "") and (caption is not None or got["caption"] is None)
    await shop.agent.expect(contains="Hello, it's me again", chat=shop.group, thread=thread)
