"""BENCH_CALLS=FILE: count the Bot API methods a bench bot calls, written to FILE when it exits.

Beside the statements (`bench/sql_counter.py`): how many requests a relayed
message costs, getUpdates included, without a profiler.
"""

from __future__ import annotations

import atexit
import os
from collections import Counter
from typing import Any

from telegram import Bot


def install() -> None:
    path = os.environ.get("BENCH_CALLS")
    if not path:
        return
    counts: Counter[str] = Counter()
    post = Bot._post

    async def counted(self: Bot, endpoint: str, *args: Any, **kwargs: Any) -> Any:
        counts[endpoint] += 1
        return await post(self, endpoint, *args, **kwargs)

    Bot._post = counted  # type: ignore[method-assign]

    def _write() -> None:
        with open(path, "w") as file:
            file.writelines(f"{count:6d} {method}\n" for method, count in counts.most_common())

    atexit.register(_write)
