"""The buyer's escalation of a rejection, and the moderators' decision on it: presses of `rq:` buttons.

"⚖️ Escalate" sits under the buyer's rejection message; Uphold / Overturn under
the card in the moderators' group. Who may press is the domain's to say: the
buyer's own request only, and a moderator as Telegram sees them (a member of
the moderators' group, asked with getChatMember before the unit of work).
"""

from __future__ import annotations

from telegram import Update

from bot.context import AftersalesContext
from bot.handlers.common import answer_query
from bot.handlers.welcome import in_moderators_group
from bot.keyboards import close_keyboard
from bot.relay.desk import Desk
from bot.relay.notices import ESCALATE, OVERTURN, UPHOLD, deliver_notices
from domain.errors import NotFound
from domain.services.refusals import Forbidden, Refused
from domain.services.requests import escalate_rejection, moderator_decide

ACTIONS = frozenset({ESCALATE, UPHOLD, OVERTURN})


async def press(update: Update, context: AftersalesContext, desk: Desk, decoded, request_id: int, lang: str) -> None:
    query, who, clock = update.callback_query, update.effective_user.id, context.deps.clock
    try:
        if decoded.action == ESCALATE:
            done = await escalate_rejection(context.uow, clock, request_id, who)
        else:
            member = await in_moderators_group(context, who)
            outcome = "upheld" if decoded.action == UPHOLD else "overturned"
            done = await moderator_decide(context.uow, clock, request_id, who, outcome, in_moderators_group=member)
    except Forbidden:
        why = "not_buyer" if decoded.action == ESCALATE else "not_moderator"
        await answer_query(query, context.render("moderator/refused.txt", lang, why=why), show_alert=True)
        return
    except (Refused, NotFound) as refusal:
        why = getattr(refusal, "why", "already_decided")
        await answer_query(query, context.render("moderator/refused.txt", lang, why=why), show_alert=True)
        return
    if decoded.action == ESCALATE:  # the used button closes with the choice (the moderators' card is edited whole)
        await close_keyboard(context, query, lang)
    await deliver_notices(desk, done.notices, to=("buyer", "store", "moderators"))
    await answer_query(query)
