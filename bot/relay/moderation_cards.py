"""The moderators' card of a moderation case: the message with its evidence marked, context, and the decisions.

One card per case in the moderators' group; the result hook records where
it is (``CARD_SENT``) and a decision edits it to say who decided what, with
no buttons left. The buyer's Report button under the store's messages is
built here too, so every `md:` callback is made in one place.
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import replace
from typing import Any

from bot import callbacks
from bot.relay.desk import Desk
from bot.relay.long_texts import utf16_len
from domain.services.moderation_cases import CaseView, case_view, record_card

log = logging.getLogger(__name__)

PREFIX = "md"  # md:<decision>:<case id>; md:rp:<ticket message id> is the buyer's Report
REPORT = "rp"
CARD_SENT = "moderation_card_sent"
MODERATORS_LANG = "en"  # the platform's team works in English (as on the escalation cards)
# The buttons of an undecided case: a held message can be let through or stopped, a delivered one confirmed or not.
HELD_BUTTONS = (("rl", "release"), ("bl", "block"), ("cw", "warn"), ("cs", "strike"))
OPEN_BUTTONS = (("cw", "warn"), ("cs", "strike"), ("dm", "dismiss"))


def report_markup(desk: Desk, lang: str, ticket_message_id: int) -> dict[str, Any]:
    """The Report button under the store's message at the buyer's end."""
    button = {
        "text": desk.render("buyer/report_button.txt", lang),
        "callback_data": callbacks.encode(PREFIX, REPORT, ticket_message_id),
    }
    return {"inline_keyboard": [[button]]}


def segments(text: str, hits: tuple[dict[str, Any], ...]) -> list[tuple[str, str | None]]:
    """The text cut into (piece, rule or None): the pieces a rule hit are marked on the card."""
    pieces: list[tuple[str, str | None]] = []
    at = 0
    for hit in sorted(hits, key=lambda h: (h["start"], h["end"])):
        start, end = max(hit["start"], at), hit["end"]
        if end <= start or end > len(text):
            continue
        if start > at:
            pieces.append((text[at:start], None))
        pieces.append((text[start:end], hit["rule"]))
        at = end
    if at < len(text):
        pieces.append((text[at:], None))
    return pieces


CARD_TEXT_MAX = 2500  # of the message itself: the card keeps room for its context under Telegram's 4,096
PREVIOUS_TEXT_MAX = 500  # what the buyer still has, for a held edit
CARD_LIMIT = 4096  # Telegram's, in UTF-16 units of the text once its HTML is parsed
_TAG = re.compile(r"<[^>]+>")


def card_text(desk: Desk, view: CaseView) -> str:
    """The card, its quoted texts shortened until the whole fits one message (emoji count double)."""
    shown_max, previous_max = CARD_TEXT_MAX, PREVIOUS_TEXT_MAX
    while True:
        previous = view.previous_text
        if previous is not None and len(previous) > previous_max:
            previous = previous[: previous_max - 1] + "…"
        text = desk.render(
            "moderator/case_card.html",
            MODERATORS_LANG,
            view=replace(view, previous_text=previous),
            pieces=segments(view.text[:shown_max], view.hits),
            cut=len(view.text) > shown_max,
        )
        if utf16_len(html.unescape(_TAG.sub("", text))) <= CARD_LIMIT or shown_max < 100:
            return text
        shown_max, previous_max = shown_max // 2, previous_max // 2


def keyboard(desk: Desk, view: CaseView) -> dict[str, Any] | None:
    buttons = HELD_BUTTONS if view.status == "held" else OPEN_BUTTONS if view.status == "open" else ()
    if not buttons:
        return None
    row = [
        {
            "text": desk.render("moderator/case_button.txt", MODERATORS_LANG, decision=decision),
            "callback_data": callbacks.encode(PREFIX, code, view.case_id),
        }
        for code, decision in buttons
    ]
    return {"inline_keyboard": [row[:2], row[2:]]}


async def post_case_card(desk: Desk, case_id: int) -> None:
    """The case's card in the moderators' group (a held message waits for it, so a missing group is logged)."""
    if desk.moderators_chat_id is None:
        log.warning("no moderators' group set (AFTERSALES_MODERATORS_CHAT_ID): moderation case %s has no card", case_id)
        return
    view = await case_view(desk.uow, case_id, desk.clock)
    await desk.outbox.call(
        "sendMessage",
        {
            "chat_id": desk.moderators_chat_id,
            "text": card_text(desk, view),
            "parse_mode": "HTML",
            "reply_markup": keyboard(desk, view),
        },
        on_result=CARD_SENT,
        on_result_args={"case_id": case_id},
    )


async def card_sent(desk: Desk, case_id: int, chat_id: int, message_id: int) -> None:
    """The card is in the group: remember where; a case decided meanwhile gets its card edited now."""
    await record_card(desk.uow, case_id, chat_id, message_id)
    view = await case_view(desk.uow, case_id, desk.clock)
    if view.status not in ("held", "open"):
        await refresh_case_card(desk, view)


async def refresh_case_card(desk: Desk, view: CaseView) -> None:
    """The card edited to what the case is now (a decision: who, what, when; no buttons)."""
    if view.card_chat_id is None or view.card_message_id is None:
        return  # not sent yet: `card_sent` edits it when it is
    await desk.outbox.call(
        "editMessageText",
        {
            "chat_id": view.card_chat_id,
            "message_id": view.card_message_id,
            "text": card_text(desk, view),
            "parse_mode": "HTML",
            "reply_markup": keyboard(desk, view),
        },
    )
