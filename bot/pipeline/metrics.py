"""Prometheus metrics of one bot process (prometheus-client): what the pipeline counts, and the backlogs.

The runner counts each update it finishes (by type and outcome, with its
handling time), the sender each call Telegram answered (by method and
result, 429s included). Backlogs and business waiting on people are read
from the database when scraped (``domain.services.operations_report``), so
every process of a deployment reports the same figures for them.

A registry of its own per pipeline, not prometheus-client's global one: two
pipelines in one process (tests) do not count into each other.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from bot.pipeline.internal import ENVELOPE
from domain.services.operations_report import OperationsReport

CONTENT_TYPE = CONTENT_TYPE_LATEST
# Update kinds Telegram sends (Update's optional fields); anything else is counted as "other".
_UPDATE_TYPES = (
    "message",
    "edited_message",
    "callback_query",
    "my_chat_member",
    "chat_member",
    "message_reaction",
    "business_message",
    "channel_post",
    "edited_channel_post",
    "inline_query",
    "chosen_inline_result",
    "chat_join_request",
    "pre_checkout_query",
    "shipping_query",
)


def update_type(payload: dict[str, Any]) -> str:
    """The kind of a stored update: Telegram's field name, or "internal" for the bot's own (a timer's)."""
    if ENVELOPE in payload:
        return "internal"
    return next((kind for kind in _UPDATE_TYPES if kind in payload), "other")


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self._updates = Counter(
            "aftersales_updates", "Updates finished, by type and outcome", ["type", "outcome"], registry=r
        )
        self._update_seconds = Histogram(
            "aftersales_update_seconds",
            "Time from an update's first try to its commit (or parking), by type",
            ["type"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=r,
        )
        self._sends = Counter(
            "aftersales_sends", "Bot API calls from the outbox, by method and result", ["method", "result"], registry=r
        )
        self._backlog = Gauge("aftersales_backlog", "Rows waiting, by queue", ["queue"], registry=r)
        self._parked = Gauge(
            "aftersales_parked", "Rows given up on until an operator acts, by queue", ["queue"], registry=r
        )
        self._open_tickets = Gauge("aftersales_open_tickets", "Open tickets by status", ["status"], registry=r)
        self._pending_offers = Gauge("aftersales_pending_offers", "Offers waiting for an answer", registry=r)
        self._holds = Gauge("aftersales_moderation_holds", "Seller messages held for a moderator", registry=r)

    def update_finished(self, payload: dict[str, Any], outcome: str, seconds: float) -> None:
        kind = update_type(payload)
        self._updates.labels(kind, outcome).inc()
        self._update_seconds.labels(kind).observe(seconds)

    def sent(self, method: str, result: str) -> None:
        self._sends.labels(method, result).inc()

    def report(self, report: OperationsReport) -> None:
        """The database's figures, as of this scrape."""
        for queue, waiting in (
            ("inbox", report.inbox_pending),
            ("outbox", report.outbox_unsent),
            ("deadlines_due", report.deadlines_due),
            ("webhooks", report.webhooks_pending),
        ):
            self._backlog.labels(queue).set(waiting)
        for queue, parked in (
            ("inbox", report.inbox_parked),
            ("outbox_failed", report.outbox_failed),
            ("deadlines", report.deadlines_parked),
            ("webhooks", report.webhooks_parked),
        ):
            self._parked.labels(queue).set(parked)
        for status, count in report.open_tickets.items():
            self._open_tickets.labels(status).set(count)
        self._pending_offers.set(report.pending_offers)
        self._holds.set(report.moderation_holds)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
