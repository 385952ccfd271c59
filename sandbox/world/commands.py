"""Command menus: one list per (scope, language_code), and which one a client shows.

A key is ``(scope type, chat id, user id, language code)``, with None for
what the scope does not name and "" for no language.
"""

from __future__ import annotations

from sandbox.world.models import Bot, Chat, Person

CommandKey = tuple[str, int | None, int | None, str]


def command_key(scope: dict, chat_id: int | None, language_code: str) -> CommandKey:
    return scope["type"], chat_id, scope.get("user_id"), language_code


def client_language(language_code: str | None) -> str:
    """A client's IETF tag ("zh-hans") as a command language ("zh")."""
    return (language_code or "").lower().replace("_", "-").split("-")[0]


def shown_commands(bot: Bot, chat: Chat, person: Person, is_admin: bool = False) -> list[dict[str, str]]:
    """The list a Telegram client shows `person` in `chat`: the narrowest scope set, own language first.

    Private chat: chat, all_private_chats, default. Group: chat_member,
    chat_administrators (admins), chat, all_chat_administrators (admins),
    all_group_chats, default.
    """
    if chat.kind == "private":
        scopes = [("chat", chat.id, None), ("all_private_chats", None, None), ("default", None, None)]
    else:
        scopes = [("chat_member", chat.id, person.id)]
        scopes += [("chat_administrators", chat.id, None)] if is_admin else []
        scopes += [("chat", chat.id, None)]
        scopes += [("all_chat_administrators", None, None)] if is_admin else []
        scopes += [("all_group_chats", None, None), ("default", None, None)]
    language = client_language(person.language_code)
    for kind, chat_id, user_id in scopes:
        for code in dict.fromkeys((language, "")):
            commands = bot.commands.get((kind, chat_id, user_id, code))
            if commands:
                return commands
    return []
