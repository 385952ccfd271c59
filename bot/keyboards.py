"""Inline keyboards, built next to the rendering; button texts come from templates."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks
from bot.rendering import Renderer


def welcome_keyboard(renderer: Renderer, lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    renderer.render("buyer/button_orders.txt", lang),
                    callback_data=callbacks.encode("hlp", "orders"),
                ),
                InlineKeyboardButton(
                    renderer.render("buyer/button_help.txt", lang),
                    callback_data=callbacks.encode("hlp", "help"),
                ),
            ]
        ]
    )
