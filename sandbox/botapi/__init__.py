"""Bot API method handlers, grouped by area; `METHODS` maps a lower-cased method name to its handler."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sandbox.botapi import callbacks, chats, edits, forum, media, messages, reactions, updates
from sandbox.botapi.common import Call, Described

Handler = Callable[[Call], Awaitable[Any]]

_HANDLERS: dict[str, Handler] = {
    "getMe": chats.get_me,
    "getChat": chats.get_chat,
    "getChatMember": chats.get_chat_member,
    "setMyCommands": chats.set_my_commands,
    "getMyCommands": chats.get_my_commands,
    "deleteMyCommands": chats.delete_my_commands,
    "pinChatMessage": chats.pin_chat_message,
    "sendChatAction": chats.send_chat_action,
    "getUpdates": updates.get_updates,
    "setWebhook": updates.set_webhook,
    "deleteWebhook": updates.delete_webhook,
    "getWebhookInfo": updates.get_webhook_info,
    "sendMessage": messages.send_message,
    "copyMessage": messages.copy_message,
    "copyMessages": messages.copy_messages,
    "forwardMessage": messages.forward_message,
    "forwardMessages": messages.forward_messages,
    "sendPhoto": media.send_photo,
    "sendDocument": media.send_document,
    "sendVideo": media.send_video,
    "sendSticker": media.send_sticker,
    "sendVoice": media.send_voice,
    "sendAudio": media.send_audio,
    "sendAnimation": media.send_animation,
    "sendVideoNote": media.send_video_note,
    "sendMediaGroup": media.send_media_group,
    "getFile": media.get_file,
    "editMessageText": edits.edit_message_text,
    "editMessageCaption": edits.edit_message_caption,
    "editMessageMedia": edits.edit_message_media,
    "editMessageReplyMarkup": edits.edit_message_reply_markup,
    "deleteMessage": edits.delete_message,
    "deleteMessages": edits.delete_messages,
    "setMessageReaction": reactions.set_message_reaction,
    "answerCallbackQuery": callbacks.answer_callback_query,
    "createForumTopic": forum.create_forum_topic,
    "editForumTopic": forum.edit_forum_topic,
    "closeForumTopic": forum.close_forum_topic,
    "reopenForumTopic": forum.reopen_forum_topic,
    "deleteForumTopic": forum.delete_forum_topic,
}

# Telegram matches method names case-insensitively.
METHODS: dict[str, tuple[str, Handler]] = {name.lower(): (name, handler) for name, handler in _HANDLERS.items()}

__all__ = ["METHODS", "Call", "Described", "Handler"]
