"""Answering the callback queries people's button presses raise."""

from __future__ import annotations

from sandbox.botapi.common import Call


async def answer_callback_query(call: Call) -> bool:
    call.world.answer_callback(
        str(call.get("callback_query_id", "")),
        call.bot,
        {
            "text": call.get("text"),
            "show_alert": bool(call.get("show_alert", False)),
            "url": call.get("url"),
        },
    )
    return True
