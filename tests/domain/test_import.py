"""Order import: whole files or nothing, and the first bad line named."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from domain.enums import OrderStatus
from domain.errors import OrderFileError
from domain.services.order_files import parse_csv, parse_json, read_order_file
from domain.services.orders import import_orders
from domain.services.stores import add_store

DATA = Path(__file__).resolve().parents[1] / "data"
HEADER = (
    "order_number,buyer_name,phone,email,currency,status,shipping_address,carrier,"
    "tracking_number,estimated_delivery,international,delivered_on,sku,title,quantity,unit_price\n"
)


@pytest.fixture
async def store_id(uow_factory, clock) -> int:
    async with uow_factory() as uow:
        store = await add_store(uow, clock, name="Berlin Gadgets", timezone="Europe/Berlin", country="DE")
        await uow.commit()
        return store.id


async def _import(uow_factory, clock, store_id, rows):
    async with uow_factory() as uow:
        result = await import_orders(uow, clock, store_id, rows)
        await uow.commit()
        return result


async def _numbers(uow_factory, store_id) -> list[str]:
    async with uow_factory() as uow:
        return [o.external_number for o in await uow.orders.for_store(store_id)]


async def test_good_csv_imports_orders_with_items_in_minor_units(uow_factory, clock, store_id) -> None:
    result = await _import(uow_factory, clock, store_id, read_order_file(DATA / "orders_good.csv"))
    assert (result.created, result.updated) == (3, 0)
    async with uow_factory() as uow:
        order = await uow.orders.by_number(store_id, "A-100")
        assert [(i.sku, i.quantity, i.unit_price_minor) for i in order.items] == [
            ("LAMP-1", 1, 3499),
            ("CBL-2", 2, 899),
        ]
        assert order.total_minor == 3499 + 2 * 899
        assert (order.phone, order.email, order.status) == ("+4915123456789", "anna@example.com", OrderStatus.CONFIRMED)
        delivered = await uow.orders.by_number(store_id, "A-102")
        assert (delivered.international, delivered.delivered_on) == (True, date(2026, 2, 27))
        shipped = await uow.orders.by_number(store_id, "A-101")
        assert (shipped.carrier, shipped.estimated_delivery) == ("DHL", date(2026, 3, 5))
        assert [
            o.external_number for o in await uow.orders.find_by_contact("A-100", phone=None, email="anna@example.com")
        ] == ["A-100"]


async def test_good_json_imports_decimal_prices_exactly(uow_factory, clock, store_id) -> None:
    await _import(uow_factory, clock, store_id, read_order_file(DATA / "orders_good.json"))
    async with uow_factory() as uow:
        order = await uow.orders.by_number(store_id, "J-300")
        assert [(i.sku, i.unit_price_minor) for i in order.items] == [("ROBE-M", 68800), ("SCARF", 2580)]
        assert order.status == OrderStatus.IN_TRANSIT and order.international
        yen = await uow.orders.by_number(store_id, "J-301")
        assert (yen.currency, yen.items[0].unit_price_minor) == ("JPY", 4500)  # JPY has no minor digits


@pytest.mark.parametrize(
    ("name", "line", "problem"),
    [
        ("orders_bad_quantity.csv", 4, "quantity must be positive"),
        ("orders_bad_status.json", 10, "status 'lost_in_space' is not one of"),
    ],
)
def test_bad_file_names_the_first_bad_line(name: str, line: int, problem: str) -> None:
    with pytest.raises(OrderFileError) as caught:
        read_order_file(DATA / name)
    assert caught.value.line == line
    assert str(caught.value).startswith(f"line {line}: {problem}")


def _csv_row(
    number="X-1",
    status="confirmed",
    quantity="1",
    price="9.99",
    currency="EUR",
    tracking="",
    delivered="",
    phone="+4915100000",
    email="x@example.com",
    eta="",
) -> str:
    return (
        f"{number},Anna,{phone},{email},{currency},{status},Berlin,,{tracking},{eta},no,{delivered},"
        f"SKU,Thing,{quantity},{price}\n"
    )


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        (_csv_row(status="teleported"), "status 'teleported' is not one of"),
        (_csv_row(currency="EURO"), "unknown currency 'EURO'"),
        (_csv_row(quantity="two"), "quantity 'two' is not a whole number"),
        (_csv_row(quantity="-1"), "quantity must be positive"),
        (_csv_row(price="0"), "unit_price must be positive"),
        (_csv_row(price="abc"), "unit_price 'abc' is not a number"),
        (_csv_row(price="9.999"), "unit_price 9.999 has more decimals than EUR allows"),
        (_csv_row(status="delivered"), "a delivered order needs delivered_on"),
        (_csv_row(status="delivered", delivered="2026-02-30"), "delivered_on '2026-02-30' is not a date"),
        (_csv_row(status="shipped"), "a shipped order needs tracking_number"),
        (_csv_row(delivered="2026-02-01"), "delivered_on is given but the status is confirmed"),
        (_csv_row(eta="soon"), "estimated_delivery 'soon' is not a date"),
        (_csv_row(email="not-an-email"), "e-mail 'not-an-email' is not an e-mail address"),
        (_csv_row(phone="12"), "phone '12' is not a phone number"),
        (_csv_row(number=""), "order_number is empty"),
        ("X-1,Anna\n", "2 values for 16 columns"),
    ],
)
def test_csv_row_checks(row: str, problem: str) -> None:
    good = _csv_row(number="OK-1")
    with pytest.raises(OrderFileError) as caught:
        parse_csv(HEADER + good + row)
    assert caught.value.line == 3
    assert caught.value.problem.startswith(problem), caught.value.problem


def test_csv_header_and_consistency_checks() -> None:
    with pytest.raises(OrderFileError, match=r"^line 1: missing column 'unit_price'"):
        parse_csv(HEADER.replace(",unit_price", "") + "X\n")
    with pytest.raises(OrderFileError, match=r"^line 1: unknown column 'colour'"):
        parse_csv(HEADER.strip() + ",colour\n")
    with pytest.raises(OrderFileError, match=r"^line 1: the file is empty"):
        parse_csv("")
    conflicting = _csv_row(number="X-1") + _csv_row(number="X-1", currency="USD")
    with pytest.raises(OrderFileError, match=r"^line 3: currency 'USD' differs from line 2 of order X-1"):
        parse_csv(HEADER + conflicting)


def test_csv_line_numbers_count_quoted_newlines() -> None:
    multiline = 'M-1,Anna,,,EUR,confirmed,"Torstraße 12\n10119 Berlin",,,,no,,SKU,Lamp,1,1.00\n'
    with pytest.raises(OrderFileError) as caught:
        parse_csv(HEADER + multiline + _csv_row(number="M-2", quantity="0"))
    assert caught.value.line == 4


def test_json_checks() -> None:
    with pytest.raises(OrderFileError, match=r"^line 3: malformed JSON"):
        parse_json('[\n{"order_number": "A"\n,,]')
    with pytest.raises(OrderFileError, match=r"^line 1: expected a JSON array"):
        parse_json('{"orders": []}')
    order = (
        '{"order_number": "%s", "buyer_name": "A", "currency": "EUR", "status": "confirmed", '
        '"shipping_address": "x", "items": [{"sku": "S", "title": "T", "quantity": 1, "unit_price": 1}]}'
    )
    with pytest.raises(OrderFileError, match=r"^line 3: order A appears twice \(first on line 2\)"):
        parse_json("[\n" + order % "A" + ",\n" + order % "A" + "\n]")
    with pytest.raises(OrderFileError, match=r"^line 2: items must be a non-empty array"):
        parse_json('[\n{"order_number": "B", "items": []}\n]')


async def test_bad_file_imports_nothing(uow_factory, clock, store_id) -> None:
    with pytest.raises(OrderFileError):
        read_order_file(DATA / "orders_bad_quantity.csv")
    assert await _numbers(uow_factory, store_id) == []


async def test_reimport_updates_orders(uow_factory, clock, store_id) -> None:
    await _import(uow_factory, clock, store_id, read_order_file(DATA / "orders_good.csv"))
    text = (
        (DATA / "orders_good.csv")
        .read_text()
        .replace(
            'A-100,Anna Schmidt,+49 151 2345 6789,Anna@Example.com,EUR,confirmed,"Torstraße 12, 10119 Berlin",,,,no,,',
            'A-100,Anna Schmidt,+49 151 2345 6789,Anna@Example.com,EUR,shipped,"Torstraße 12, 10119 Berlin",DHL,TRK9,,no,,',
        )
    )
    result = await _import(uow_factory, clock, store_id, parse_csv(text))
    assert (result.created, result.updated) == (0, 3)
    async with uow_factory() as uow:
        order = await uow.orders.by_number(store_id, "A-100")
        assert (order.status, order.tracking_number, len(order.items)) == (OrderStatus.SHIPPED, "TRK9", 2)
        events = await uow.audit.for_subject("order", order.id)
        assert [e.event_type for e in events] == ["order.imported", "order.status_changed"]


async def test_reimport_cannot_move_an_order_backwards_and_rolls_back_the_file(uow_factory, clock, store_id) -> None:
    await _import(uow_factory, clock, store_id, read_order_file(DATA / "orders_good.csv"))
    regress = (
        HEADER + _csv_row(number="NEW-1") + ("A-102,Li Wei,,,EUR,confirmed,Shanghai,,,,yes,,LAMP-1,Desk lamp,3,34.99\n")
    )
    with pytest.raises(OrderFileError, match=r"^line 3: order A-102 is delivered and cannot become confirmed"):
        await _import(uow_factory, clock, store_id, parse_csv(regress))
    assert sorted(await _numbers(uow_factory, store_id)) == ["A-100", "A-101", "A-102"]  # NEW-1 not kept
    async with uow_factory() as uow:
        assert (await uow.orders.by_number(store_id, "A-102")).status == OrderStatus.DELIVERED


def test_unknown_file_type_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "orders.xlsx"
    path.write_bytes(b"PK")
    with pytest.raises(OrderFileError, match="use .csv or .json"):
        read_order_file(path)
