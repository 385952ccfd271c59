"""The moderation screen (issue #20) against the labelled message set: precision and recall per rule,
legitimate messages held, and the screen's CPU time per message.

`load_set` reads `tests/data/moderation_labelled.jsonl` (one seller message a line: text, lang, labels,
note, and for delivery claims the order's facts); `score` runs any screen function over the rows.
`make bench` prints the report after the bot scenarios (`python -m bench --scenario moderation` alone);
`python -m bench.moderation --misses` also lists every miss and false alarm, for tuning.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SET = ROOT / "tests" / "data" / "moderation_labelled.jsonl"
# Written after the screen by someone who never saw its patterns, and never tuned on: the honest figures.
HELD_OUT_SET = ROOT / "tests" / "data" / "moderation_heldout.jsonl"
RULES = ("payment_details", "off_platform_payment", "false_information", "disrespect")
HOLD_RULES = frozenset({"payment_details", "off_platform_payment"})
FACT_KEYS = frozenset({"today", "has_tracking", "delivered", "eta"})

Screen = Callable[..., Any]  # screen(text, *, lang=None, facts=None) -> a verdict with .action and .hits


@dataclass(frozen=True)
class Row:
    line: int
    text: str
    lang: str
    labels: frozenset[str]
    note: str
    facts: dict | None = None

    @property
    def legitimate(self) -> bool:
        return not self.labels


def load_set(path: Path | str = DEFAULT_SET) -> list[Row]:
    """Every row of the set; a malformed line raises ValueError naming the file and line."""
    rows = []
    path = Path(path)
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip():
            continue
        where = f"{path.name} line {number}"
        try:
            item = json.loads(raw)
        except json.JSONDecodeError as error:
            raise ValueError(f"{where}: not JSON ({error.msg})") from None
        if not isinstance(item, dict) or not isinstance(item.get("text"), str) or not item["text"].strip():
            raise ValueError(f"{where}: needs a non-empty string 'text'")
        if not isinstance(item.get("lang"), str) or not isinstance(item.get("note"), str):
            raise ValueError(f"{where}: needs string 'lang' and 'note'")
        labels = item.get("labels")
        if not isinstance(labels, list) or not set(labels) <= set(RULES):
            raise ValueError(f"{where}: 'labels' must be a list drawn from {', '.join(RULES)}")
        facts = item.get("facts")
        if facts is not None and (not isinstance(facts, dict) or set(facts) != FACT_KEYS):
            raise ValueError(f"{where}: 'facts' must have exactly {', '.join(sorted(FACT_KEYS))}")
        rows.append(Row(number, item["text"], item["lang"], frozenset(labels), item["note"], facts))
    return rows


def order_facts(raw: dict | None) -> Any:
    """The row's facts as the screen takes them: its OrderFacts when that exists, else the plain dict."""
    if raw is None:
        return None
    try:
        from domain.moderation.verdict import OrderFacts
    except ImportError:
        return raw
    return OrderFacts(
        has_tracking=raw["has_tracking"],
        delivered=raw["delivered"],
        eta=date.fromisoformat(raw["eta"]) if raw["eta"] else None,
        today=date.fromisoformat(raw["today"]),
    )


@dataclass
class RuleScore:
    rule: str
    labelled: int = 0
    true_positives: int = 0
    false_positives: int = 0

    @property
    def precision(self) -> float | None:
        predicted = self.true_positives + self.false_positives
        return self.true_positives / predicted if predicted else None

    @property
    def recall(self) -> float | None:
        return self.true_positives / self.labelled if self.labelled else None


@dataclass
class Score:
    messages: int
    rules: dict[str, RuleScore]
    cpu_us_per_message: float
    legit_held: list[Row] = field(default_factory=list)
    legit_flagged: list[Row] = field(default_factory=list)
    hold_rule_not_held: list[Row] = field(default_factory=list)  # caught or not, the buyer would see it
    misses: list[tuple[Row, str]] = field(default_factory=list)
    false_alarms: list[tuple[Row, str, str]] = field(default_factory=list)  # row, rule, evidence


def score(screen_fn: Screen, rows: Sequence[Row], *, repeats: int = 5) -> Score:
    """Rule hits against labels, and the median over `repeats` passes of the CPU time per message."""
    facts = [order_facts(row.facts) for row in rows]
    rules = {rule: RuleScore(rule) for rule in RULES}
    result = Score(messages=len(rows), rules=rules, cpu_us_per_message=0.0)
    for row, row_facts in zip(rows, facts):
        verdict = screen_fn(row.text, lang=row.lang, facts=row_facts)
        hit_rules = {hit.rule for hit in verdict.hits}
        for rule in RULES:
            if rule in row.labels:
                rules[rule].labelled += 1
                if rule in hit_rules:
                    rules[rule].true_positives += 1
                else:
                    result.misses.append((row, rule))
            elif rule in hit_rules:
                rules[rule].false_positives += 1
                evidence = next(hit.evidence for hit in verdict.hits if hit.rule == rule)
                result.false_alarms.append((row, rule, evidence))
        if row.legitimate and verdict.action == "hold":
            result.legit_held.append(row)
        elif row.legitimate and verdict.action == "flag":
            result.legit_flagged.append(row)
        if row.labels & HOLD_RULES and verdict.action != "hold":
            result.hold_rule_not_held.append(row)
    # The labelled pass above warmed caches and compiled patterns; only the repeats are timed.
    passes = []
    for _ in range(max(1, repeats)):
        started = time.process_time()
        for row, row_facts in zip(rows, facts):
            screen_fn(row.text, lang=row.lang, facts=row_facts)
        passes.append(time.process_time() - started)
    result.cpu_us_per_message = 1e6 * statistics.median(passes) / max(1, len(rows))
    return result


def _figure(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def print_table(result: Score, rows: Sequence[Row], source: str, repeats: int) -> None:
    legitimate = sum(1 for row in rows if row.legitimate)
    print(f"\nmoderation: {result.messages} labelled messages ({source}), CPU time median of {repeats} passes")
    print("| rule | labelled | caught | false alarms | precision | recall |\n|---|---|---|---|---|---|")
    for rule in RULES:
        figures = result.rules[rule]
        print(
            f"| {rule} | {figures.labelled} | {figures.true_positives} | {figures.false_positives} "
            f"| {_figure(figures.precision)} | {_figure(figures.recall)} |"
        )
    print("\n| screen | value |\n|---|---|")
    print(f"| legitimate messages held | {len(result.legit_held)} of {legitimate} |")
    print(f"| legitimate messages flagged | {len(result.legit_flagged)} of {legitimate} |")
    print(f"| payment / off-platform messages not held | {len(result.hold_rule_not_held)} |")
    print(f"| CPU time per message | {result.cpu_us_per_message:.1f} µs |")


def print_misses(result: Score) -> None:
    for row, rule in result.misses:
        print(f"miss  {rule:<20} line {row.line:>3} [{row.lang}] {row.note}: {row.text!r}")
    for row, rule, evidence in result.false_alarms:
        print(f"alarm {rule:<20} line {row.line:>3} [{row.lang}] {row.note}: {evidence!r} in {row.text!r}")


def report(path: Path | str = DEFAULT_SET, *, repeats: int = 5, misses: bool = False) -> None:
    """The bench's moderation scenario: one line if the screen does not exist yet, else the tables."""
    try:
        from domain.moderation.screen import screen
    except ImportError as error:
        print(f"\nmoderation: skipped, domain.moderation.screen is not importable yet ({error})")
        return
    for each in (path, HELD_OUT_SET) if Path(path) == DEFAULT_SET else (path,):
        rows = load_set(each)
        result = score(screen, rows, repeats=repeats)
        source = Path(each).resolve()
        print_table(result, rows, str(source.relative_to(ROOT) if source.is_relative_to(ROOT) else source), repeats)
        if misses:
            print_misses(result)


def main() -> None:
    parser = argparse.ArgumentParser(description="The moderation screen against the labelled message set.")
    parser.add_argument("--set", default=str(DEFAULT_SET), help="a JSON-lines labelled set")
    parser.add_argument("--repeats", type=int, default=5, help="timed passes over the set (median taken)")
    parser.add_argument("--misses", action="store_true", help="also list every miss and false alarm")
    args = parser.parse_args()
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    report(args.set, repeats=args.repeats, misses=args.misses)


if __name__ == "__main__":
    main()
