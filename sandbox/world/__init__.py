"""The sandbox world: bots, people, chats, messages and files, and who is told what."""

from sandbox.world.models import Bot, CallbackQuery, Chat, FileRecord, Message, Person, Topic
from sandbox.world.world import World, WorldError

__all__ = ["Bot", "CallbackQuery", "Chat", "FileRecord", "Message", "Person", "Topic", "World", "WorldError"]
