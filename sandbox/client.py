"""An async client of the control API, so an end-to-end test reads like a chat.

    async with SandboxClient(server.url) as sandbox:
        buyer = await sandbox.user("Alice", lang="en")
        await buyer.send("/start")
        msg = await buyer.expect(contains="Hello")
        answer = await msg.press("Orders")
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


class ControlError(RuntimeError):
    """The control API refused a request (its one-line `error`)."""


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

    async def press(self, button: str, wait: float = 5) -> dict[str, Any] | None:
        """Press the inline button labelled `button`; the bot's callback answer, or None if it gave none."""
        return await self.person.press(self, button, wait=wait)

    def __repr__(self) -> str:
        return f"Msg({self.message_id} in {self.chat_id}: {self.text!r})"


class SandboxClient:
    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self._session: aiohttp.ClientSession | None = None

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
        bots = await self.bots()
        return Person(self, info, default_chat=bots[0]["id"] if len(bots) == 1 else None)

    async def person(self, person_id: int) -> Person:
        """A handle on a person who already exists (made by `server.world.add_person`, say)."""
        people = {info["id"]: info for info in await self.call("GET", "/people")}
        if person_id not in people:
            raise ControlError(f"no person with id {person_id}")
        bots = await self.bots()
        return Person(self, people[person_id], default_chat=bots[0]["id"] if len(bots) == 1 else None)

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

    def _chat(self, chat: int | None) -> int:
        chat = chat if chat is not None else self.default_chat
        if chat is None:
            raise ValueError("say which chat: there is more than one bot")
        return chat

    async def send(self, text: str, chat: int | None = None, thread: int | None = None, reply_to: int | None = None) -> Msg:
        """A text message; one over 4096 characters goes in parts, as from a Telegram app (the first is returned)."""
        body = {"chat_id": self._chat(chat), "text": text, "thread_id": thread, "reply_to_message_id": reply_to}
        return Msg(await self.client.call("POST", f"/people/{self.id}/messages", json=body), self)

    async def reply(self, to: Msg, text: str) -> Msg:
        return await self.send(text, chat=to.chat_id, thread=to.thread_id, reply_to=to.message_id)

    async def edit(self, message: Msg, text: str) -> Msg:
        body = {"chat_id": message.chat_id, "message_id": message.message_id, "text": text}
        return Msg(await self.client.call("POST", f"/people/{self.id}/edit", json=body), self)

    async def _media(
        self, kind: str, files: list[tuple[bytes, str]], caption: str | None, chat: int | None, thread: int | None,
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

    async def send_photo(self, data: bytes, caption: str | None = None, chat: int | None = None, thread: int | None = None) -> Msg:
        return (await self._media("photo", [(data, "photo.jpg")], caption, chat, thread))[0]

    async def send_document(
        self, data: bytes, file_name: str = "file.pdf", caption: str | None = None, chat: int | None = None, thread: int | None = None
    ) -> Msg:
        return (await self._media("document", [(data, file_name)], caption, chat, thread))[0]

    async def send_album(
        self, photos: list[bytes], caption: str | None = None, chat: int | None = None, thread: int | None = None
    ) -> list[Msg]:
        files = [(data, f"photo{index}.jpg") for index, data in enumerate(photos)]
        return await self._media("photo", files, caption, chat, thread)

    async def send_sticker(
        self, emoji: str = "👍", data: bytes = STICKER_WEBP, file_name: str = "sticker.webp", set_name: str | None = None,
        chat: int | None = None, thread: int | None = None,
    ) -> Msg:
        """A sticker (static .webp; .tgs is animated, .webm a video sticker) with its emoji."""
        files = [(data, file_name)]
        return (await self._media("sticker", files, None, chat, thread, emoji=emoji, set_name=set_name))[0]

    async def press(self, message: Msg, button: str, wait: float = 5) -> dict[str, Any] | None:
        body = {"chat_id": message.chat_id, "message_id": message.message_id, "button": button, "wait": wait}
        result = await self.client.call("POST", f"/people/{self.id}/press", json=body)
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
                raise AssertionError(f"{self.info['first_name']} waited {timeout}s for {describe}")
            await self._fetch(min(remaining, 10))
            await asyncio.sleep(0)

    async def expect(
        self, contains: str | None = None, chat: int | None = None, thread: int | None = None, timeout: float = 5
    ) -> Msg:
        """The next new message from a bot in `chat` (and `thread`), optionally containing `contains`.

        Messages skipped on the way count as read, so the next call looks past them.
        """
        chat_id = self._chat(chat)
        key = (chat_id, thread)

        def candidates() -> list[dict[str, Any]]:
            return [
                event
                for event in self._events
                if event["type"] == "message"
                and event["seq"] > self._read_upto.get(key, 0)
                and event["chat_id"] == chat_id
                and event["thread_id"] == thread
                and event["message"]["from"]["is_bot"]
            ]

        def find() -> Msg | None:
            for event in candidates():
                msg = Msg(event["message"], self)
                if contains is None or contains in msg.text:
                    self._read_upto[key] = event["seq"]
                    return msg
            return None

        try:
            return await self._wait_for(find, timeout, f"a bot message containing {contains!r}")
        except AssertionError as error:
            arrived = [Msg(event["message"], self).text for event in candidates()]
            raise AssertionError(f"{error}; what arrived: {arrived}") from None

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

    async def expect_event(self, type: str, timeout: float = 5) -> dict[str, Any]:
        """The first event of `type` not yet returned by this method (e.g. "delete", "topic")."""

        def find() -> dict[str, Any] | None:
            for event in self._events:
                if event["type"] == type and event["seq"] not in self._consumed:
                    self._consumed.add(event["seq"])
                    return event
            return None

        return await self._wait_for(find, timeout, f"a {type!r} event")

    async def chats(self) -> list[dict[str, Any]]:
        return await self.client.call("GET", f"/people/{self.id}/chats")
