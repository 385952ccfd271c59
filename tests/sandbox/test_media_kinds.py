"""Stickers, voice and video notes, audio and animations sent by a bot, forwardMessages, and a file id used as another kind.

Each send method is driven as bare HTTP (a multipart upload, then the file id
again) and through python-telegram-bot, as the bot calls it. What the
sandbox answers is checked against the reference by the strict sandbox
itself (the fixture fails the test on any violation).
"""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
import telegram
from telegram.error import BadRequest

from sandbox.client import AUDIO_MP3, STICKER_WEBP, VIDEO_MP4, VOICE_OGG, ControlError, SandboxClient
from sandbox.server import SandboxServer
from sandbox.world import Bot

# method, file parameter, bytes, file name, the Message field it arrives in
KINDS = [
    ("sendSticker", "sticker", STICKER_WEBP, "hi.webp", "sticker"),
    ("sendVoice", "voice", VOICE_OGG, "note.ogg", "voice"),
    ("sendAudio", "audio", AUDIO_MP3, "song.mp3", "audio"),
    ("sendAnimation", "animation", VIDEO_MP4, "cat.mp4", "animation"),
    ("sendVideoNote", "video_note", VIDEO_MP4, "round.mp4", "video_note"),
]
CAPTIONED = {"voice", "audio", "animation"}


@pytest.fixture
async def alice(sandbox: SandboxClient):
    person = await sandbox.user("Alice")
    await person.send("/start")
    return person


async def upload(
    http: aiohttp.ClientSession, server: SandboxServer, bot: Bot, method: str, **fields: Any
) -> tuple[int, dict]:
    """A multipart call: bytes values become file parts, the rest form fields."""
    form = aiohttp.FormData()
    for name, value in fields.items():
        if isinstance(value, tuple):
            form.add_field(name, value[0], filename=value[1])
        else:
            form.add_field(name, str(value))
    async with http.post(f"{server.bot_api_base_url}{bot.token}/{method}", data=form) as response:
        return response.status, await response.json()


@pytest.mark.parametrize(("method", "param", "data", "file_name", "field"), KINDS, ids=[k[0] for k in KINDS])
async def test_each_kind_uploaded_then_sent_again_by_its_file_id(
    method, param, data, file_name, field, api, http, server, bot, alice, ptb: telegram.Bot
) -> None:
    extra = {"caption": "<b>listen</b>", "parse_mode": "HTML"} if field in CAPTIONED else {}
    status, body = await upload(http, server, bot, method, chat_id=alice.id, **{param: (data, file_name)}, **extra)
    assert status == 200 and body["ok"], body
    sent = body["result"]
    shown = sent[field]
    assert shown["file_size"] == len(data)
    assert ("document" in sent) == (field == "animation")
    if field in CAPTIONED:
        assert sent["caption"] == "listen" and sent["caption_entities"] == [{"offset": 0, "length": 6, "type": "bold"}]
    else:
        assert "caption" not in sent
    # The person sees it as that kind, and the bot can download it.
    seen = await alice.expect()
    assert seen[field]["file_id"] == shown["file_id"] and seen["text"] is None
    file = await ptb.get_file(shown["file_id"])
    assert bytes(await file.download_as_bytearray()) == data

    # The file id is reusable with the same method, and stays the same file.
    again = await api.ok(method, chat_id=alice.id, **{param: shown["file_id"]})
    assert again[field]["file_id"] == shown["file_id"]
    assert again[field]["file_unique_id"] == shown["file_unique_id"]
    await alice.expect()


async def test_what_each_kind_carries(api, http, server, bot, alice) -> None:
    async def sent(method: str, **fields: Any) -> dict:
        status, body = await upload(http, server, bot, method, chat_id=alice.id, **fields)
        assert status == 200, body
        await alice.expect()
        return body["result"]

    sticker = (await sent("sendSticker", sticker=(STICKER_WEBP, "s.webp"), emoji="😺"))["sticker"]
    assert sticker["file_id"].startswith("CAAC") and sticker["emoji"] == "😺" and sticker["type"] == "regular"
    assert (sticker["width"], sticker["height"], sticker["is_animated"], sticker["is_video"]) == (
        512,
        512,
        False,
        False,
    )
    animated = (await sent("sendSticker", sticker=(b"\x1f\x8b lottie", "wave.tgs")))["sticker"]
    assert animated["is_animated"] is True and "emoji" not in animated

    voice = (await sent("sendVoice", voice=(VOICE_OGG, "v.ogg"), duration=7))["voice"]
    assert voice == {
        "file_id": voice["file_id"],
        "file_unique_id": voice["file_unique_id"],
        "duration": 7,
        "mime_type": "audio/ogg",
        "file_size": len(VOICE_OGG),
    }
    assert voice["file_id"].startswith("AwAC")

    audio = (await sent("sendAudio", audio=(AUDIO_MP3, "song.mp3"), performer="The Band", title="Song"))["audio"]
    assert (audio["performer"], audio["title"], audio["file_name"], audio["mime_type"]) == (
        "The Band",
        "Song",
        "song.mp3",
        "audio/mpeg",
    )

    # An animation comes with its document too, "for backward compatibility".
    gif = await sent("sendAnimation", animation=(VIDEO_MP4, "cat.mp4"), width=320, height=240)
    assert (gif["animation"]["width"], gif["animation"]["height"]) == (320, 240)
    assert gif["document"]["file_id"] == gif["animation"]["file_id"]

    note = (await sent("sendVideoNote", video_note=(VIDEO_MP4, "r.mp4"), length=360, duration=12))["video_note"]
    assert (note["length"], note["duration"]) == (360, 12) and "file_name" not in note

    file = await api.ok("getFile", file_id=voice["file_id"])
    assert file["file_path"].startswith("voice/")


async def test_stickers_and_video_notes_take_no_caption(api, server, alice) -> None:
    sticker = await api.ok("sendSticker", chat_id=alice.id, sticker=(await alice.send_sticker())["sticker"]["file_id"])
    await alice.expect()
    # The reference gives sendSticker no caption: Telegram ignores one, strict mode records it.
    sent = await api.ok("sendSticker", chat_id=alice.id, sticker=sticker["sticker"]["file_id"], caption="hi")
    assert "caption" not in sent
    await alice.expect()
    assert server.violations == [
        {
            "source": "bot",
            "method": "sendSticker",
            "detail": "sendSticker: unknown parameter 'caption' (Telegram ignores it)",
        }
    ]
    server.violations.clear()
    # A copy with a new caption keeps a sticker caption-less, as td's copy does.
    copy = await api.ok(
        "copyMessage", chat_id=alice.id, from_chat_id=alice.id, message_id=sent["message_id"], caption="x"
    )
    copied = await alice.expect()
    assert copied.message_id == copy["message_id"] and copied["caption"] is None and copied["sticker"]


async def test_a_missing_file_is_refused_in_telegrams_words(api, alice) -> None:
    for method, what in (
        ("sendSticker", "sticker"),
        ("sendVoice", "voice"),
        ("sendAudio", "audio"),
        ("sendAnimation", "animation"),
        ("sendVideoNote", "video note"),
    ):
        status, body = await api(method, chat_id=alice.id)
        assert (status, body["description"]) == (400, f"Bad Request: there is no {what} in the request")
    status, body = await api("sendVoice", chat_id=alice.id, voice="no-such-id")
    assert (status, body["description"]) == (400, "Bad Request: wrong file identifier/HTTP URL specified")


async def test_a_file_id_of_one_kind_is_refused_by_a_method_of_another(api, http, server, bot, alice) -> None:
    """td refuses between photos and the document class (documents, videos, audio, voice, stickers...)."""

    async def file_id(method: str, param: str, data: bytes, name: str, field: str) -> str:
        status, body = await upload(http, server, bot, method, chat_id=alice.id, **{param: (data, name)})
        assert status == 200, body
        await alice.expect()
        shown = body["result"][field]
        return shown[-1]["file_id"] if field == "photo" else shown["file_id"]

    photo = await file_id("sendPhoto", "photo", b"\xff\xd8\xff\xe0jpeg", "p.jpg", "photo")
    document = await file_id("sendDocument", "document", b"%PDF-1.4", "a.pdf", "document")
    voice = await file_id("sendVoice", "voice", VOICE_OGG, "v.ogg", "voice")

    refused = [
        ("sendPhoto", "photo", document, "can't use file of type Document as Photo"),
        ("sendPhoto", "photo", voice, "can't use file of type VoiceNote as Photo"),
        ("sendVoice", "voice", photo, "can't use file of type Photo as VoiceNote"),
        ("sendSticker", "sticker", photo, "can't use file of type Photo as Sticker"),
        ("sendAudio", "audio", photo, "can't use file of type Photo as Audio"),
        ("sendAnimation", "animation", photo, "can't use file of type Photo as Animation"),
        ("sendVideoNote", "video_note", photo, "can't use file of type Photo as VideoNote"),
        ("sendDocument", "document", photo, "can't use file of type Photo as Document"),
    ]
    for method, param, file, description in refused:
        status, body = await api(method, chat_id=alice.id, **{param: file})
        assert (status, body) == (400, {"ok": False, "error_code": 400, "description": f"Bad Request: {description}"})
    # In an album and in an edit alike: the same check on the same file ids.
    status, body = await api(
        "sendMediaGroup",
        chat_id=alice.id,
        media=[
            {"type": "photo", "media": photo},
            {"type": "photo", "media": document},
        ],
    )
    assert body["description"] == "Bad Request: can't use file of type Document as Photo"
    assert await alice.unread(0.1) == []  # nothing of the refused album was sent

    # Within the document class td lets the id pass; the message shows the file as it was stored.
    sent = await api.ok("sendDocument", chat_id=alice.id, document=voice)
    assert sent["voice"]["file_id"] == voice and "document" not in sent
    await alice.expect()


async def test_through_python_telegram_bot(ptb: telegram.Bot, alice) -> None:
    sticker = await ptb.send_sticker(alice.id, sticker=STICKER_WEBP, emoji="👍")
    voice = await ptb.send_voice(alice.id, voice=VOICE_OGG, caption="my <i>voice</i>", parse_mode="HTML", duration=3)
    audio = await ptb.send_audio(alice.id, audio=AUDIO_MP3, performer="Band", title="Tune", filename="tune.mp3")
    animation = await ptb.send_animation(alice.id, animation=VIDEO_MP4, caption="ha", filename="ha.mp4")
    note = await ptb.send_video_note(alice.id, video_note=VIDEO_MP4, length=300)
    assert sticker.sticker.emoji == "👍" and sticker.caption is None
    assert voice.voice.to_dict()["duration"] == 3  # (the attribute itself warns of its coming timedelta)
    assert voice.caption == "my voice" and voice.caption_entities[0].type == "italic"
    assert (audio.audio.performer, audio.audio.title, audio.audio.file_name) == ("Band", "Tune", "tune.mp3")
    assert animation.animation is not None and animation.document is not None and animation.caption == "ha"
    assert note.video_note.length == 300
    for _ in range(5):
        await alice.expect()

    # Sent again by file id, each is the same file.
    assert (
        await ptb.send_sticker(alice.id, sticker.sticker.file_id)
    ).sticker.file_unique_id == sticker.sticker.file_unique_id
    assert (await ptb.send_voice(alice.id, voice.voice.file_id)).voice.file_id == voice.voice.file_id
    assert (await ptb.send_audio(alice.id, audio.audio.file_id)).audio.file_id == audio.audio.file_id
    assert (
        await ptb.send_animation(alice.id, animation.animation.file_id)
    ).animation.file_id == animation.animation.file_id
    assert (await ptb.send_video_note(alice.id, note.video_note.file_id)).video_note.file_id == note.video_note.file_id
    for _ in range(5):
        await alice.expect()

    # python-telegram-bot lower-cases all but the first letter of Telegram's description.
    with pytest.raises(BadRequest, match="^Can't use file of type sticker as photo$"):
        await ptb.send_photo(alice.id, sticker.sticker.file_id)
    photo = await ptb.send_photo(alice.id, photo=b"\xff\xd8\xff\xe0jpeg")
    await alice.expect()
    with pytest.raises(BadRequest, match="^Can't use file of type photo as voicenote$"):
        await ptb.send_voice(alice.id, photo.photo[-1].file_id)
    with pytest.raises(BadRequest, match="^Can't use file of type photo as videonote$"):
        await ptb.send_video_note(alice.id, photo.photo[-1].file_id)


async def test_forward_messages_keeps_albums_skips_the_missing_and_names_the_sender(
    api, ptb: telegram.Bot, server: SandboxServer, bot: Bot, sandbox: SandboxClient, alice
) -> None:
    bob = await sandbox.user("Bob")
    await bob.send("/start")
    album = await alice.send_album([b"\xff\xd8\xff\xe0a", b"\xff\xd8\xff\xe0b"], caption="both")
    voice = await alice.send_voice(duration=4)
    ids = [m.message_id for m in album] + [voice.message_id, 999]

    forwarded = await api.ok("forwardMessages", chat_id=bob.id, from_chat_id=alice.id, message_ids=ids)
    assert [set(f) for f in forwarded] == [{"message_id"}] * 3  # the missing 999 is skipped
    first, second = await bob.expect_album(contains="both")
    third = await bob.expect()
    assert third["voice"]["duration"] == 4
    assert first["media_group_id"] == second["media_group_id"] != album[0]["media_group_id"]
    assert [m.message_id for m in (first, second, third)] == [f["message_id"] for f in forwarded]
    # Each forward names who sent it, and when.
    chat = server.world.private_chat(bob.id, bot.id)
    origin = chat.messages[third.message_id].forward_origin
    assert origin["type"] == "user" and origin["sender_user"]["id"] == alice.id and origin["date"] == voice["date"]

    # Through python-telegram-bot: a tuple of MessageId; a forward of a forward names the first sender.
    again = await ptb.forward_messages(alice.id, from_chat_id=bob.id, message_ids=[third.message_id])
    assert len(again) == 1 and isinstance(again[0], telegram.MessageId)
    assert server.world.private_chat(alice.id, bot.id).messages[again[0].message_id].forward_origin == origin
    await alice.expect()

    for message_ids, description in (
        ([third.message_id, first.message_id], "message identifiers must be in a strictly increasing order"),
        (list(range(1, 102)), "too many message identifiers specified"),
        ([], "message identifiers are not specified"),
    ):
        status, body = await api("forwardMessages", chat_id=bob.id, from_chat_id=alice.id, message_ids=message_ids)
        assert (status, body["description"]) == (400, f"Bad Request: {description}")


async def test_a_person_sends_voice_and_video_messages_audio_and_gifs(api, sandbox: SandboxClient) -> None:
    buyer = await sandbox.user("Alice")
    voice = await buyer.send_voice(duration=5, caption="listen")
    note = await buyer.send_video_note(duration=9)
    song = await buyer.send_audio(performer="Band", title="Tune")
    gif = await buyer.send_animation(caption="lol")
    assert (voice["voice"]["duration"], voice["caption"], note["video_note"]["length"]) == (5, "listen", 240)
    assert (song["audio"]["performer"], gif["animation"]["duration"]) == ("Band", 1)

    got = [await api.next_update("message") for _ in range(4)]
    assert got[0]["voice"]["duration"] == 5 and got[0]["caption"] == "listen"
    assert got[1]["video_note"]["duration"] == 9 and "caption" not in got[1]
    assert got[2]["audio"]["title"] == "Tune" and got[2]["audio"]["file_name"] == "song.mp3"
    assert got[3]["animation"]["file_id"] == got[3]["document"]["file_id"] and got[3]["caption"] == "lol"
    # The bot may pass each on by its file id.
    await api.ok("sendVoice", chat_id=buyer.id, voice=got[0]["voice"]["file_id"])
    await api.ok("sendVideoNote", chat_id=buyer.id, video_note=got[1]["video_note"]["file_id"])
    assert (await buyer.expect())["voice"]["file_id"] == voice["voice"]["file_id"]
    assert (await buyer.expect())["video_note"]["file_id"] == note["video_note"]["file_id"]

    # As in a Telegram app: a voice or video message is one message, a video message has no caption.
    with pytest.raises(ControlError, match="send one voice message at a time"):
        await buyer._media("voice", [(VOICE_OGG, "a.ogg"), (VOICE_OGG, "b.ogg")], None, None, None)
    with pytest.raises(ControlError, match="a video message has no caption"):
        await buyer._media("video_note", [(VIDEO_MP4, "a.mp4")], "hi", None, None)
    with pytest.raises(ControlError, match="kind must be one of photo, document, video, audio"):
        await buyer._media("location", [(b"x", "x")], None, None, None)
