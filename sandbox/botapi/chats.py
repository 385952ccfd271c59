"""The bot itself, chats and members, commands, pins and chat actions."""

from __future__ import annotations

from typing import Any

from sandbox.botapi.common import Call, own_message, target
from sandbox.errors import bad_request
from sandbox.world.commands import CommandKey, command_key
from sandbox.world.render import chat_for_bot

_ALL_GIFTS = {
    "unlimited_gifts": True,
    "limited_gifts": True,
    "unique_gifts": True,
    "premium_subscription": True,
    "gifts_from_channels": True,
}


async def get_me(call: Call) -> dict[str, Any]:
    return {
        **call.bot.as_user(),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


async def get_chat(call: Call) -> dict[str, Any]:
    chat = call.world.chat_for_bot(call.bot, call.get("chat_id"), reading=True)
    return {
        **chat_for_bot(call.world, chat),
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": _ALL_GIFTS,
    }


async def get_chat_member(call: Call) -> dict[str, Any]:
    chat = call.world.chat_for_bot(call.bot, call.get("chat_id"), reading=True)
    user_id = call.get("user_id")
    if user_id not in call.world.people and user_id not in call.world.bots:
        raise bad_request("user not found")
    user = call.world.user_dict(user_id)
    if chat.kind == "private":
        is_party = user_id in (chat.person_id, chat.bot_id)
        return {"status": "member" if is_party else "left", "user": user}
    if user_id in chat.bot_rights:
        rights = chat.bot_rights[user_id]
        return {"status": "administrator", "user": user, "can_be_edited": False, "is_anonymous": False, **rights}
    return {"status": "member" if user_id in chat.member_ids else "left", "user": user}


async def set_my_commands(call: Call) -> bool:
    key = _commands_key(call)
    commands = list(call.get("commands") or [])
    if commands:
        call.bot.commands[key] = commands
    else:
        call.bot.commands.pop(key, None)  # an empty list is a deletion
    return True


async def get_my_commands(call: Call) -> list[dict[str, str]]:
    # Exactly this scope and language's list: Telegram does not fall back here, only clients do.
    return call.bot.commands.get(_commands_key(call), [])


async def delete_my_commands(call: Call) -> bool:
    call.bot.commands.pop(_commands_key(call), None)
    return True


def _commands_key(call: Call) -> CommandKey:
    """The list a *MyCommands call addresses, refused as TDLib refuses its chat or language."""
    scope = call.get("scope") or {"type": "default"}
    chat_id = None
    if "chat_id" in scope:
        chat = call.world.chat_for_bot(call.bot, scope["chat_id"], reading=True)
        if chat.kind == "private" and scope["type"] != "chat":
            # Wording not confirmed (TDLib BotCommandScope::get_bot_command_scope).
            raise bad_request("can't use specified scope in private chats")
        chat_id = chat.id
    language = call.get("language_code") or ""
    if language and not (len(language) == 2 and language.isascii() and language.isalpha() and language.islower()):
        # TDLib validate_bot_language_code; wording not confirmed.
        raise bad_request("invalid language code specified")
    return command_key(scope, chat_id, language)


async def pin_chat_message(call: Call) -> bool:
    chat = call.world.chat_for_bot(call.bot, call.get("chat_id"))
    message = own_message(call, chat, call.get("message_id"), "message to pin")
    if chat.kind == "supergroup" and not chat.bot_rights.get(call.bot.id, {}).get("can_pin_messages"):
        # Unconfirmed wording.
        raise bad_request("not enough rights to pin a message")
    chat.pinned_message_id = message.message_id
    return True


async def send_chat_action(call: Call) -> bool:
    target(call, counts=0)
    return True
