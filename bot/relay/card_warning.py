"""The buyer told that the card number they sent was hidden from the seller, and never to share one.

The domain masks the number before it is stored and says how many it hid
(`masked_cards`), once per message; this words the warning, as a reply to
the buyer's message so they see which one (a flow's gathered text has none).
"""

from __future__ import annotations

from bot.relay.desk import Desk


async def warn_card_masked(desk: Desk, buyer_chat: int, lang: str, count: int, reply_to: int | None = None) -> None:
    """``reply_to``: the buyer's message that had the number; None for what a flow gathered."""
    if not count:
        return
    reply = {"reply_parameters": {"message_id": reply_to, "allow_sending_without_reply": True}} if reply_to else {}
    await desk.outbox.send_message(
        buyer_chat, desk.render("buyer/card_masked.html", lang, count=count), parse_mode="HTML", **reply
    )
