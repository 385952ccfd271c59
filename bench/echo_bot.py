"""The baseline: a bare python-telegram-bot echo bot, as its examples write it.

    python -m bench.echo_bot TOKEN API_URL

Default Application, polling through python-telegram-bot's own Updater,
sequential update processing. Prints "ready" once polling.
"""

from __future__ import annotations

import asyncio
import signal
import sys

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.message.reply_text(update.message.text)


async def main(token: str, api_url: str) -> None:
    application = (
        Application.builder()
        .token(token)
        .base_url(api_url)
        .base_file_url(api_url.removesuffix("/bot") + "/file/bot")
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with application:
        await application.start()
        await application.updater.start_polling(poll_interval=0.0, timeout=1)
        print("ready", flush=True)
        await stop.wait()
        await application.updater.stop()
        await application.stop()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:3]))
