"""Pieces of the seller side that need no Telegram: topic titles and the store-name header."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from bot.relay.long_texts import utf16_len, with_header
from bot.relay.topics import MAX_TOPIC_NAME, topic_link
from bot.rendering import Renderer, zone_name


def test_the_agents_formatting_moves_under_the_header_in_utf16_units():
    headed = with_header("🏪 Shop", "see *this*", [{"type": "bold", "offset": 4, "length": 6}])
    text, entities = headed.text, headed.entities
    assert text == "🏪 Shop\nsee *this*"
    assert entities[0] == {"type": "bold", "offset": 0, "length": utf16_len("🏪 Shop")}
    # "🏪" is two UTF-16 units: the agent's entity moves by 2 + " Shop\n" = 8.
    assert entities[1] == {"type": "bold", "offset": 12, "length": 6}
    assert text.encode("utf-16-le")[2 * 12 : 2 * 18].decode("utf-16-le") == "*this*"


def test_topic_titles_show_status_number_reason_and_deadline_in_both_languages():
    renderer = Renderer()
    due = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    values = dict(status="waiting_seller", number=7, reason="change_address", due=due)
    assert renderer.render("seller/topic_title.txt", "en", **values) == "🟡 #7 Change address · ⏰ 23 Nov 12:00 UTC"
    assert renderer.render("seller/topic_title.txt", "zh", **values) == "🟡 #7 更改地址 · ⏰ 11月23日 12:00 UTC"
    closed = renderer.render("seller/topic_title.txt", "en", status="closed", number=7, reason="after_sales", due=None)
    assert closed == "✅ #7 Problem report"


def test_a_deadline_in_the_stores_time_says_its_zone():
    due = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    assert zone_name(due.astimezone(ZoneInfo("Europe/Berlin"))) == "CET"
    assert zone_name(due.astimezone(ZoneInfo("Asia/Bangkok"))) == "UTC+7"  # tz data has no letters for it: "+07"
    assert zone_name(due.astimezone(ZoneInfo("Asia/Kathmandu"))) == "UTC+5:45"
    assert zone_name(due.astimezone(ZoneInfo("America/Sao_Paulo"))) == "UTC-3"
    assert zone_name(due) == "UTC"
    berlin = Renderer().render(
        "seller/topic_title.txt",
        "en",
        status="waiting_seller",
        number=7,
        reason="change_address",
        due=due.astimezone(ZoneInfo("Europe/Berlin")),
    )
    assert berlin.endswith("⏰ 23 Nov 13:00 CET")


def test_every_title_fits_telegrams_limit():
    renderer = Renderer()
    due = datetime(2026, 12, 31, 23, 59, tzinfo=UTC)
    for lang in ("en", "zh"):
        for reason in ("remove_product", "change_size_colour", "contact_seller", "return_refund"):
            title = renderer.render(
                "seller/topic_title.txt", lang, status="waiting_buyer", number=99999, reason=reason, due=due
            )
            assert len(title) <= MAX_TOPIC_NAME


def test_the_queue_says_what_each_ticket_waits_for():
    renderer = Renderer()
    item = SimpleNamespace(
        ticket_id=30,
        overdue=True,
        priority=10,
        number=3,
        reason="after_sales",
        order_number="W-1",
        waiting_for="seller_first_response",
        due_at=datetime(2026, 11, 23, 9, 30, tzinfo=UTC),
    )
    text = renderer.render(
        "seller/queue.html", "en", store_name="A & B", items=[item], links={30: "https://t.me/c/5/9"}
    )
    assert "A &amp; B" in text
    assert "🔴 first answer overdue" in text  # the legend says what the marks mean
    line = '🔴 <a href="https://t.me/c/5/9">#3</a> Problem report · W-1 — waits for a first answer (was due 23 Nov 09:30 UTC)'
    assert line in text
    assert "No open tickets" in renderer.render("seller/queue.html", "en", store_name="S", items=[], links={})


def test_a_topic_link_opens_the_topic_of_a_supergroup_only():
    assert topic_link(-1001234567890, 42) == "https://t.me/c/1234567890/42"
    assert topic_link(-4321, 42) is None  # a basic group has no t.me/c links
