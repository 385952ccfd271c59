"""BENCH_SQL=FILE: count the statements a bench bot runs, written to FILE when it exits.

Each distinct statement (whitespace folded, cut at 160 characters) with how
often it ran, most frequent first: what a relayed message costs in queries,
without a profiler.
"""

from __future__ import annotations

import atexit
import os
from collections import Counter
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine


def install(engine: AsyncEngine) -> None:
    path = os.environ.get("BENCH_SQL")
    if not path:
        return
    counts: Counter[str] = Counter()

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _count(_connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        counts[" ".join(statement.split())[:160]] += 1

    def _write() -> None:
        with open(path, "w") as file:
            file.writelines(f"{count:6d} {statement}\n" for statement, count in counts.most_common())

    atexit.register(_write)
