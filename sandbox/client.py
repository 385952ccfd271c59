"""An async client of the control API, so an end-to-end test reads like a chat.

    async with SandboxClient(server.url) as sandbox:
        buyer = await sandbox.user("Alice", lang="en")
        await buyer.send("/start")
        msg = await buyer.expect(contains="Hello")
        answer = await msg.press("Orders")
        await sandbox.assert_quiet()   # nothing else arrived for anyone

The client is strict, as a person reading their chat is: `expect` takes the
next bot message of the chat (and topic) and fails if that one is not the
expected one, so a duplicate or an extra message shows. A person's unread
output (bot messages not expected, edits, deletions, topic changes) fails
`expect_nothing_more` and `SandboxClient.assert_quiet`.
"""

from __future__ import annotations

import asyncio
import base64
import time
from dataclasses import dataclass
from typing import Any

import aiohttp

# A 1×1 lossless WEBP: enough of a sticker file for the sandbox.
STICKER_WEBP = base64.b64decode("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==")
# The first bytes of an Ogg page, an MP3 frame and an MP4 box: enough of such files for the sandbox.
VOICE_OGG = b"OggS\x00\x02" + b"\x00" * 58
AUDIO_MP3 = b"ID3\x04\x00\x00" + b"\x00" * 58
VIDEO_MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 52


class ControlError(RuntimeError):
    """The control API refused a request (its one-line `error`)."""


class WaitedInVain(AssertionError):
    """What a person waited for did not come in time."""


@dataclass
class Msg:
    """One message as a person sees it (a MessageView), with the person's actions on it."""

    view: dict[str, Any]
    person: Person

    def __getitem__(self, key: str) -> Any:
        return self.view[key]

    @property
    def message_id(self) -> int:
        return self.view["message_id"]

    @property
    def chat_id(self) -> int:
        return self.view["chat_id"]

    @property
    def thread_id(self) -> int | None:
        return self.view["thread_id"]

    @property
    def text(self) -> str:
        """The text, or the caption of a media message ("" if neither)."""
        return self.view["text"] or self.view["caption"] or ""

    @property
    def buttons(self) -> list[list[str]]:
        """The inline keyboard's button texts, row by row."""
        markup = self.view["reply_markup"] or {"inline_keyboard": []}
        return [[button["text"] for button in row] for row in markup["inline_keyboard"]]

    @property
    def reactions(self) -> list[str]:
        """The reactions under it as this view shows them (emoji, or a custom emoji's id), most chosen first."""
        return [_reaction_key(entry["type"]) for entry in self.view.get("reactions") or []]

    async def press(self, button: str, wait: float = 5) -> dict[str, Any] | None:
        """Press the inline button labelled `button`; the bot's callback answer, or None if it gave none."""
        return await self.person.press(self, button, wait=wait)

    def __repr__(self) -> str:
        return f"Msg({self.message_id} in {self.chat_id}: {self.text!r})"


class SandboxClient:
    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self._session: aiohttp.ClientSession | None = None
        self._people: dict[int, Person] = {}  # one handle per person, so reading state is shared

    async def __aenter__(self) -> SandboxClient:
        self._session = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def call(self, method: str, path: str, **kwargs: Any) -> Any:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        async with self._session.request(method, self.url + "/control" + path, **kwargs) as response:
            body = await response.json()
        if not body.get("ok"):
            raise ControlError(f"{method} {path}: {body.get('error')}")
        return body["result"]

    async def bots(self) -> list[dict[str, Any]]:
        return await self.call("GET", "/bots")

    async def user(
        self, first_name: str, lang: str = "en", label: str | None = None, username: str | None = None
    ) -> Person:
        """A new person; their private chats default to the only bot, if there is one."""
        info = await self.call(
            "POST",
            "/people",
            json={"first_name": first_name, "language_code": lang, "label": label, "username": username},
        )
        return await self._handle(info)

    async def person(self, person_id: int) -> Person:
        """A handle on a person who already exists (made by `server.world.add_person`, say)."""
        if person_id in self._people:
            return self._people[person_id]
        people = {info["id"]: info for info in await self.call("GET", "/people")}
        if person_id not in people:
            raise ControlError(f"no person with id {person_id}")
        return await self._handle(people[person_id])

    async def _handle(self, info: dict[str, Any]) -> Person:
        bots = await self.bots()
        person = Person(self, info, default_chat=bots[0]["id"] if len(bots) == 1 else None)
        self._people[person.id] = person
        return person

    async def group(self, title: str, members: list[Person], forum: bool = True, bots: list[int] | None = None) -> int:
        """A supergroup of `members` with the bots (default: all) as admins; its id."""
        bot_ids = bots if bots is not None else [bot["id"] for bot in await self.bots()]
        group = await self.call(
            "POST",
            "/groups",
            json={"title": title, "is_forum": forum, "member_ids": [m.id for m in members], "admin_bot_ids": bot_ids},
        )
        return group["id"]

    async def violations(self) -> list[dict[str, str]]:
        return await self.call("GET", "/violations")

    async def refusals(self) -> list[dict[str, Any]]:
        """Every Bot API call the sandbox refused (ok=false): method, error_code, description, bot_id, chat_id, at."""
        return await self.call("GET", "/refusals")

    async def clear_refusals(self) -> None:
        await self.call("DELETE", "/refusals")

    async def callback_queries(self, person: Person | None = None) -> list[dict[str, Any]]:
        """Every button press (of `person`), with `answer_calls`: how often the bot answered it (one is right)."""
        params = {"person_id": person.id} if person is not None else {}
        return await self.call("GET", "/callbacks", params=params)

    async def assert_quiet(self, within: float = 0.3) -> None:
        """Fail if anyone this client acts for has unread bot output, waiting `within` seconds for late arrivals."""
        people = list(self._people.values())
        unread = await asyncio.gather(*(person.unread(within) for person in people))
        noisy = [
            f"{person.info['first_name']}: {_describe(events)}" for person, events in zip(people, unread) if events
        ]
        if noisy:
            raise AssertionError("unexpected bot output; " + " | ".join(noisy))


class Person:
    """A person acting through the control API; remembers which events they have read."""

    def __init__(self, client: SandboxClient, info: dict[str, Any], default_chat: int | None) -> None:
        self.client = client
        self.info = info
        self.id: int = info["id"]
        self.default_chat = default_chat
        self._events: list[dict[str, Any]] = []
        self._last_seq = 0
        self._read_upto: dict[tuple[int, int | None], int] = {}  # (chat, thread) -> seq read up to
        self._consumed: set[int] = set()  # seqs of edits and events already returned
        self._pressed: set[str] = set()  # callback query ids of this person's presses

    def _chat(self, chat: int | None) -> int:
        chat = chat if chat is not None else self.default_chat
        if chat is None:
            raise ValueError("say which chat: there is more than one bot")
        return chat

    async def send(
        self, text: str, chat: int | None = None, thread: int | None = None, reply_to: int | None = None
    ) -> Msg:
        """A text message; one over 4096 characters goes in parts, as from a Telegram app (the first is returned)."""
        body = {"chat_id": self._chat(chat), "text": text, "thread_id": thread, "reply_to_message_id": reply_to}
        return Msg(await self.client.call("POST", f"/people/{self.id}/messages", json=body), self)

    async def reply(self, to: Msg, text: str) -> Msg:
        return await self.send(text, chat=to.chat_id, thread=to.thread_id, reply_to=to.message_id)

    async def edit(self, message: Msg, text: str) -> Msg:
        body = {"chat_id": message.chat_id, "message_id": message.message_id, "text": text}
        return Msg(await self.client.call("POST", f"/people/{self.id}/edit", json=body), self)

    async def _media(
        self,
        kind: str,
        files: list[tuple[bytes, str]],
        caption: str | None,
        chat: int | None,
        thread: int | None,
        **fields: str | None,
    ) -> list[Msg]:
        form = aiohttp.FormData()
        form.add_field("chat_id", str(self._chat(chat)))
        form.add_field("kind", kind)
        if caption is not None:
            form.add_field("caption", caption)
        if thread is not None:
            form.add_field("thread_id", str(thread))
        for name, value in fields.items():
            if value is not None:
                form.add_field(name, value)
        for data, name in files:
            form.add_field("file", data, filename=name)
        views = await self.client.call("POST", f"/people/{self.id}/media", data=form)
        return [Msg(view, self) for view in views]

    async def send_photo(
        self, data: bytes, caption: str | None = None, chat: int | None = None, thread: int | None = None
    ) -> Msg:
        return (await self._media("photo", [(data, "photo.jpg")], caption, chat, thread))[0]

    async def send_document(
        self,
        data: bytes,
        file_name: str = "file.pdf",
        caption: str | None = None,
        chat: int | None = None,
        thread: int | None = None,
    ) -> Msg:
        return (await self._media("document", [(data, file_name)], caption, chat, thread))[0]

    async def send_album(
        self, photos: list[bytes], caption: str | None = None, chat: int | None = None, thread: int | None = None
    ) -> list[Msg]:
        files = [(data, f"photo{index}.jpg") for index, data in enumerate(photos)]
        return await self._media("photo", files, caption, chat, thread)

    async def send_sticker(
        self,
        emoji: str = "👍",
        data: bytes = STICKER_WEBP,
        file_name: str = "sticker.webp",
        set_name: str | None = None,
        chat: int | None = None,
        thread: int | None = None,
    ) -> Msg:
        """A sticker (static .webp; .tgs is animated, .webm a video sticker) with its emoji."""
        files = [(data, file_name)]
        return (await self._media("sticker", files, None, chat, thread, emoji=emoji, set_name=set_name))[0]

    async def send_voice(
        self,
        data: bytes = VOICE_OGG,
        duration: int | None = None,
        caption: str | None = None,
        chat: int | None = None,
        thread: int | None = None,
    ) -> Msg:
        """A voice message (.ogg), as recorded in the app."""
        files = [(data, "voice.ogg")]
        return (await self._media("voice", files, caption, chat, thread, duration=_text(duration)))[0]

    async def send_video_note(
        self, data: bytes = VIDEO_MP4, duration: int | None = None, chat: int | None = None, thread: int | None = None
    ) -> Msg:
        """A round video message, which has no caption."""
        files = [(data, "video_note.mp4")]
        return (await self._media("video_note", files, None, chat, thread, duration=_text(duration)))[0]

    async def send_audio(
        self,
        data: bytes = AUDIO_MP3,
        file_name: str = "song.mp3",
        performer: str | None = None,
        title: str | None = None,
        caption: str | None = None,
        chat: int | None = None,
        thread: int | None = None,
    ) -> Msg:
        """A music file, shown in the player with its performer and title."""
        files = [(data, file_name)]
        return (await self._media("audio", files, caption, chat, thread, performer=performer, title=title))[0]

    async def send_animation(
        self,
        data: bytes = VIDEO_MP4,
        file_name: str = "animation.mp4",
        caption: str | None = None,
        chat: int | None = None,
        thread: int | None = None,
    ) -> Msg:
        """A GIF (Telegram keeps GIFs as silent MP4 videos)."""
        return (await self._media("animation", [(data, file_name)], caption, chat, thread))[0]

    async def press(self, message: Msg, button: str, wait: float = 5) -> dict[str, Any] | None:
        body = {"chat_id": message.chat_id, "message_id": message.message_id, "button": button, "wait": wait}
        result = await self.client.call("POST", f"/people/{self.id}/press", json=body)
        self._pressed.add(result["callback_query_id"])  # its answer is what this returns, not unread output
        return result["answer"]

    async def block(self, bot_id: int | None = None, blocked: bool = True) -> None:
        body = {"bot_id": self._chat(bot_id), "blocked": blocked}
        self.info = await self.client.call("POST", f"/people/{self.id}/block", json=body)

    async def unblock(self, bot_id: int | None = None) -> None:
        await self.block(bot_id, blocked=False)

    async def _fetch(self, timeout: float) -> None:
        result = await self.client.call(
            "GET", f"/people/{self.id}/events", params={"after": self._last_seq, "timeout": timeout}
        )
        self._events.extend(result["events"])
        if result["events"]:
            self._last_seq = result["events"][-1]["seq"]

    async def _wait_for(self, find: Any, timeout: float, describe: str) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            found = find()
            if found is not None:
                return found
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise WaitedInVain(f"{self.info['first_name']} waited {timeout}s for {describe}")
            await self._fetch(min(remaining, 10))
            await asyncio.sleep(0)

    def _pending(self, chat_id: int, thread: int | None) -> list[dict[str, Any]]:
        """Bot messages in (chat, thread) not read yet, oldest first."""
        read_upto = self._read_upto.get((chat_id, thread), 0)
        return [
            event
            for event in self._events
            if event["type"] == "message"
            and event["seq"] > read_upto
            and event["chat_id"] == chat_id
            and event["thread_id"] == thread
            and _is_bot_output(event)
        ]

    async def expect(
        self,
        contains: str | None = None,
        chat: int | None = None,
        thread: int | None = None,
        timeout: float = 5,
        skip_others: bool = False,
    ) -> Msg:
        """The next bot message in `chat` (and `thread`), which must contain `contains`.

        A bot message that arrived before it and does not match fails at once,
        as a duplicate or a stray message would; `skip_others=True` passes over
        such messages instead (they count as read). Other chats and topics are
        read separately, by their own `expect`.
        """
        chat_id = self._chat(chat)
        where = f"chat {chat_id}" + (f", topic {thread}" if thread is not None else "")

        def find() -> Msg | None:
            for event in self._pending(chat_id, thread):
                msg = Msg(event["message"], self)
                if contains is None or contains in msg.text:
                    self._read_upto[(chat_id, thread)] = event["seq"]
                    return msg
                if not skip_others:
                    raise AssertionError(
                        f"{self.info['first_name']} expected a bot message containing {contains!r} in {where}, "
                        f"but the next one was {msg.text!r}; what arrived: {arrived()}"
                    )
            return None

        def arrived() -> list[str]:
            return [Msg(event["message"], self).text for event in self._pending(chat_id, thread)]

        try:
            return await self._wait_for(find, timeout, f"a bot message containing {contains!r} in {where}")
        except WaitedInVain as error:
            raise AssertionError(f"{error}; what arrived: {arrived()}") from None

    async def expect_album(
        self, contains: str | None = None, chat: int | None = None, thread: int | None = None, timeout: float = 5
    ) -> list[Msg]:
        """The next bot message, an album's first part, with the rest of that album (they arrive together)."""
        first = await self.expect(contains, chat=chat, thread=thread, timeout=timeout)
        group = first["media_group_id"]
        assert group is not None, f"{first!r} is no album"
        album = [first]
        for event in self._pending(first.chat_id, thread):
            if event["message"]["media_group_id"] != group:
                break
            album.append(Msg(event["message"], self))
            self._read_upto[(first.chat_id, thread)] = event["seq"]
        return album

    async def expect_edit(self, message: Msg, timeout: float = 5) -> Msg:
        """The next edit of `message` not yet returned by this method."""

        def find() -> Msg | None:
            for event in self._events:
                if (
                    event["type"] == "edit"
                    and event["seq"] not in self._consumed
                    and event["chat_id"] == message.chat_id
                    and event["message"]["message_id"] == message.message_id
                ):
                    self._consumed.add(event["seq"])
                    return Msg(event["message"], self)
            return None

        return await self._wait_for(find, timeout, f"an edit of {message!r}")

    async def expect_reaction(self, message: Msg, emoji: str, timeout: float = 5) -> Msg:
        """`message` as it looks once a reaction `emoji` is on it (it may be there already).

        Reactions are no messages: a reaction nobody waited for is not unread
        output, so a test that cares reads them here or with `reactions_on`.
        """

        def find() -> Msg | None:
            for event in self._events:
                if (
                    event["type"] == "reaction"
                    and event["chat_id"] == message.chat_id
                    and event["message"]["message_id"] == message.message_id
                    and emoji in Msg(event["message"], self).reactions
                ):
                    return Msg(event["message"], self)
            return None

        if emoji in await self.reactions_on(message):
            return Msg(await self._view_of(message), self)
        return await self._wait_for(find, timeout, f"a reaction {emoji} on {message!r}")

    async def reactions_on(self, message: Msg) -> list[str]:
        """The reactions on `message` now, read from the chat's history."""
        return Msg(await self._view_of(message), self).reactions

    async def _view_of(self, message: Msg) -> dict[str, Any]:
        views = await self.client.call(
            "GET",
            f"/people/{self.id}/chats/{message.chat_id}/messages",
            params={"after_id": message.message_id - 1, "limit": 100000},
        )
        found = [view for view in views if view["message_id"] == message.message_id]
        if not found:
            raise AssertionError(f"{message!r} is no longer in the chat")
        return found[0]

    async def expect_topic(
        self, contains: str | None = None, chat: int | None = None, thread: int | None = None, timeout: float = 5
    ) -> dict[str, Any]:
        """The next change of a forum topic (made, renamed, closed, deleted): its Topic, whose name contains `contains`.

        `chat` and `thread` narrow which topics count (unlike `expect`, no
        thread means any topic); as with `expect`, a change of those that
        arrived first and does not match fails at once.
        """

        def find() -> dict[str, Any] | None:
            for event in self._events:
                if event["type"] != "topic" or event["seq"] in self._consumed:
                    continue
                if (chat is not None and event["chat_id"] != chat) or (
                    thread is not None and event["thread_id"] != thread
                ):
                    continue
                topic = event["topic"]
                if contains is not None and contains not in topic["name"]:
                    raise AssertionError(
                        f"{self.info['first_name']} expected a topic change to a name containing {contains!r}, "
                        f"but the next one was {_describe([event])}"
                    )
                self._consumed.add(event["seq"])
                return topic
            return None

        return await self._wait_for(find, timeout, f"a topic change to a name containing {contains!r}")

    async def expect_event(self, type: str, timeout: float = 5) -> dict[str, Any]:
        """The first event of `type` not yet returned by this method (e.g. "delete", "topic")."""

        def find() -> dict[str, Any] | None:
            for event in self._events:
                if event["type"] == type and event["seq"] not in self._consumed:
                    self._consumed.add(event["seq"])
                    return event
            return None

        return await self._wait_for(find, timeout, f"a {type!r} event")

    async def unread(self, within: float = 0) -> list[dict[str, Any]]:
        """The bot output no `expect*` has taken yet, after waiting `within` seconds for more to arrive.

        That is bot messages (not the service line a new topic starts with: its
        "topic" event stands for it), edits of bot messages, deletions, topic
        changes, and callback answers to presses not this person's.
        """
        deadline = time.monotonic() + within
        await self._fetch(0)
        while (remaining := deadline - time.monotonic()) > 0:
            await self._fetch(remaining)
        return [event for event in self._events if not self._has_read(event)]

    def _has_read(self, event: dict[str, Any]) -> bool:
        kind = event["type"]
        if event["seq"] in self._consumed:
            return True
        if kind == "message":
            if not _is_bot_output(event):
                return True
            return event["seq"] <= self._read_upto.get((event["chat_id"], event["thread_id"]), 0)
        if kind == "edit" and not event["message"]["from"]["is_bot"]:
            return True  # a person's own edit (or another member's) is no output of the bot
        if kind == "callback_answer":
            return event["answer"]["callback_query_id"] in self._pressed
        if kind == "reaction":
            return True  # a mark on a message already there, read when a test asks (expect_reaction)
        return False

    async def skip(self, within: float = 0) -> list[dict[str, Any]]:
        """Count everything unread as read, for the rare test that must (a second agent seeing the same topic); the events."""
        unread = await self.unread(within)
        for event in unread:
            if event["type"] == "message":
                key = (event["chat_id"], event["thread_id"])
                self._read_upto[key] = max(self._read_upto.get(key, 0), event["seq"])
            else:
                self._consumed.add(event["seq"])
        return unread

    async def expect_nothing_more(self, within: float = 0.3) -> None:
        """Fail if any bot output arrived that no `expect*` took, waiting `within` seconds for late arrivals."""
        unread = await self.unread(within)
        if unread:
            raise AssertionError(f"{self.info['first_name']} got unexpected bot output: {_describe(unread)}")

    async def chats(self) -> list[dict[str, Any]]:
        return await self.client.call("GET", f"/people/{self.id}/chats")


def _is_bot_output(event: dict[str, Any]) -> bool:
    """A message a bot wrote, other than the service line that opens a topic."""
    message = event["message"]
    return message["from"]["is_bot"] and message.get("forum_topic_created") is None


def _describe(events: list[dict[str, Any]]) -> str:
    """Unread events, one phrase each, for a failure that shows what arrived."""
    phrases = []
    for event in events:
        where = f"chat {event['chat_id']}" + (f" topic {event['thread_id']}" if event["thread_id"] is not None else "")
        kind, message = event["type"], event["message"]
        if kind == "message":
            text = message["text"] or message["caption"] or _media_kind(message)
            phrases.append(f"message in {where}: {text!r}")
        elif kind == "edit":
            text = message["text"] or message["caption"] or _media_kind(message)
            phrases.append(f"edit of message {message['message_id']} in {where}: {text!r}")
        elif kind == "topic":
            topic = event["topic"]
            state = "deleted" if topic.get("deleted") else "closed" if topic["is_closed"] else "open"
            phrases.append(f"topic change in {where}: {topic['name']!r} ({state})")
        elif kind == "delete":
            phrases.append(f"deletion in {where}: messages {event['message_ids']}")
        else:
            phrases.append(f"{kind} in {where}: {event.get('answer')}")
    return "; ".join(phrases)


def _text(value: int | None) -> str | None:
    return None if value is None else str(value)


def _reaction_key(reaction: dict[str, Any]) -> str:
    return reaction.get("emoji") or reaction.get("custom_emoji_id") or reaction["type"]


def _media_kind(message: dict[str, Any]) -> str:
    kinds = [
        kind
        for kind in ("photo", "document", "video", "sticker", "voice", "audio", "animation", "video_note")
        if message.get(kind)
    ]
    return f"<{kinds[0]}>" if kinds else "<no text>"
