"""People acting in the sandbox's world in-process, and what they see of the bot, stamped as it arrives.

The e2e tests' `sandbox.client` does the same over the control API's HTTP;
here the load generator shares two cores with the bot under test, so people
post, press and send photos straight into the world and read their event log
through a subscription, which costs the benchmark process far less per step.
Like the e2e client it is strict: `message` takes the next bot message of a
chat (and topic) and fails if that one does not contain what was expected.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from typing import Any

from sandbox.html_parse import auto_entities
from sandbox.world import Chat, World
from sandbox.world.models import CallbackQuery, Person
from sandbox.world.render import view_chat_id
from tests.e2e.conftest import PHOTO

TICKET_NUMBER = re.compile(r"#(\d+)\b")


class Unexpected(AssertionError):
    """The bot said something else, or nothing in time."""


@dataclass
class Seen:
    at: float  # time.perf_counter() when it reached the person
    view: dict[str, Any]  # the MessageView

    @property
    def text(self) -> str:
        return self.view["text"] or self.view["caption"] or ""

    @property
    def message_id(self) -> int:
        return self.view["message_id"]

    @property
    def buttons(self) -> list[str]:
        markup = self.view["reply_markup"] or {"inline_keyboard": []}
        return [button["text"] for row in markup["inline_keyboard"] for button in row]


class Inbox:
    """One person's bot output, filed by (chat, topic) for messages and by (chat, message) for edits."""

    def __init__(self, person: Person) -> None:
        self._queue = person.events.subscribe()
        self._messages: dict[tuple[int, int | None], deque[Seen]] = defaultdict(deque)
        self._edits: dict[tuple[int, int], deque[Seen]] = defaultdict(deque)
        self._topics: dict[tuple[int, int], int] = {}  # (chat, ticket number in its name) -> thread
        self._changed = asyncio.Event()
        self._task = asyncio.create_task(self._pump())

    async def _pump(self) -> None:
        while True:
            event = await self._queue.get()
            at = time.perf_counter()
            view = event.get("message")
            if view is None or not view["from"]["is_bot"]:
                continue
            created = view.get("forum_topic_created")
            if event["type"] == "message" and created is not None:
                if found := TICKET_NUMBER.search(created["name"]):
                    self._topics[(event["chat_id"], int(found.group(1)))] = event["thread_id"]
            elif event["type"] == "message":
                self._messages[(event["chat_id"], event["thread_id"])].append(Seen(at, view))
            elif event["type"] == "edit":
                self._edits[(event["chat_id"], view["message_id"])].append(Seen(at, view))
            else:
                continue
            self._changed.set()
            self._changed = asyncio.Event()

    async def _wait(self, queue: deque[Seen], timeout: float, what: str) -> Seen:
        deadline = time.monotonic() + timeout
        while not queue:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise Unexpected(f"waited {timeout} s in vain for {what}")
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except TimeoutError:
                pass
        return queue.popleft()

    async def message(
        self, chat_id: int, contains: str, thread: int | None = None, timeout: float = 60, skip_others: bool = False
    ) -> Seen:
        """The next bot message in (chat, thread); it must contain `contains` (`skip_others`: the first that does)."""
        queue = self._messages[(chat_id, thread)]
        while True:
            seen = await self._wait(queue, timeout, f"a message containing {contains!r}")
            if contains in seen.text:
                return seen
            if not skip_others:
                raise Unexpected(f"expected a message containing {contains!r}, the next one was {seen.text[:200]!r}")

    async def edit(self, chat_id: int, message_id: int, contains: str = "", timeout: float = 60) -> Seen:
        """The first edit of the message not taken yet whose text or buttons contain `contains` (earlier ones pass)."""
        queue = self._edits[(chat_id, message_id)]
        while True:
            seen = await self._wait(queue, timeout, f"an edit of message {message_id} with {contains!r}")
            if contains in seen.text or any(contains in label for label in seen.buttons):
                return seen

    async def topic(self, chat_id: int, number: int, timeout: float = 60) -> int:
        """The thread of the topic whose name carries "#<number>" (a ticket's topic), once it exists."""
        deadline = time.monotonic() + timeout
        while (chat_id, number) not in self._topics:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise Unexpected(f"waited {timeout} s in vain for the topic of #{number}")
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except TimeoutError:
                pass
        return self._topics[(chat_id, number)]

    def close(self) -> None:
        self._task.cancel()


class Chatter:
    """A person in one chat (a private chat with the bot, or a group): their acts return when they were made."""

    def __init__(self, world: World, person: Person, chat: Chat, inbox: Inbox | None = None) -> None:
        self.world, self.person, self.chat = world, person, chat
        self.inbox = inbox or Inbox(person)
        self.chat_id = view_chat_id(chat)  # as the person's events name the chat

    def say(self, text: str, thread: int | None = None) -> float:
        at = time.perf_counter()
        self.world.post(self.chat, self.person.id, text=text, entities=auto_entities(text), thread_id=thread)
        return at

    def photo(self) -> float:
        at = time.perf_counter()
        file = self.world.files.add("photo", PHOTO, "photo.jpg", None)
        self.world.post(self.chat, self.person.id, caption=None, entities=[], media_kind="photo", file=file)
        return at

    def press(self, message: Seen, label: str) -> tuple[float, CallbackQuery]:
        """Press the button labelled `label` (or, ending in "*", the first that starts so) on `message`."""
        stored = self.chat.messages[message.message_id]
        buttons = [b for row in (stored.reply_markup or {}).get("inline_keyboard", []) for b in row]
        prefix = label.removesuffix("*")
        matching = [b for b in buttons if (b["text"].startswith(prefix) if label.endswith("*") else b["text"] == label)]
        if not matching:
            raise Unexpected(f"no button {label!r} on {message.text[:80]!r}; buttons: {[b['text'] for b in buttons]}")
        at = time.perf_counter()
        return at, self.world.press(self.person, self.chat, stored, matching[0]["callback_data"])

    async def expect(
        self, contains: str, thread: int | None = None, timeout: float = 60, skip_others: bool = False
    ) -> Seen:
        return await self.inbox.message(self.chat_id, contains, thread, timeout, skip_others)

    async def expect_edit(self, message: Seen, contains: str = "", timeout: float = 60) -> Seen:
        return await self.inbox.edit(self.chat_id, message.message_id, contains, timeout)
