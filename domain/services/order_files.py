"""Reading order import files (CSV or JSON) into validated rows, or the first bad line.

CSV: one row per item, header on line 1. Order fields repeat on every row of
an order (or are left blank after its first row):

    order_number,buyer_name,phone,email,currency,status,shipping_address,carrier,
    tracking_number,estimated_delivery,international,delivered_on,ship_by,sku,title,quantity,unit_price

`ship_by` (optional) is the date the store promised to ship by.

JSON: an array of orders, each with the same order fields and an "items"
array of {sku, title, quantity, unit_price}. Prices are decimal strings or
numbers in major units ("12.50"); they are read as Decimal, never float.
Errors name the line the bad row (CSV) or the bad order object (JSON) starts on.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from domain.enums import OrderStatus
from domain.errors import InvalidInput, OrderFileError
from domain.services.checks import check_currency, currency_exponent, normalise_email, normalise_phone

ORDER_FIELDS = (
    "order_number",
    "buyer_name",
    "phone",
    "email",
    "currency",
    "status",
    "shipping_address",
    "carrier",
    "tracking_number",
    "estimated_delivery",
    "international",
    "delivered_on",
    "ship_by",
)
ITEM_FIELDS = ("sku", "title", "quantity", "unit_price")
REQUIRED_ORDER_FIELDS = ("order_number", "buyer_name", "currency", "status", "shipping_address")
_TRUE = {"true", "yes", "1", "y"}
_FALSE = {"false", "no", "0", "n", ""}
_NEEDS_TRACKING = {OrderStatus.SHIPPED, OrderStatus.IN_TRANSIT}


@dataclass(frozen=True)
class ItemRow:
    sku: str
    title: str
    quantity: int
    unit_price_minor: int


@dataclass(frozen=True)
class OrderRow:
    line: int  # where the order starts in its file, for error messages during import
    number: str
    buyer_name: str
    phone: str | None
    email: str | None
    currency: str
    status: OrderStatus
    shipping_address: str
    carrier: str | None
    tracking_number: str | None
    estimated_delivery: date | None
    international: bool
    delivered_on: date | None
    items: tuple[ItemRow, ...]
    ship_by: date | None = None  # the promised ship date: the shipment-overdue timers run from it


def read_order_file(path: str | Path) -> list[OrderRow]:
    """Parse a .csv or .json file; OSError for an unreadable file, OrderFileError for bad content."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".json"):
        raise OrderFileError(1, f"unknown file type {suffix or '(none)'!r}: use .csv or .json")
    try:
        text = path.read_text(encoding="utf-8-sig")  # utf-8-sig: spreadsheets like to add a BOM
    except UnicodeDecodeError as error:
        raise OrderFileError(_line_of(path.read_bytes(), error.start), "not UTF-8 text") from None
    return parse_csv(text) if suffix == ".csv" else parse_json(text)


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


# CSV


def parse_csv(text: str) -> list[OrderRow]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise OrderFileError(1, "the file is empty") from None
    columns = [name.strip().lower() for name in header]
    known = set(ORDER_FIELDS) | set(ITEM_FIELDS)
    for name in columns:
        if name not in known:
            raise OrderFileError(1, f"unknown column {name!r}")
    for name in (*REQUIRED_ORDER_FIELDS, *ITEM_FIELDS):
        if name not in columns:
            raise OrderFileError(1, f"missing column {name!r}")
    orders: dict[str, tuple[int, dict[str, str], list[_RawItem]]] = {}
    line = reader.line_num + 1
    for record in _records(reader):
        start, line = line, reader.line_num + 1
        if not any(cell.strip() for cell in record):
            continue
        if len(record) != len(columns):
            raise OrderFileError(start, f"{len(record)} values for {len(columns)} columns")
        cells = {name: value.strip() for name, value in zip(columns, record)}
        number = cells["order_number"]
        if not number:
            raise OrderFileError(start, "order_number is empty")
        item = _item(start, cells)
        if number not in orders:
            orders[number] = (start, cells, [item])
            continue
        first_line, first, items = orders[number]
        for name in ORDER_FIELDS:
            if cells.get(name) and cells[name] != first.get(name, ""):
                raise OrderFileError(start, f"{name} {cells[name]!r} differs from line {first_line} of order {number}")
        items.append(item)
    if not orders:
        raise OrderFileError(1, "no orders in the file")
    return [_order(start, fields, items) for start, fields, items in orders.values()]


def _records(reader: Any) -> Iterator[list[str]]:
    try:
        yield from reader
    except csv.Error as error:
        raise OrderFileError(reader.line_num, f"malformed CSV: {error}") from None


# JSON


def parse_json(text: str) -> list[OrderRow]:
    try:
        document = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as error:
        raise OrderFileError(error.lineno, f"malformed JSON: {error.msg}") from None
    if not isinstance(document, list):
        raise OrderFileError(1, "expected a JSON array of orders")
    if not document:
        raise OrderFileError(1, "no orders in the file")
    rows: list[OrderRow] = []
    seen: dict[str, int] = {}
    for start, value in zip(_element_lines(text), document):
        if not isinstance(value, dict):
            raise OrderFileError(start, "expected an order object")
        unknown = sorted(set(value) - set(ORDER_FIELDS) - {"items"})
        if unknown:
            raise OrderFileError(start, f"unknown field {unknown[0]!r}")
        fields = {name: _json_text(start, name, value.get(name)) for name in ORDER_FIELDS}
        items = value.get("items")
        if not isinstance(items, list) or not items:
            raise OrderFileError(start, "items must be a non-empty array")
        parsed_items = []
        for item in items:
            if not isinstance(item, dict):
                raise OrderFileError(start, "every item must be an object")
            unknown = sorted(set(item) - set(ITEM_FIELDS))
            if unknown:
                raise OrderFileError(start, f"unknown item field {unknown[0]!r}")
            parsed_items.append(_item(start, {name: _json_text(start, name, item.get(name)) for name in ITEM_FIELDS}))
        number = fields["order_number"]
        if number in seen:
            raise OrderFileError(start, f"order {number} appears twice (first on line {seen[number]})")
        seen[number] = start
        rows.append(_order(start, fields, parsed_items))
    return rows


def _element_lines(text: str) -> Iterator[int]:
    """The line each top-level array element starts on (json.loads does not say)."""
    decoder = json.JSONDecoder(parse_float=Decimal)
    position = text.index("[") + 1
    while True:
        while position < len(text) and text[position] in " \t\r\n,":
            position += 1
        if position >= len(text) or text[position] == "]":
            return
        yield text.count("\n", 0, position) + 1
        _, position = decoder.raw_decode(text, position)


def _json_text(line: int, name: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, Decimal)):
        return str(value).strip()
    raise OrderFileError(line, f"{name} must be text or a number")


# Shared validation


@dataclass(frozen=True)
class _RawItem:
    line: int
    sku: str
    title: str
    quantity: int
    unit_price: Decimal  # major units; scaled once the order's currency is known


def _item(line: int, cells: Mapping[str, str]) -> _RawItem:
    for name in ITEM_FIELDS:
        if not cells.get(name):
            raise OrderFileError(line, f"{name} is empty")
    try:
        quantity = int(cells["quantity"])
    except ValueError:
        raise OrderFileError(line, f"quantity {cells['quantity']!r} is not a whole number") from None
    if quantity <= 0:
        raise OrderFileError(line, f"quantity must be positive, got {quantity}")
    try:
        price = Decimal(cells["unit_price"])
    except InvalidOperation:
        raise OrderFileError(line, f"unit_price {cells['unit_price']!r} is not a number") from None
    if not price.is_finite() or price <= 0:
        raise OrderFileError(line, f"unit_price must be positive, got {cells['unit_price']}")
    return _RawItem(line, cells["sku"], cells["title"], quantity, price)


def _minor_units(item: _RawItem, currency: str) -> ItemRow:
    minor = item.unit_price.scaleb(currency_exponent(currency))
    if minor != minor.to_integral_value():
        raise OrderFileError(item.line, f"unit_price {item.unit_price} has more decimals than {currency} allows")
    return ItemRow(item.sku, item.title, item.quantity, int(minor))


def _order(line: int, fields: Mapping[str, str], items: list[_RawItem]) -> OrderRow:
    for name in REQUIRED_ORDER_FIELDS:
        if not fields.get(name):
            raise OrderFileError(line, f"{name} is empty")
    number = fields["order_number"]
    if len(number) > 64:
        raise OrderFileError(line, "order_number has more than 64 characters")
    try:
        currency = check_currency(fields["currency"])
        phone = normalise_phone(fields["phone"]) if fields.get("phone") else None
        email = normalise_email(fields["email"]) if fields.get("email") else None
    except InvalidInput as error:
        raise OrderFileError(line, str(error)) from None
    try:
        status = OrderStatus(fields["status"].lower().replace(" ", "_").replace("-", "_"))
    except ValueError:
        allowed = ", ".join(status.value for status in OrderStatus)
        raise OrderFileError(line, f"status {fields['status']!r} is not one of {allowed}") from None
    delivered_on = _date(line, "delivered_on", fields.get("delivered_on"))
    if status == OrderStatus.DELIVERED and delivered_on is None:
        raise OrderFileError(line, "a delivered order needs delivered_on")
    if status != OrderStatus.DELIVERED and delivered_on is not None:
        raise OrderFileError(line, f"delivered_on is given but the status is {status.value}")
    if status in _NEEDS_TRACKING and not fields.get("tracking_number"):
        raise OrderFileError(line, f"a {status.value} order needs tracking_number")
    international = fields.get("international", "").lower()
    if international not in _TRUE | _FALSE:
        raise OrderFileError(line, f"international {fields['international']!r} is not true or false")
    return OrderRow(
        line=line,
        number=number,
        buyer_name=fields["buyer_name"],
        phone=phone,
        email=email,
        currency=currency,
        status=status,
        shipping_address=fields["shipping_address"],
        carrier=fields.get("carrier") or None,
        tracking_number=fields.get("tracking_number") or None,
        estimated_delivery=_date(line, "estimated_delivery", fields.get("estimated_delivery")),
        international=international in _TRUE,
        delivered_on=delivered_on,
        items=tuple(_minor_units(item, currency) for item in items),
        ship_by=_date(line, "ship_by", fields.get("ship_by")),
    )


def _date(line: int, name: str, value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise OrderFileError(line, f"{name} {value!r} is not a date like 2026-03-31") from None
