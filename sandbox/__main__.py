"""Run a bare sandbox: `python -m sandbox --port 8081 --bot 123:ABC@my_bot`.

Prints its URLs and serves until interrupted; the web chat is at its root.
"""

from __future__ import annotations

import argparse
import asyncio
import logging

from sandbox.server import SandboxServer


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description="A local Telegram Bot API sandbox.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument(
        "--bot",
        action="append",
        default=[],
        metavar="TOKEN@USERNAME",
        help="register a bot (repeatable), e.g. 123456:secret@aftersales_bot",
    )
    parser.add_argument("--lenient", action="store_true", help="do not record reference violations")
    parser.add_argument("--rate-limits", action="store_true", help="answer 429 past Telegram's flood limits")
    parser.add_argument(
        "--answer-delay",
        type=float,
        default=0.0,
        metavar="MS",
        help="hold every Bot API answer MS milliseconds, as a network's round trip would (default 0)",
    )
    return parser.parse_args()


async def _serve(args: argparse.Namespace) -> None:
    server = SandboxServer(
        host=args.host,
        port=args.port,
        strict=not args.lenient,
        rate_limits=args.rate_limits,
        answer_delay=args.answer_delay / 1000,
    )
    for spec in args.bot:
        token, _, username = spec.partition("@")
        server.world.add_bot(token=token, username=username or "sandbox_bot", first_name=username or "Sandbox bot")
    await server.start()
    print(f"sandbox at {server.url}  (Bot API base_url {server.bot_api_base_url})", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await server.stop()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    args = _parse()
    for spec in args.bot:
        token = spec.partition("@")[0]
        if not token.partition(":")[0].isdigit():
            raise SystemExit(f"--bot {spec!r}: a token looks like 123456:secret")
    try:
        asyncio.run(_serve(args))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
