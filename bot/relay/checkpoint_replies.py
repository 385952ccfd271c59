"""What the agent and the moderators hear after the checkpoint spoke: a hold told in place, a case's card sent."""

from __future__ import annotations

from telegram import Message

from bot.relay.desk import Desk, answer_in_place
from bot.relay.moderation_cards import post_case_card, refresh_case_card
from domain.services.checkpoint import Passage
from domain.services.moderation_cases import case_view


async def after_checkpoint(desk: Desk, passage: Passage, message: Message, lang: str, *, edit: bool = False) -> None:
    """A new case gets its card; a held case edited again gets its card redrawn; a hold is told to the agent."""
    if passage.case_id is not None:
        if passage.opened:
            await post_case_card(desk, passage.case_id)
        elif passage.changed:  # Telegram refuses an edit that changes nothing
            await refresh_case_card(desk, await case_view(desk.uow, passage.case_id, desk.clock))
    if not passage.reaches_buyer:
        # An edit of a message still under review is that message under review, not an edit the buyer waits for.
        edit = edit and (passage.why != "review" or passage.held_edit)
        await answer_in_place(desk, message, desk.render("seller/held.html", lang, why=passage.why, edit=edit))
