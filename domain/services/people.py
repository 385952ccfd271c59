"""The people the bot knows, as Telegram shows them: the names the store's side calls a buyer by."""

from __future__ import annotations

from domain.storage.uow import UnitOfWork

MAX_NAME = 255  # users.display_name
MAX_USERNAME = 64  # users.username; Telegram's are at most 32


async def note_names(uow: UnitOfWork, telegram_id: int, first_name: str | None, username: str | None) -> None:
    """Remember the first name and @username a known person has now (a person may change them any time).

    Only a change is written; someone the bot has no record of stays unknown.
    """
    user = await uow.users.by_telegram_id(telegram_id)
    if user is None:
        return
    first_name = (first_name or "").strip()[:MAX_NAME] or None
    username = (username or "")[:MAX_USERNAME] or None
    if first_name is not None and user.display_name != first_name:
        user.display_name = first_name
    if user.username != username:
        user.username = username
