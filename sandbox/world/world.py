"""The sandbox's world: who exists, which chats they share, and what happens in them.

Every change fans out twice: as an Event to each person who sees the chat, and
as an Update to each bot that Telegram would tell (never about its own acts).
"""

from __future__ import annotations

import itertools
import secrets
import time
from typing import Any

from sandbox.errors import bad_request, forbidden
from sandbox.world import render
from sandbox.world.files import FileStore
from sandbox.world.models import (
    DEFAULT_ADMIN_RIGHTS,
    TOPIC_ICON_COLORS,
    Bot,
    CallbackQuery,
    Chat,
    Message,
    Person,
    Topic,
)


class WorldError(ValueError):
    """A control-API request the world cannot carry out (unknown person, not a member...)."""


class World:
    # Unconfirmed: Telegram does not publish how long a callback query stays answerable;
    # bots report "query is too old" after roughly 15 seconds to a few minutes.
    callback_answer_timeout = 15.0

    def __init__(self) -> None:
        self.bots: dict[int, Bot] = {}
        self.people: dict[int, Person] = {}
        self.groups: dict[int, Chat] = {}
        self.private_chats: dict[tuple[int, int], Chat] = {}
        self.files = FileStore()
        self.callbacks: dict[str, CallbackQuery] = {}
        self._person_ids = itertools.count(5_000_000_001)
        self._group_ids = itertools.count(1_000_000_001)
        self._media_group_ids = itertools.count(13_000_000_000_000_001)

    @staticmethod
    def now() -> int:
        return int(time.time())

    # --- accounts -------------------------------------------------------------

    def add_bot(self, token: str, username: str, first_name: str) -> Bot:
        # A token is "<bot id>:<secret>", as Telegram issues them.
        bot_id = int(token.split(":", 1)[0])
        bot = Bot(id=bot_id, token=token, username=username, first_name=first_name)
        self.bots[bot_id] = bot
        return bot

    def add_person(
        self,
        first_name: str,
        language_code: str = "en",
        label: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
    ) -> Person:
        person = Person(
            id=next(self._person_ids),
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
            label=label,
        )
        self.people[person.id] = person
        return person

    def add_group(
        self,
        title: str,
        is_forum: bool = True,
        member_ids: list[int] | tuple[int, ...] = (),
        admin_bot_ids: list[int] | tuple[int, ...] = (),
        admin_rights: dict[str, bool] | None = None,
    ) -> Chat:
        for person_id in member_ids:
            self.person(person_id)
        for bot_id in admin_bot_ids:
            if bot_id not in self.bots:
                raise WorldError(f"no bot with id {bot_id}")
        group = Chat(
            kind="supergroup",
            group_id=-(10**12) - next(self._group_ids),
            title=title,
            is_forum=is_forum,
            # In a forum, thread 1 is the General topic (message 1 opened the group), so a
            # created topic, named by the id of its creation message, is 2 or later.
            next_message_id=2 if is_forum else 1,
            member_ids=list(member_ids),
            bot_rights={bot_id: {**DEFAULT_ADMIN_RIGHTS, **(admin_rights or {})} for bot_id in admin_bot_ids},
        )
        self.groups[group.group_id] = group
        if group.member_ids:
            # Telegram tells a bot it was made an administrator, by whoever added it.
            adder = self.people[group.member_ids[0]]
            for bot_id, rights in group.bot_rights.items():
                administrator = {"status": "administrator", "can_be_edited": False, "is_anonymous": False, **rights}
                self._tell_membership(self.bots[bot_id], group, adder, {"status": "left"}, administrator)
        return group

    def person(self, person_id: int) -> Person:
        try:
            return self.people[int(person_id)]
        except (KeyError, ValueError, TypeError):
            raise WorldError(f"no person with id {person_id}") from None

    def bot_by_token(self, token: str) -> Bot | None:
        try:
            bot = self.bots.get(int(token.split(":", 1)[0]))
        except ValueError:
            return None
        return bot if bot is not None and secrets.compare_digest(bot.token, token) else None

    def user_dict(self, user_id: int) -> dict[str, Any]:
        if user_id in self.bots:
            return self.bots[user_id].as_user()
        return self.people[user_id].as_user()

    # --- chats ------------------------------------------------------------------

    def private_chat(self, person_id: int, bot_id: int, create: bool = False) -> Chat | None:
        chat = self.private_chats.get((person_id, bot_id))
        if chat is None and create:
            chat = Chat(kind="private", person_id=person_id, bot_id=bot_id)
            self.private_chats[(person_id, bot_id)] = chat
        return chat

    def chat_for_bot(self, bot: Bot, chat_id: Any, reading: bool = False) -> Chat:
        """The chat a bot addresses by `chat_id`, or Telegram's refusal.

        `reading` (getChat, getChatMember) lets a bot look at a person it has
        never talked to; such a chat is not stored.
        """
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            # Telegram resolves @username only for public groups and channels (and bots);
            # a person's username, and every group in the sandbox (none is public), is "chat not found".
            raise bad_request("chat not found")
        try:
            chat_id = int(chat_id)
        except (TypeError, ValueError):
            raise bad_request("chat not found") from None
        if chat_id in self.groups and bot.id in self.groups[chat_id].bot_rights:
            return self.groups[chat_id]
        if chat_id in self.people:
            chat = self.private_chat(chat_id, bot.id)
            if chat is None and reading:
                return Chat(kind="private", person_id=chat_id, bot_id=bot.id)
            if chat is None:
                # Telegram server wording, as bot authors report it (TelegramBotAPI/errors#2).
                raise forbidden("bot can't initiate conversation with a user")
            return chat
        raise bad_request("chat not found")

    def check_can_send(self, bot: Bot, chat: Chat) -> None:
        if chat.kind == "private" and bot.id in self.people[chat.person_id].blocked_bot_ids:
            raise forbidden("bot was blocked by the user")

    def chat_for_person(self, person: Person, chat_id: Any) -> Chat:
        """The chat a person addresses: a bot's id for the private chat, or a group id."""
        try:
            chat_id = int(chat_id)
        except (TypeError, ValueError):
            raise WorldError(f"chat_id must be an integer, not {chat_id!r}") from None
        if chat_id in self.bots:
            return self.private_chat(person.id, chat_id, create=True)
        group = self.groups.get(chat_id)
        if group is None:
            raise WorldError(f"no chat with id {chat_id}")
        if person.id not in group.member_ids:
            raise WorldError(f"{person.first_name} is not a member of {group.title!r}")
        return group

    def chats_of(self, person: Person) -> list[Chat]:
        private = [chat for (person_id, _), chat in self.private_chats.items() if person_id == person.id]
        return private + [group for group in self.groups.values() if person.id in group.member_ids]

    def viewers(self, chat: Chat) -> list[Person]:
        if chat.kind == "private":
            return [self.people[chat.person_id]]
        return [self.people[person_id] for person_id in chat.member_ids]

    def topic(self, chat: Chat, thread_id: int | None) -> Topic | None:
        """The live topic `thread_id` names; raises Telegram's refusal for a missing one."""
        if thread_id is None or thread_id == 0:
            return None
        if chat.kind != "supergroup":
            raise bad_request("message thread not found")
        if not chat.is_forum:
            return None  # a reply thread in an ordinary supergroup
        topic = chat.topics.get(thread_id)
        if topic is None or topic.deleted:
            raise bad_request("message thread not found")
        return topic

    def last_message(self, chat: Chat, thread_id: int | None = None, any_thread: bool = False) -> Message | None:
        for message in reversed(chat.messages.values()):
            if any_thread or message.thread_id == thread_id:
                return message
        return None

    def chat_summary(self, chat: Chat) -> dict[str, Any]:
        if chat.kind == "private":
            bot = self.bots[chat.bot_id]
            title, chat_type = bot.first_name, "private"
        else:
            title, chat_type = chat.title, "supergroup"
        last = self.last_message(chat, any_thread=True)
        return {
            "id": render.view_chat_id(chat),
            "type": chat_type,
            "title": title,
            "is_forum": chat.is_forum,
            "last_message": render.message_view(self, chat, last) if last else None,
            "topics": [render.topic_view(self, chat, topic) for topic in chat.topics.values() if not topic.deleted],
        }

    # --- fan-out -----------------------------------------------------------------

    def _tell_people(self, chat: Chat, event: dict[str, Any]) -> None:
        for person in self.viewers(chat):
            person.events.append(event)

    def _tell_bots(self, chat: Chat, kind: str, message: Message) -> None:
        if message.sender_id in self.bots:
            return  # bots never receive their own (or other bots') messages
        for bot_id in chat.bot_ids:
            if chat.kind == "private" and bot_id in self.people[chat.person_id].blocked_bot_ids:
                continue
            self.bots[bot_id].updates.push(kind, render.message_for_bot(self, chat, message))

    def post(self, chat: Chat, sender_id: int, **fields: Any) -> Message:
        message = Message(message_id=chat.allocate_message_id(), sender_id=sender_id, date=self.now(), **fields)
        chat.messages[message.message_id] = message
        view = render.message_view(self, chat, message)
        self._tell_people(
            chat, {"type": "message", "chat_id": view["chat_id"], "thread_id": message.thread_id, "message": view}
        )
        self._tell_bots(chat, "message", message)
        return message

    def edited(self, chat: Chat, message: Message) -> None:
        message.edit_date = self.now()
        view = render.message_view(self, chat, message)
        self._tell_people(
            chat, {"type": "edit", "chat_id": view["chat_id"], "thread_id": message.thread_id, "message": view}
        )
        self._tell_bots(chat, "edited_message", message)

    def reacted(self, chat: Chat, message: Message) -> None:
        """Its reactions changed: apps redraw it. No bot is told of a bot's reaction (the Bot API says so)."""
        view = render.message_view(self, chat, message)
        self._tell_people(
            chat, {"type": "reaction", "chat_id": view["chat_id"], "thread_id": message.thread_id, "message": view}
        )

    def delete(self, chat: Chat, message_ids: list[int]) -> None:
        by_thread: dict[int | None, list[int]] = {}
        for message_id in message_ids:
            message = chat.messages.pop(message_id, None)
            if message is not None:
                by_thread.setdefault(message.thread_id, []).append(message_id)
        for thread_id, ids in by_thread.items():
            self._tell_people(
                chat,
                {
                    "type": "delete",
                    "chat_id": render.view_chat_id(chat),
                    "thread_id": thread_id,
                    "message": None,
                    "message_ids": ids,
                },
            )

    def new_media_group_id(self) -> str:
        return str(next(self._media_group_ids))

    # --- forum topics ----------------------------------------------------------

    def create_topic(self, chat: Chat, creator_id: int, name: str, icon_color: int | None, emoji: str | None) -> Topic:
        color = icon_color if icon_color is not None else TOPIC_ICON_COLORS[0]
        thread_id = chat.next_message_id
        # The topic's id is the id of the service message that opens it.
        topic = Topic(thread_id=thread_id, name=name, icon_color=color, icon_custom_emoji_id=emoji)
        chat.topics[thread_id] = topic
        created = {"name": name, "icon_color": color}
        if emoji:
            created["icon_custom_emoji_id"] = emoji
        self.post(chat, creator_id, thread_id=thread_id, forum_topic_created=created)
        self.topic_changed(chat, topic)
        return topic

    def topic_changed(self, chat: Chat, topic: Topic) -> None:
        self._tell_people(
            chat,
            {
                "type": "topic",
                "chat_id": chat.group_id,
                "thread_id": topic.thread_id,
                "message": None,
                "topic": render.topic_view(self, chat, topic),
            },
        )

    def delete_topic(self, chat: Chat, topic: Topic) -> None:
        topic.deleted = True
        self.delete(chat, [m.message_id for m in chat.messages.values() if m.thread_id == topic.thread_id])
        self.topic_changed(chat, topic)

    # --- people's acts -----------------------------------------------------------

    def press(self, person: Person, chat: Chat, message: Message, data: str) -> CallbackQuery:
        if message.sender_id not in self.bots:
            raise WorldError("only a bot's message has buttons to press")
        bot = self.bots[message.sender_id]
        query = CallbackQuery(
            id=str(secrets.randbits(62)),
            person_id=person.id,
            bot_id=bot.id,
            chat=chat,
            message_id=message.message_id,
            data=data,
            created=time.monotonic(),
        )
        self.callbacks[query.id] = query
        key = chat.group_id if chat.kind == "supergroup" else chat.person_id
        bot.updates.push(
            "callback_query",
            {
                "id": query.id,
                "from": person.as_user(),
                "message": render.message_for_bot(self, chat, message),
                # Stable per chat, opaque, like Telegram's.
                "chat_instance": str(abs(hash((bot.id, key))) % 10**19),
                "data": data,
            },
        )
        return query

    def answer_callback(self, query_id: str, bot: Bot, answer: dict[str, Any]) -> None:
        query = self.callbacks.get(query_id)
        if query is not None and query.bot_id == bot.id:
            query.answer_calls += 1
        too_old = query is not None and time.monotonic() - query.created > self.callback_answer_timeout
        if query is None or query.bot_id != bot.id or query.answered or too_old:
            raise bad_request("query is too old and response timeout expired or query ID is invalid")
        query.answered = True
        if not query.answer.done():
            query.answer.set_result(answer)
        person = self.people[query.person_id]
        person.events.append(
            {
                "type": "callback_answer",
                "chat_id": render.view_chat_id(query.chat),
                "thread_id": None,
                "message": None,
                "answer": {"callback_query_id": query.id, **answer},
            }
        )

    def callback_view(self, query: CallbackQuery) -> dict[str, Any]:
        """A press and how the bot answered it: `answer_calls` beyond 1 were refused as Telegram refuses them."""
        return {
            "callback_query_id": query.id,
            "person_id": query.person_id,
            "chat_id": render.view_chat_id(query.chat),
            "message_id": query.message_id,
            "data": query.data,
            "answer_calls": query.answer_calls,
            "answer": query.answer.result() if query.answer.done() and not query.answer.cancelled() else None,
        }

    def set_blocked(self, person: Person, bot: Bot, blocked: bool) -> None:
        if (bot.id in person.blocked_bot_ids) == blocked:
            return
        chat = self.private_chat(person.id, bot.id, create=True)
        if blocked:
            person.blocked_bot_ids.add(bot.id)
            old, new = {"status": "member"}, {"status": "kicked", "until_date": 0}
        else:
            person.blocked_bot_ids.discard(bot.id)
            old, new = {"status": "kicked", "until_date": 0}, {"status": "member"}
        self._tell_membership(bot, chat, person, old, new)

    def _tell_membership(self, bot: Bot, chat: Chat, actor: Person, old: dict[str, Any], new: dict[str, Any]) -> None:
        """A my_chat_member update: `actor` changed the bot's status in `chat` from `old` to `new`."""
        user = bot.as_user()
        bot.updates.push(
            "my_chat_member",
            {
                "chat": render.chat_for_bot(self, chat),
                "from": actor.as_user(),
                "date": self.now(),
                "old_chat_member": {"status": old["status"], "user": user, **old},
                "new_chat_member": {"status": new["status"], "user": user, **new},
            },
        )
