"""`make bench`: the six benchmarks of the relay, the pipeline and the flows, each against a baseline of the same run.

    python -m bench [relay network limits timers memory flows moderation synthetic] [--runs N] [--quick]

With no names, the six in order (and the moderation screen's precision and
recall); each prints its table and writes `bench/results/<name>.json` with
the machine it ran on. Each can also run alone with its own options, e.g.
`python -m bench.throughput --help`:

1. relay (`bench/throughput.py`): CPU per message and throughput of the relay,
   buyers → topics and agents → buyers, against a bare python-telegram-bot
   echo bot, on SQLite and PostgreSQL.
2. network (`bench/network.py`): throughput with every Bot API answer 50 ms
   late, against a sequential bot; latency at 30 updates a second.
3. limits (`bench/limits.py`): with the sandbox enforcing Telegram's flood
   limits, how close the sender comes to them without a 429, and priorities.
4. timers (`bench/timers.py`): the sweep's cost at 1,000 to 100,000 pending
   deadlines, 10,000 falling due at once, and the memory they take.
5. memory (`bench/memory.py`): resident memory per half-finished conversation.
6. flows (`bench/flows.py`): whole request → partial refund → accept flows,
   SQLite and PostgreSQL side by side.

`--quick` runs each at a small size (a smoke test, not figures to quote);
`--runs N` overrides every benchmark's number of runs. PostgreSQL is the
server at AFTERSALES_BENCH_POSTGRES_URL (default: local, trust auth).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import time
from collections.abc import Awaitable, Callable
from typing import Any

# name -> (module, full-size keyword arguments, quick keyword arguments)
BENCHMARKS: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {
    "relay": ("bench.throughput", {}, {"buyers": 20, "per_buyer": 3, "runs": 1}),
    "network": ("bench.network", {}, {"buyers": 20, "messages": 2, "seconds": 3.0, "runs": 1}),
    "limits": ("bench.limits", {}, {"buyers": 200, "group_buyers": 10, "runs": 1}),
    "timers": ("bench.timers", {}, {"sizes": [200, 1000], "due": 300, "runs": 1}),
    "memory": ("bench.memory", {}, {"buyers": 200, "runs": 1}),
    "flows": ("bench.flows", {}, {"buyers": 5, "runs": 1}),
}
EXTRAS: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {
    "synthetic": ("bench.throughput", {"scenario": "synthetic"}, {"scenario": "synthetic", "buyers": 20, "runs": 1}),
}


def _runner(name: str, quick: bool, runs: int | None) -> Callable[[], Awaitable[Any]]:
    module_name, full, small = {**BENCHMARKS, **EXTRAS}[name]
    options = dict(small if quick else full)
    if runs is not None:
        options["runs"] = runs
    module = importlib.import_module(module_name)
    return lambda: module.main(**options)


async def main(names: list[str], quick: bool, runs: int | None) -> None:
    for name in names:
        print(f"\n## {name}", flush=True)
        started = time.perf_counter()
        if name == "moderation":
            from bench import moderation

            moderation.report()
        else:
            await _runner(name, quick, runs)()
        print(f"({name}: {time.perf_counter() - started:.0f} s)", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    choices = [*BENCHMARKS, *EXTRAS, "moderation"]
    parser.add_argument("names", nargs="*", choices=choices, metavar="NAME", help=f"any of {', '.join(choices)}")
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke test, not figures to quote")
    parser.add_argument("--runs", type=int, help="runs of each benchmark (default: each one's own, at least 3)")
    args = parser.parse_args()
    asyncio.run(main(args.names or [*BENCHMARKS, "moderation"], args.quick, args.runs))
