"""What every benchmark shares: the machine it ran on, a markdown table, and `bench/results/<name>.json`.

Each benchmark prints its table and writes its figures with `write(name, figures)`;
the file also records the machine and the time, so a figure is never read
without knowing where it was measured.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def machine() -> dict[str, Any]:
    """The processor, its cores and the Python that ran the benchmark."""
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
    }


def write(name: str, figures: dict[str, Any]) -> Path:
    """`bench/results/<name>.json`: the figures, the machine and when they were measured."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    document = {"benchmark": name, "measured_at": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine()}
    path.write_text(json.dumps({**document, **figures}, indent=2, default=str) + "\n")
    return path


def table(title: str, headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A markdown table under its title, numbers as given (format them before)."""
    lines = [f"\n{title}", "| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def median(values: Iterable[float]) -> float:
    return statistics.median(list(values))
