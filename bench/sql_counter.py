"""BENCH_SQL=FILE: count and time the statements a bench bot runs, written to FILE when it exits.

Each distinct statement (whitespace folded, cut at 160 characters) with how
often it ran and the wall time spent in the driver's execute, most costly
first: what a relayed message costs in queries, without a profiler.
"""

from __future__ import annotations

import atexit
import os
import time
from collections import Counter
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine


def install(engine: AsyncEngine) -> None:
    path = os.environ.get("BENCH_SQL")
    if not path:
        return
    width = int(os.environ.get("BENCH_SQL_WIDTH", "160"))  # read once, not per statement
    counts: Counter[str] = Counter()
    seconds: Counter[str] = Counter()

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _start(_connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        _connection.info["bench_sql_started"] = time.perf_counter()

    @event.listens_for(engine.sync_engine, "after_cursor_execute")
    def _count(_connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        key = " ".join(statement.split())[:width]
        counts[key] += 1
        seconds[key] += time.perf_counter() - _connection.info.pop("bench_sql_started", time.perf_counter())

    def _write() -> None:
        with open(path, "w") as file:
            file.write(f"{'count':>6} {'total ms':>9} {'µs each':>8} statement\n")
            file.writelines(
                f"{counts[key]:6d} {1000 * total:9.1f} {1e6 * total / counts[key]:8.1f} {key}\n"
                for key, total in seconds.most_common()
            )

    atexit.register(_write)
