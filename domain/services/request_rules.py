"""The rules of an after-sales request, as pure functions (docs/business-rules.md#after-sales-requests).

No database here: the bot asks these while the buyer fills in the form (to
re-ask one step with the reason), and `submit_request` and the seller's
decisions apply the very same ones again, never trusting what the bot sent.
A refusal is a `Verdict` with a stable `why` the bot words; a value no form
could produce (a bool where a date goes) is `InvalidInput`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from domain.calendar import load_zone
from domain.clock import to_utc
from domain.enums import (
    EVIDENCE_REQUIRED_TYPES,
    AttachmentKind,
    AttachmentPurpose,
    RejectReason,
    RequestType,
    Resolution,
)
from domain.errors import InvalidInput
from domain.results import IncomingFile, Verdict

OK = Verdict(True)

# What the buyer may ask for, per type, in the order the form offers them. A wrong item is
# exchanged (or returned) rather than reshipped: the wrong one has to go back first. Missing items
# are sent (reshipment) or refunded; there is nothing to return or exchange.
RESOLUTIONS_BY_TYPE: Mapping[RequestType, tuple[Resolution, ...]] = {
    RequestType.DEFECTIVE: (
        Resolution.RESHIPMENT,
        Resolution.EXCHANGE,
        Resolution.RETURN_REFUND,
        Resolution.REFUND_ONLY,
    ),
    RequestType.DAMAGED: (Resolution.RESHIPMENT, Resolution.EXCHANGE, Resolution.RETURN_REFUND, Resolution.REFUND_ONLY),
    RequestType.WRONG_ITEM: (Resolution.EXCHANGE, Resolution.RETURN_REFUND, Resolution.REFUND_ONLY),
    RequestType.MISSING_ITEMS: (Resolution.RESHIPMENT, Resolution.REFUND_ONLY),
}
# Resolutions that pay the affected items' value back (the refund the marketplace makes).
REFUNDING = frozenset({Resolution.REFUND_ONLY, Resolution.RETURN_REFUND})

MAX_DESCRIPTION = 1000  # with the rest of the request it still fits one Telegram message (4096)
MIN_DESCRIPTION_LETTERS = 15
# A CJK character says about as much as a short word: 5 of them ("按开关不亮灯") count as 15 letters.
CJK_LETTER_WEIGHT = 3
MAX_FAULT_FILES = 10  # one Telegram album under the seller's card
MAX_SELLER_FILES = 10
MAX_NOTE = 1000
FAULT_KINDS = frozenset({AttachmentKind.PHOTO, AttachmentKind.VIDEO})
# A screenshot or a barcode photo may come as a photo or, uncompressed, as a file.
PICTURE_KINDS = frozenset({AttachmentKind.PHOTO, AttachmentKind.DOCUMENT})
SELLER_EVIDENCE_KINDS = frozenset({AttachmentKind.PHOTO, AttachmentKind.VIDEO, AttachmentKind.DOCUMENT})

# Words that name a problem without describing it; a description made only of these is too vague.
_VAGUE_WORDS = frozenset(
    """
    a an the it its it's this that these those is are was were be been am i my me we our you your
    and or but so just very really totally completely all at any anymore of to in for with on
    do does did didn't didnt has have had can could will would anything something nothing
    item items product products thing things stuff order parcel package
    broken broke break breaks not no don't doesn't dont doesnt isn't isnt won't wont can't cant cannot
    work works working worked function functions functioning
    bad poor cheap terrible awful useless junk rubbish garbage quality
    defective faulty damaged damage wrong missing problem problems issue issues error
    please help fix refund return replace replacement want need now arrived came received got
    """.split()
)
_VAGUE_CJK = (
    "坏了",
    "坏掉",
    "坏的",
    "损坏",
    "不能用",
    "不好用",
    "不工作",
    "没用",
    "有问题",
    "问题",
    "质量差",
    "质量不好",
    "不行",
    "坏",
    "差",
    "错",
    "缺",
    "请",
    "帮忙",
    "退款",
    "退货",
    "换货",
    "了",
    "的",
    "是",
    "很",
    "非常",
    "太",
    "都",
    "这个",
    "东西",
)
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


def resolutions_for(request_type: RequestType | str) -> tuple[Resolution, ...]:
    return RESOLUTIONS_BY_TYPE[_type(request_type)]


def evidence_required(request_type: RequestType | str) -> bool:
    """At least one photo or video of the fault (defective, damaged, wrong item)."""
    return _type(request_type) in EVIDENCE_REQUIRED_TYPES


def _is_cjk(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def _letter_weight(text: str) -> int:
    return sum(CJK_LETTER_WEIGHT if _is_cjk(char) else 1 for char in text if char.isalpha())


def check_description(text: str) -> Verdict:
    """Specific enough for a seller to act on: "no light after pressing ON", not "broken".

    Why codes: description_too_short (fewer than 15 letters, digits and signs not counted),
    description_too_vague (only words like "broken", "not working"), description_too_long.
    """
    if not isinstance(text, str):
        raise InvalidInput("a description is text")
    text = text.strip()
    if len(text) > MAX_DESCRIPTION:
        return Verdict(False, "description_too_long")
    if _letter_weight(text) < MIN_DESCRIPTION_LETTERS:
        return Verdict(False, "description_too_short")
    meaningful = [word for word in _WORD.findall(text.lower()) if not all(_is_cjk(c) for c in word)]
    meaningful = [word.replace("’", "'") for word in meaningful]
    cjk = "".join(char for char in text if _is_cjk(char) and char.isalpha())
    for phrase in _VAGUE_CJK:
        cjk = cjk.replace(phrase, "")
    if all(word in _VAGUE_WORDS for word in meaningful) and len(cjk) < 2:
        return Verdict(False, "description_too_vague")
    return OK


def store_today(now: datetime, timezone: str) -> date:
    """The date it is now in the store's time zone: what "today" means on the form."""
    return to_utc(now, "now").astimezone(load_zone(timezone)).date()


def earliest_delivery(placed_at: datetime | None, timezone: str) -> date | None:
    """The first day a parcel could have been delivered: the day the order was placed (store's zone).

    Only the marketplace's `placed_at` says that; our own `created_at` is when
    the order was imported, which may be long after it was delivered.
    """
    return None if placed_at is None else store_today(placed_at, timezone)


def check_delivery(
    delivered_on: date | None, not_delivered: bool, *, today: date, earliest: date | None = None
) -> Verdict:
    """A delivery date not in the future and not before the order, or "parcel not delivered".

    Why codes: delivery_date_missing, delivery_date_in_future, delivery_date_before_order.
    """
    if not isinstance(not_delivered, bool):
        raise InvalidInput("not_delivered is True or False")
    if delivered_on is not None and (isinstance(delivered_on, datetime) or not isinstance(delivered_on, date)):
        raise InvalidInput("a delivery date is a date")
    if not_delivered:
        if delivered_on is not None:
            raise InvalidInput("a parcel that was not delivered has no delivery date")
        return OK
    if delivered_on is None:
        return Verdict(False, "delivery_date_missing")
    if delivered_on > today:
        return Verdict(False, "delivery_date_in_future")
    if earliest is not None and delivered_on < earliest:
        return Verdict(False, "delivery_date_before_order")
    return OK


def check_files(
    files: Sequence[IncomingFile], kinds: frozenset[AttachmentKind], *, at_most: int, at_least: int = 0
) -> Verdict:
    """Why codes: evidence_missing, too_many_files, file_kind_not_allowed."""
    if any(not isinstance(file, IncomingFile) for file in files):
        raise InvalidInput("files are IncomingFile values")
    if len(files) < at_least:
        return Verdict(False, "evidence_missing")
    if len(files) > at_most:
        return Verdict(False, "too_many_files")
    if any(AttachmentKind(file.kind) not in kinds for file in files):
        return Verdict(False, "file_kind_not_allowed")
    return OK


def with_purpose(files: Iterable[IncomingFile], purpose: AttachmentPurpose) -> tuple[IncomingFile, ...]:
    """The files as evidence of `purpose`: the step of the form they came in says why they were sent."""
    return tuple(IncomingFile(file.kind, file.file_id, file.file_unique_id, file.caption, purpose) for file in files)


@dataclass(frozen=True)
class ItemLine:
    """An order item as the rules need it: its id, how many were ordered, at what unit price."""

    order_item_id: int
    quantity: int
    unit_price_minor: int


def check_items(chosen: Sequence[tuple[int, int]], order_items: Sequence[ItemLine]) -> Verdict:
    """Which of the order's items, and how many of each (1 to the quantity ordered).

    Why codes: no_items, unknown_item (not in this order: a button from an older card),
    quantity_over_ordered.
    """
    seen: set[int] = set()
    for pair in chosen:
        if not (isinstance(pair, tuple) and len(pair) == 2 and all(_is_int(value) for value in pair)):
            raise InvalidInput("an affected item is (order item id, quantity)")
        if pair[0] in seen:
            raise InvalidInput(f"order item {pair[0]} is named twice")
        seen.add(pair[0])
    if not chosen:
        return Verdict(False, "no_items")
    by_id = {line.order_item_id: line for line in order_items}
    for item_id, quantity in chosen:
        line = by_id.get(item_id)
        if line is None:
            return Verdict(False, "unknown_item")
        if not 1 <= quantity <= line.quantity:
            return Verdict(False, "quantity_over_ordered")
    return OK


def affected_amount(chosen: Sequence[tuple[int, int]], order_items: Sequence[ItemLine]) -> int:
    """What the buyer paid for the affected items, in minor units: the cap of any refund."""
    prices = {line.order_item_id: line.unit_price_minor for line in order_items}
    return sum(prices[item_id] * quantity for item_id, quantity in chosen)


def check_resolution(request_type: RequestType | str, resolution: Resolution | str) -> Verdict:
    """Why code: resolution_not_offered (not one of `resolutions_for(type)`)."""
    try:
        wanted = Resolution(resolution)
    except ValueError:
        raise InvalidInput(f"unknown resolution {resolution!r}") from None
    return OK if wanted in resolutions_for(request_type) else Verdict(False, "resolution_not_offered")


@dataclass(frozen=True)
class RequestDraft:
    """Everything the buyer answered on the form, as `submit_request` takes it.

    `items`: (order item id, quantity) pairs. Either `delivered_on` or
    `not_delivered`; either a `barcode` photo or `no_barcode`. Files carry
    their `AttachmentPurpose`; the field they are in decides it (a fault
    photo is fault evidence whatever the bot set).
    """

    type: RequestType
    items: tuple[tuple[int, int], ...]
    description: str
    resolution: Resolution
    delivered_on: date | None = None
    not_delivered: bool = False
    shipping_screenshot: IncomingFile | None = None
    fault_files: tuple[IncomingFile, ...] = ()
    barcode: IncomingFile | None = None
    no_barcode: bool = False

    def evidence(self) -> tuple[IncomingFile, ...]:
        """Every file of the draft with its purpose: the shipping status, the fault, the barcode."""
        files = with_purpose(
            [self.shipping_screenshot] if self.shipping_screenshot else [], AttachmentPurpose.SHIPPING_STATUS
        )
        files += with_purpose(self.fault_files, AttachmentPurpose.FAULT_EVIDENCE)
        files += with_purpose([self.barcode] if self.barcode else [], AttachmentPurpose.BARCODE)
        return files


def check_barcode(barcode: IncomingFile | None, no_barcode: bool) -> Verdict:
    """A barcode photo, or the buyer's "no barcode" (after the warning). Why code: barcode_missing."""
    if barcode is not None and no_barcode:
        raise InvalidInput("a barcode photo and 'no barcode' at once")
    if barcode is None:
        return OK if no_barcode is True else Verdict(False, "barcode_missing")
    return check_files([barcode], PICTURE_KINDS, at_most=1)


def check_draft(
    draft: RequestDraft, order_items: Sequence[ItemLine], *, today: date, earliest: date | None = None
) -> Verdict:
    """Every rule of the form in its order; the first that fails names the step to ask again.

    Why codes: those of check_items, check_description, check_delivery; shipping_screenshot_missing
    (a delivered parcel needs one); fault_evidence_missing (defective, damaged, wrong item);
    too_many_files, file_kind_not_allowed; barcode_missing; resolution_not_offered.
    """
    if not isinstance(draft, RequestDraft):
        raise InvalidInput("a request is a RequestDraft")
    _type(draft.type)
    for verdict in (
        check_items(draft.items, order_items),
        check_description(draft.description),
        check_delivery(draft.delivered_on, draft.not_delivered, today=today, earliest=earliest),
    ):
        if not verdict.allowed:
            return verdict
    if draft.shipping_screenshot is None:
        if not draft.not_delivered:
            return Verdict(False, "shipping_screenshot_missing")
    else:
        verdict = check_files([draft.shipping_screenshot], PICTURE_KINDS, at_most=1)
        if not verdict.allowed:
            return verdict
    verdict = check_files(
        draft.fault_files, FAULT_KINDS, at_most=MAX_FAULT_FILES, at_least=1 if evidence_required(draft.type) else 0
    )
    if not verdict.allowed:
        return Verdict(False, "fault_evidence_missing") if verdict.why == "evidence_missing" else verdict
    for verdict in (check_barcode(draft.barcode, draft.no_barcode), check_resolution(draft.type, draft.resolution)):
        if not verdict.allowed:
            return verdict
    return OK


# Rejections ----------------------------------------------------------------------------------------

_REJECT_BY_TYPE: Mapping[RequestType, tuple[RejectReason, ...]] = {
    RequestType.DEFECTIVE: (
        RejectReason.PHOTOS_DO_NOT_SHOW_FAULT,
        RejectReason.BUYER_DAMAGE,
        RejectReason.OUTSIDE_RETURN_WINDOW,
        RejectReason.BARCODE_MISMATCH,
        RejectReason.NO_BARCODE,
        RejectReason.OTHER,
    ),
    RequestType.DAMAGED: (
        RejectReason.PHOTOS_DO_NOT_SHOW_FAULT,
        RejectReason.BUYER_DAMAGE,
        RejectReason.OUTSIDE_RETURN_WINDOW,
        RejectReason.BARCODE_MISMATCH,
        RejectReason.NO_BARCODE,
        RejectReason.OTHER,
    ),
    # A buyer cannot have damaged an item into being the wrong one.
    RequestType.WRONG_ITEM: (
        RejectReason.PHOTOS_DO_NOT_SHOW_FAULT,
        RejectReason.OUTSIDE_RETURN_WINDOW,
        RejectReason.BARCODE_MISMATCH,
        RejectReason.NO_BARCODE,
        RejectReason.OTHER,
    ),
    # Nothing to photograph or scan of what did not come; the seller shows what left the warehouse.
    RequestType.MISSING_ITEMS: (
        RejectReason.SHIPPED_COMPLETE,
        RejectReason.OUTSIDE_RETURN_WINDOW,
        RejectReason.OTHER,
    ),
}
# Reasons the buyer cannot check without the seller's proof: the barcode that was shipped, the
# packing photo or weight record, the tracking record with the delivery date.
EVIDENCE_NEEDED = frozenset(
    {RejectReason.BARCODE_MISMATCH, RejectReason.SHIPPED_COMPLETE, RejectReason.OUTSIDE_RETURN_WINDOW}
)
# "Other" tells the buyer nothing by itself.
NOTE_NEEDED = frozenset({RejectReason.OTHER})


def reject_reasons(request_type: RequestType | str, *, barcode_given: bool) -> tuple[RejectReason, ...]:
    """The reasons the seller may pick for this request, in the order of the list shown.

    A barcode that "does not match" needs one given; "no barcode" only when the buyer gave none
    (they were warned it may be rejected for that).
    """
    unfit = RejectReason.NO_BARCODE if barcode_given else RejectReason.BARCODE_MISMATCH
    return tuple(reason for reason in _REJECT_BY_TYPE[_type(request_type)] if reason != unfit)


def needs_seller_evidence(reason: RejectReason | str) -> bool:
    return _reject_reason(reason) in EVIDENCE_NEEDED


def check_rejection(
    request_type: RequestType | str,
    barcode_given: bool,
    reason: RejectReason | str,
    note: str | None,
    evidence: Sequence[IncomingFile],
) -> Verdict:
    """Why codes: reason_not_offered, note_missing, note_too_long, evidence_missing, too_many_files,
    file_kind_not_allowed."""
    reason = _reject_reason(reason)
    if reason not in reject_reasons(request_type, barcode_given=barcode_given):
        return Verdict(False, "reason_not_offered")
    if note is not None and not isinstance(note, str):
        raise InvalidInput("a note is text")
    note = (note or "").strip()
    if reason in NOTE_NEEDED and not note:
        return Verdict(False, "note_missing")
    if len(note) > MAX_NOTE:
        return Verdict(False, "note_too_long")
    return check_files(
        evidence, SELLER_EVIDENCE_KINDS, at_most=MAX_SELLER_FILES, at_least=1 if reason in EVIDENCE_NEEDED else 0
    )


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _type(request_type: RequestType | str) -> RequestType:
    try:
        return RequestType(request_type)
    except ValueError:
        raise InvalidInput(f"unknown request type {request_type!r}") from None


def _reject_reason(reason: RejectReason | str) -> RejectReason:
    try:
        return RejectReason(reason)
    except ValueError:
        raise InvalidInput(f"unknown rejection reason {reason!r}") from None
