"""Builds the Telegram Application: dependencies, handlers in matching order.

The one registry of handlers (STYLE.md, habit 4): each audience's module
contributes its list; the order below is the order they are matched.
"""

from __future__ import annotations

from telegram.ext import Application, ContextTypes

from bot.context import AftersalesApplication, AftersalesContext, Deps
from bot.conversations import drafts
from bot.handlers import buyer, common, group, moderation, moderators, order_events, outreach, welcome


def register_handlers(application: Application) -> None:
    for handler in common.name_handlers():  # who is writing, as Telegram names them now (the store's side shows it)
        application.add_handler(handler, group=common.NAMES_GROUP)
    group.register(application)  # seller side: support groups, agents, the relay (before the buyer's /start)
    for handler in welcome.handlers():  # /help in groups: the moderators' or the agents'
        application.add_handler(handler)
    for handler in moderators.handlers():  # /ticket: moderators only, before the buyer's flows take a command
        application.add_handler(handler)
    for handler in moderation.handlers():  # case cards' buttons, the buyer's Report, /report, /flag, /unsuspend
        application.add_handler(handler)
    for handler in outreach.handlers():  # agents writing to a buyer first
        application.add_handler(handler)
    order_events.register(application)  # the buyer's answers to order events (refund or wait, the address)
    buyer.register(application)  # buyer side: /start, orders, reason flows (durable), /tickets, free text
    for handler in drafts.idle_handlers():  # a flow left idle ends in the chat's turn
        application.add_handler(handler)
    # In the same group, after every other handler: python-telegram-bot runs one handler per
    # group, so a press some handler took never reaches the fallback (it was answered twice before).
    for handler in common.fallback_handlers():
        application.add_handler(handler)
    application.add_error_handler(common.report_error)


def build_application(deps: Deps, *, token: str | None = None) -> AftersalesApplication:
    """The bot, pointed at `settings.telegram_api_url` (Telegram or the sandbox)."""
    settings = deps.settings
    bot_token = token or (settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token else None)
    if not bot_token:
        raise ValueError("a bot token is needed to build the application")
    builder = (
        Application.builder()
        .application_class(AftersalesApplication, kwargs={"deps": deps})
        .token(bot_token)
        .base_url(settings.telegram_api_url)
        .base_file_url(settings.telegram_file_url)
        .context_types(ContextTypes(context=AftersalesContext))
        # Updates come from our own poller (bot.pipeline), which stores each
        # batch before confirming it; python-telegram-bot's Updater confirms first.
        .updater(None)
        # One connection per concurrent handler and per send in flight, not 256 (docs/telegram-notes.md#concurrency).
        .connection_pool_size(settings.concurrent_updates + settings.max_in_flight_sends)
    )
    application = builder.build()
    register_handlers(application)
    return application
