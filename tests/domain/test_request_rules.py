"""The after-sales form's rules and the money rules, without a database (domain.services.request_rules, money)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from domain.enums import AttachmentPurpose, RejectReason, RequestType, Resolution
from domain.errors import InvalidInput
from domain.services.money import (
    check_partial_refund,
    currency_precision,
    suggested_refunds,
    to_major,
    to_minor,
)
from domain.services.request_rules import (
    ItemLine,
    check_delivery,
    check_description,
    check_draft,
    check_items,
    check_rejection,
    earliest_delivery,
    evidence_required,
    needs_seller_evidence,
    reject_reasons,
    resolutions_for,
    store_today,
)
from tests.domain.conftest import make_draft, photo

R = Resolution
LINES = [ItemLine(11, 2, 3499), ItemLine(12, 1, 1250)]
TODAY = date(2026, 3, 2)


def test_each_type_offers_the_resolutions_that_make_sense_for_it():
    assert resolutions_for(RequestType.DEFECTIVE) == (R.RESHIPMENT, R.EXCHANGE, R.RETURN_REFUND, R.REFUND_ONLY)
    assert resolutions_for(RequestType.DAMAGED) == (R.RESHIPMENT, R.EXCHANGE, R.RETURN_REFUND, R.REFUND_ONLY)
    assert resolutions_for("wrong_item") == (R.EXCHANGE, R.RETURN_REFUND, R.REFUND_ONLY)
    assert resolutions_for(RequestType.MISSING_ITEMS) == (R.RESHIPMENT, R.REFUND_ONLY)
    assert all(R.PARTIAL_REFUND not in resolutions_for(t) for t in RequestType)  # only ever the seller's offer
    with pytest.raises(InvalidInput):
        resolutions_for("lost_interest")


def test_photos_of_the_fault_are_required_except_for_missing_items():
    assert [t for t in RequestType if evidence_required(t)] == [
        RequestType.DEFECTIVE,
        RequestType.DAMAGED,
        RequestType.WRONG_ITEM,
    ]


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("broken", "description_too_short"),
        ("not working!!!", "description_too_short"),
        ("1234567890 123456789 ok", "description_too_short"),  # digits are no description
        ("坏了", "description_too_short"),
        ("It is broken and does not work at all, please help", "description_too_vague"),
        ("DEFECTIVE product, totally useless, not working", "description_too_vague"),
        ("坏了，不能用，有问题，质量差", "description_too_vague"),
        ("x" * 1001, "description_too_long"),
    ],
)
def test_a_short_or_vague_description_is_refused_with_its_reason(text, why):
    assert check_description(text).why == why


@pytest.mark.parametrize(
    "text",
    [
        "no light after pressing ON",
        "The left hinge snapped off when opening",
        "按下开关后灯不亮",
        "  cable frayed near plug  ",
    ],
)
def test_a_specific_description_passes(text):
    assert check_description(text).allowed


def test_the_delivery_date_may_be_today_not_tomorrow_nor_before_the_order():
    placed = date(2026, 2, 20)
    assert check_delivery(TODAY, False, today=TODAY, earliest=placed).allowed
    assert check_delivery(placed, False, today=TODAY, earliest=placed).allowed
    assert check_delivery(date(2026, 3, 3), False, today=TODAY).why == "delivery_date_in_future"
    assert check_delivery(date(2026, 2, 19), False, today=TODAY, earliest=placed).why == "delivery_date_before_order"
    assert check_delivery(None, False, today=TODAY).why == "delivery_date_missing"
    assert check_delivery(None, True, today=TODAY).allowed  # "parcel not delivered"
    with pytest.raises(InvalidInput):
        check_delivery(TODAY, True, today=TODAY)
    with pytest.raises(InvalidInput):
        check_delivery(datetime(2026, 3, 1, tzinfo=UTC), False, today=TODAY)


def test_today_is_the_store_s_local_date():
    late_evening_utc = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)  # already 3 March in Berlin, still 2 March in New York
    assert store_today(late_evening_utc, "Europe/Berlin") == date(2026, 3, 3)
    assert store_today(late_evening_utc, "America/New_York") == date(2026, 3, 2)
    assert check_delivery(date(2026, 3, 3), False, today=store_today(late_evening_utc, "Europe/Berlin")).allowed
    assert earliest_delivery(late_evening_utc, "Europe/Berlin") == date(2026, 3, 3)
    assert earliest_delivery(None, "Europe/Berlin") is None  # our import time is not when the order was placed


def test_affected_items_are_the_order_s_and_at_most_as_many_as_ordered():
    assert check_items(((11, 2), (12, 1)), LINES).allowed
    assert check_items((), LINES).why == "no_items"
    assert check_items(((99, 1),), LINES).why == "unknown_item"
    assert check_items(((11, 3),), LINES).why == "quantity_over_ordered"
    assert check_items(((11, 0),), LINES).why == "quantity_over_ordered"
    with pytest.raises(InvalidInput):
        check_items(((11, 1), (11, 1)), LINES)
    with pytest.raises(InvalidInput):
        check_items(((11, True),), LINES)


def test_a_complete_draft_passes_and_each_missing_answer_names_its_step():
    draft = make_draft(11)
    assert check_draft(draft, LINES, today=TODAY).allowed
    cases = {
        "no_items": replace(draft, items=()),
        "description_too_vague": replace(draft, description="broken, not working at all"),
        "delivery_date_in_future": replace(draft, delivered_on=date(2026, 3, 9)),
        "shipping_screenshot_missing": replace(draft, shipping_screenshot=None),
        "fault_evidence_missing": replace(draft, fault_files=()),
        "too_many_files": replace(draft, fault_files=tuple(photo(str(n)) for n in range(11))),
        "file_kind_not_allowed": replace(draft, fault_files=(photo("voice", "voice"),)),
        "barcode_missing": replace(draft, barcode=None),
        "resolution_not_offered": replace(draft, type=RequestType.MISSING_ITEMS, resolution=R.EXCHANGE),
    }
    for why, bad in cases.items():
        assert check_draft(bad, LINES, today=TODAY).why == why, why


def test_missing_items_need_no_fault_photos_and_not_delivered_needs_no_screenshot():
    draft = make_draft(
        11,
        type=RequestType.MISSING_ITEMS,
        fault_files=(),
        delivered_on=None,
        not_delivered=True,
        shipping_screenshot=None,
        barcode=None,
        no_barcode=True,
        description="The second lamp was not in the box",
    )
    assert check_draft(draft, LINES, today=TODAY).allowed
    with pytest.raises(InvalidInput):
        check_draft(replace(draft, barcode=photo("barcode")), LINES, today=TODAY)  # a barcode and "no barcode"


def test_the_draft_s_fields_decide_each_file_s_purpose():
    files = make_draft(11).evidence()
    assert [(f.file_id, f.purpose) for f in files] == [
        ("file-shipping", AttachmentPurpose.SHIPPING_STATUS),
        ("file-fault-1", AttachmentPurpose.FAULT_EVIDENCE),
        ("file-fault-2", AttachmentPurpose.FAULT_EVIDENCE),
        ("file-barcode", AttachmentPurpose.BARCODE),
    ]


def test_rejection_reasons_fit_the_type_and_the_barcode_answer():
    RR = RejectReason
    assert reject_reasons(RequestType.DEFECTIVE, barcode_given=True) == (
        RR.PHOTOS_DO_NOT_SHOW_FAULT,
        RR.BUYER_DAMAGE,
        RR.OUTSIDE_RETURN_WINDOW,
        RR.BARCODE_MISMATCH,
        RR.OTHER,
    )
    assert reject_reasons(RequestType.DAMAGED, barcode_given=False) == (
        RR.PHOTOS_DO_NOT_SHOW_FAULT,
        RR.BUYER_DAMAGE,
        RR.OUTSIDE_RETURN_WINDOW,
        RR.NO_BARCODE,
        RR.OTHER,
    )
    assert RR.BUYER_DAMAGE not in reject_reasons(RequestType.WRONG_ITEM, barcode_given=True)
    assert reject_reasons(RequestType.MISSING_ITEMS, barcode_given=False) == (
        RR.SHIPPED_COMPLETE,
        RR.OUTSIDE_RETURN_WINDOW,
        RR.OTHER,
    )
    assert {r for r in RR if needs_seller_evidence(r)} == {
        RR.BARCODE_MISMATCH,
        RR.SHIPPED_COMPLETE,
        RR.OUTSIDE_RETURN_WINDOW,
    }


def test_a_rejection_needs_a_fitting_reason_its_evidence_and_for_other_a_note():
    defective = RequestType.DEFECTIVE
    assert check_rejection(defective, True, "buyer_damage", None, ()).allowed
    assert check_rejection(defective, True, "no_barcode", None, ()).why == "reason_not_offered"
    assert check_rejection(defective, True, "barcode_mismatch", None, ()).why == "evidence_missing"
    assert check_rejection(defective, True, "barcode_mismatch", None, (photo("ours"),)).allowed
    assert check_rejection(defective, True, "other", "  ", ()).why == "note_missing"
    assert check_rejection(defective, True, "other", "Sold as seen, see listing", ()).allowed
    assert check_rejection(defective, True, "other", "x" * 1001, ()).why == "note_too_long"
    assert (
        check_rejection(defective, True, "outside_return_window", None, (photo("t", "voice"),)).why
        == "file_kind_not_allowed"
    )
    with pytest.raises(InvalidInput):
        check_rejection(defective, True, "no_reason", None, ())


def test_minor_units_follow_the_currency_s_precision():
    assert [currency_precision(c) for c in ("EUR", "jpy", "KWD", "CNY")] == [2, 0, 3, 2]
    assert to_minor(Decimal("12.50"), "EUR") == 1250
    assert to_minor(Decimal("1200"), "JPY") == 1200
    assert to_minor(Decimal("1.234"), "KWD") == 1234
    assert to_major(1250, "EUR") == Decimal("12.50") and str(to_major(5, "EUR")) == "0.05"
    assert to_major(1200, "JPY") == Decimal("1200")
    for amount, currency in ((Decimal("12.345"), "EUR"), (Decimal("10.5"), "JPY"), (Decimal("NaN"), "EUR")):
        with pytest.raises(InvalidInput):
            to_minor(amount, currency)
    with pytest.raises(InvalidInput):
        currency_precision("EURO")


def test_a_partial_refund_is_more_than_nothing_and_less_than_what_was_paid():
    assert check_partial_refund(1, 6998).allowed and check_partial_refund(6997, 6998).allowed
    assert check_partial_refund(0, 6998).why == "amount_not_positive"
    assert check_partial_refund(6999, 6998).why == "amount_over_cap"
    assert check_partial_refund(6998, 6998).why == "amount_is_full_refund"
    with pytest.raises(InvalidInput):
        check_partial_refund(12.5, 6998)


def test_suggested_refunds_are_the_store_s_percentages_of_the_affected_items():
    assert suggested_refunds(6998) == (1400, 3499, 5598)  # 20, 50, 80 %, rounded half up to a cent
    assert suggested_refunds(6998, [10, 50]) == (700, 3499)
    assert suggested_refunds(6998, [0, 100, 150, 50, 50]) == (3499,)  # nonsense settings left out
    assert suggested_refunds(1) == ()  # nothing between nothing and everything
    assert all(check_partial_refund(amount, 6998).allowed for amount in suggested_refunds(6998))
