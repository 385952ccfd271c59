"""setMessageReaction: a bot's reaction to a message, as telegram-bot-api, TDLib and Telegram's servers check it.

The order of the checks is the server's: the `reaction` list is parsed first
(``sandbox.checker_reactions``), then the chat and the message are looked up
(Client::check_message, "message to react not found"), then TDLib refuses an
empty emoji (set_message_reactions), then Telegram's servers judge the
reactions themselves with the errors messages.sendReaction documents. A bot
is no Premium user: one reaction per message. Bots never get an update about
a bot's reaction.
"""

from __future__ import annotations

from typing import Any

from sandbox.botapi.common import Call
from sandbox.errors import bad_request
from sandbox.world import reactions

# The emoji a reaction may be (the Bot API 10.1 reference, ReactionTypeEmoji), exactly as
# listed: "❤" without U+FE0F is one, "❤️" with it is none, and Telegram refuses it.
ALLOWED_EMOJI = frozenset(
    "❤ 👍 👎 🔥 🥰 👏 😁 🤔 🤯 😱 🤬 😢 🎉 🤩 🤮 💩 🙏 👌 🕊 🤡 🥱 🥴 😍 🐳 ❤\u200d🔥 🌚 🌭 💯 🤣 ⚡ 🍌 🏆 💔 🤨 😐 "
    "🍓 🍾 💋 🖕 😈 😴 😭 🤓 👻 👨\u200d💻 👀 🎃 🙈 😇 😨 🤝 ✍ 🤗 🫡 🎅 🎄 ☃ 💅 🤪 🗿 🆒 💘 🙉 🦄 😘 💊 🙊 😎 👾 "
    "🤷\u200d♂ 🤷 🤷\u200d♀ 😡".split()
)
MAX_BOT_REACTIONS = 1  # "as non-premium users, bots can set up to one reaction per message"


def _readable_by_td(reaction: dict[str, Any]) -> bool:
    """TDLib's ReactionType reads an empty emoji, or one that looks like its own custom ("#...") or paid ("$") key, as none."""
    if reaction["type"] != "emoji":
        return True
    emoji = reaction["emoji"]
    return bool(emoji) and not emoji.startswith("#") and emoji != "$"


def _allowed(reaction: dict[str, Any]) -> bool:
    # A custom emoji needs the chat's admins to allow it, or to be on the message already: no sandbox chat
    # allows custom emoji, and no one can put one on a message, so every custom emoji is refused.
    return reaction["type"] == "emoji" and reaction["emoji"] in ALLOWED_EMOJI


async def set_message_reaction(call: Call) -> bool:
    chosen: list[dict[str, Any]] = call.get("reaction") or []
    # AccessRights::Read: a chat the bot may read is enough (a blocked bot is not refused here; unconfirmed).
    chat = call.world.chat_for_bot(call.bot, call.get("chat_id"), reading=True)
    message_id = call.get("message_id")
    message = chat.messages.get(message_id) if isinstance(message_id, int) and message_id > 0 else None
    if message is None:
        raise bad_request("message to react not found")
    if not all(_readable_by_td(reaction) for reaction in chosen):
        raise bad_request("invalid reaction type specified")  # td's "Invalid reaction type specified"
    target = reactions.holder(chat, message)
    # Telegram's server errors (messages.sendReaction), passed through upper-case. Which one a service
    # message gets is not visible in the open code; REACTION_INVALID is the documented fit.
    if target.forum_topic_created is not None or not all(_allowed(reaction) for reaction in chosen):
        raise bad_request("REACTION_INVALID")
    if len(chosen) > MAX_BOT_REACTIONS:
        raise bad_request("REACTIONS_TOO_MANY")
    if not chosen and call.bot.id not in target.reactions:
        raise bad_request("REACTION_EMPTY")  # removing a reaction the bot never set, as bot authors report it
    # The same reaction again is no error: TDLib takes the server's MESSAGE_NOT_MODIFIED as success.
    if reactions.choose(target, call.bot.id, chosen):
        call.world.reacted(chat, target)
    return True
