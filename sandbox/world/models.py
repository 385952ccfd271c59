"""The things a sandbox world is made of: accounts, chats, messages, files."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from sandbox.world.events import EventLog
from sandbox.world.updates import UpdateQueue

# Telegram's six topic icon colours (Bot API createForumTopic); the first is the default.
TOPIC_ICON_COLORS = (7322096, 16766590, 13338331, 9367192, 16749490, 16478047)

# What a bot added as an administrator may do unless a test says otherwise.
DEFAULT_ADMIN_RIGHTS = {
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": False,
    "can_restrict_members": False,
    "can_promote_members": False,
    "can_change_info": False,
    "can_invite_users": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
    "can_pin_messages": True,
    "can_manage_topics": True,
}


@dataclass
class Bot:
    id: int
    token: str
    username: str
    first_name: str
    # Command menus by (scope type, chat id, user id, language code); see sandbox.world.commands.
    commands: dict[tuple[str, int | None, int | None, str], list[dict[str, str]]] = field(default_factory=dict)
    updates: UpdateQueue = field(default_factory=UpdateQueue)

    def as_user(self) -> dict[str, Any]:
        return {"id": self.id, "is_bot": True, "first_name": self.first_name, "username": self.username}

    def public(self) -> dict[str, Any]:
        return {"id": self.id, "username": self.username, "first_name": self.first_name}


@dataclass
class Person:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str = "en"
    label: str | None = None
    blocked_bot_ids: set[int] = field(default_factory=set)
    events: EventLog = field(default_factory=EventLog)

    def as_user(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        user["language_code"] = self.language_code
        return user

    def public(self) -> dict[str, Any]:
        person: dict[str, Any] = {"id": self.id, "first_name": self.first_name}
        if self.last_name:
            person["last_name"] = self.last_name
        if self.username:
            person["username"] = self.username
        person["language_code"] = self.language_code
        if self.label:
            person["label"] = self.label
        person["blocked_bot_ids"] = sorted(self.blocked_bot_ids)
        return person


@dataclass
class FileRecord:
    file_id: str
    file_unique_id: str
    kind: str  # photo | document | video | sticker | voice | audio | animation | video_note
    data: bytes
    mime_type: str
    file_name: str | None
    file_path: str
    width: int = 0
    height: int = 0
    duration: int = 0
    emoji: str | None = None  # a sticker's
    set_name: str | None = None  # a sticker's
    performer: str | None = None  # an audio file's
    title: str | None = None  # an audio file's

    @property
    def file_size(self) -> int:
        return len(self.data)


@dataclass
class Topic:
    thread_id: int
    name: str
    icon_color: int
    icon_custom_emoji_id: str | None = None
    is_closed: bool = False
    deleted: bool = False


@dataclass
class Message:
    message_id: int
    sender_id: int
    date: int
    text: str | None = None
    caption: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    media_kind: str | None = None  # a FileRecord kind
    file: FileRecord | None = None
    media_group_id: str | None = None
    reply_to_id: int | None = None
    reply_markup: dict[str, Any] | None = None
    thread_id: int | None = None
    forum_topic_created: dict[str, Any] | None = None
    forward_origin: dict[str, Any] | None = None
    edit_date: int | None = None
    # Who chose which reactions (user id -> ReactionType dicts), in the order they last chose; see sandbox.world.reactions.
    reactions: dict[int, list[dict[str, Any]]] = field(default_factory=dict)


@dataclass
class Chat:
    """A private chat (one person, one bot) or a supergroup, with its messages."""

    kind: str  # private | supergroup
    person_id: int | None = None
    bot_id: int | None = None
    group_id: int | None = None
    title: str = ""
    is_forum: bool = False
    member_ids: list[int] = field(default_factory=list)
    bot_rights: dict[int, dict[str, bool]] = field(default_factory=dict)
    topics: dict[int, Topic] = field(default_factory=dict)
    messages: dict[int, Message] = field(default_factory=dict)
    pinned_message_id: int | None = None
    next_message_id: int = 1

    @property
    def id(self) -> int:
        """The id the Bot API uses: the group's, or the person's for a private chat."""
        return self.group_id if self.kind == "supergroup" else self.person_id

    @property
    def bot_ids(self) -> list[int]:
        if self.kind == "private":
            return [self.bot_id] if self.bot_id is not None else []
        return list(self.bot_rights)

    def allocate_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id

    def public_group(self) -> dict[str, Any]:
        return {
            "id": self.group_id,
            "title": self.title,
            "type": "supergroup",
            "is_forum": self.is_forum,
            "member_ids": list(self.member_ids),
            "bot_ids": self.bot_ids,
        }


@dataclass
class CallbackQuery:
    """A person's button press; `answer` resolves when the bot calls answerCallbackQuery."""

    id: str
    person_id: int
    bot_id: int
    chat: Chat
    message_id: int
    data: str
    created: float
    answered: bool = False
    answer_calls: int = 0  # answerCallbackQuery calls by its bot, refused ones included
    answer: asyncio.Future = field(default_factory=lambda: asyncio.get_running_loop().create_future())
