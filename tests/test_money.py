"""Money: amounts in minor units with their currency, typed prices, the same format everywhere and
VAT per rate on a document's totals, rounded half up."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cms_pages.models import Page
from storefront.db import db
from storefront.money import Money, vat_summary
from storefront.services import catalog
from storefront.services.errors import InvalidInput

PLN = "PLN"
NB = "\u00a0"


def zl(text: str) -> Money:
    return Money.parse(text, PLN)


# -- a value in one currency -------------------------------------------------------------------


def test_amounts_add_subtract_and_multiply_within_a_currency():
    assert Money(3499, PLN) + Money(1, PLN) == Money(3500, PLN)
    assert Money(3499, PLN) - Money(3500, PLN) == Money(-1, PLN)
    assert Money(3499, PLN) * 3 == 3 * Money(3499, PLN) == Money(10497, PLN)
    assert -Money(100, PLN) == Money(-100, PLN)
    assert Money.sum([Money(100, PLN), Money(250, PLN)], PLN) == Money(350, PLN)
    assert Money.sum([], "EUR") == Money.zero("EUR") == Money(0, "EUR")
    assert Money(100, PLN) < Money(101, PLN) <= Money(101, PLN) and Money(5, PLN) > Money(4, PLN)
    assert Money(0, PLN) != Money(0, "EUR")  # equal numbers, different money


def test_mixed_currencies_are_refused():
    with pytest.raises(ValueError, match="PLN with EUR"):
        Money(100, PLN) + Money(100, "EUR")
    with pytest.raises(ValueError):
        Money(100, PLN) - Money(100, "EUR")
    with pytest.raises(ValueError):
        Money(100, PLN) < Money(100, "EUR")  # noqa: B015 - the comparison itself must raise
    with pytest.raises(ValueError):
        Money.sum([Money(100, PLN), Money(100, "EUR")], PLN)
    with pytest.raises(ValueError):
        Money.sum([Money(100, "EUR")], PLN)


@pytest.mark.parametrize("minor", [34.99, 3499.0, True, False, Decimal("3499"), "3499", None])
def test_floats_bools_and_text_are_not_money(minor):
    with pytest.raises(TypeError):
        Money(minor, PLN)


@pytest.mark.parametrize("times", [1.5, True, Decimal("2"), "2"])
def test_a_price_is_multiplied_only_by_a_whole_number(times):
    with pytest.raises(TypeError):
        Money(100, PLN) * times


def test_bare_numbers_do_not_mix_with_money():
    with pytest.raises(TypeError):
        Money(100, PLN) + 1
    with pytest.raises(TypeError):
        sum([Money(100, PLN)])  # starts from the int 0: use Money.sum with a currency
    with pytest.raises(TypeError):
        Money(100, PLN) < 200  # noqa: B015


@pytest.mark.parametrize("currency", ["pln", "PL", "PLNN", "XYZ", "", "ZŁ", "１２３", None])
def test_a_currency_is_an_iso_code_babel_knows(currency):
    with pytest.raises(ValueError):
        Money(100, currency)


def test_money_is_immutable():
    price = Money(100, PLN)
    with pytest.raises(AttributeError):
        price.minor = 1  # type: ignore[misc]


# -- typed prices ------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "currency", "minor"), [
    ("34.99", PLN, 3499), ("34,99", PLN, 3499), (" 1 299.00 ", PLN, 129900),
    ("1\u00a0299,5", PLN, 129950), ("39", PLN, 3900), ("3499", "JPY", 3499),
    ("1000000", PLN, 100_000_000),
])
def test_typed_prices(text, currency, minor):
    assert Money.parse(text, currency) == Money(minor, currency)
    assert catalog.parse_price(text, currency) == minor  # the catalogue's columns: minor units


@pytest.mark.parametrize(("text", "currency", "says"), [
    ("٦٩", PLN, "Type numbers with the digits 0-9"),
    ("１０", PLN, "Type numbers with the digits 0-9"),
    ("1e309", PLN, "“1e309” is not a price"),
    ("-1", PLN, "A price can't be negative."),
    ("1.234", PLN, "A price in PLN has at most 2 decimal places."),
    ("100.5", "JPY", "A price in JPY has no decimal places."),
    ("", PLN, "Enter a price as a number"),
    ("   ", PLN, "Enter a price as a number"),
    ("\x00", PLN, "is not a price"),
    ("1\x002", PLN, "is not a price"),
    ("0", PLN, "A price must be more than zero."),
    ("1000000.01", PLN, "That price is too large."),
    ("NaN", PLN, "is not a price"),
    ("Infinity", PLN, "is not a price"),
    ("1,234.5.6", PLN, "is not a price"),
])
def test_bad_typed_prices_are_refused_with_the_field_named(text, currency, says):
    with pytest.raises(InvalidInput) as caught:
        Money.parse(text, currency, "renew")
    assert says in caught.value.message and caught.value.field == "renew"


def test_zero_only_where_allowed():
    assert Money.parse("0,00", PLN, allow_zero=True) == Money.zero(PLN)


# -- one format everywhere ---------------------------------------------------------------------


@pytest.mark.parametrize(("money", "polish", "english"), [
    (Money(3499, PLN), f"34,99{NB}zł", f"PLN{NB}34.99"),
    (Money(123456789, PLN), f"1{NB}234{NB}567,89{NB}zł", f"PLN{NB}1,234,567.89"),
    (Money(-3499, PLN), f"-34,99{NB}zł", f"-PLN{NB}34.99"),
    (Money(0, PLN), f"0,00{NB}zł", f"PLN{NB}0.00"),
    (Money(3499, "EUR"), f"34,99{NB}€", "€34.99"),
    (Money(3499, "JPY"), f"3{NB}499{NB}JPY", "¥3,499"),  # no minor unit: 3499 is ¥3,499
    (Money(349900, "HUF"), f"3{NB}499,00{NB}HUF", f"HUF{NB}3,499.00"),  # babel: 2 places
])
def test_amounts_read_the_same_in_each_locale(money, polish, english):
    assert money.format("pl") == polish
    assert money.format("en") == english
    assert catalog.format_price(money.minor, money.currency, "pl") == polish


def test_a_price_goes_back_into_a_form_as_typed():
    assert Money(3900, PLN).plain() == "39.00" and Money(5, PLN).plain() == "0.05"
    assert Money(3499, "JPY").plain() == "3499"
    assert Money.parse(Money(129950, PLN).plain(), PLN) == Money(129950, PLN)
    assert Money(3499, PLN).amount == Decimal("34.99")


# -- VAT -----------------------------------------------------------------------------------------

RATE = Decimal("23")


def test_vat_rounds_half_up_to_the_grosz_not_to_even():
    # 1.50 zł × 23% = 0.345 zł: half a grosz rounds up to 0.35 (banker's rounding would say 0.34).
    assert Money(150, PLN).vat(RATE) == Money(35, PLN)
    assert round(Decimal(150) * RATE / 100) == 34  # what Python's round() would have said
    assert Money(150, PLN).gross(RATE) == Money(185, PLN)
    # 0.50 zł × 23% = 0.115 → 0.12; 0.49 zł × 23% = 0.1127 → 0.11
    assert Money(50, PLN).vat(RATE) == Money(12, PLN)
    assert Money(49, PLN).vat(RATE) == Money(11, PLN)
    assert Money(3499, PLN).vat(Decimal("8")) == Money(280, PLN)  # 2.7992
    assert Money(3499, PLN).vat(Decimal("0")) == Money.zero(PLN)
    assert Money(3499, PLN).vat(Decimal("5.5")) == Money(192, PLN)  # 1.92445


def test_a_correction_rounds_as_its_invoice():
    assert Money(-150, PLN).vat(RATE) == -Money(150, PLN).vat(RATE) == Money(-35, PLN)


@pytest.mark.parametrize("rate", [0.23, 23.0, True, "23"])
def test_a_vat_rate_is_a_decimal_percent(rate):
    with pytest.raises(TypeError):
        Money(100, PLN).vat(rate)


@pytest.mark.parametrize("rate", [Decimal("-1"), Decimal("101"), Decimal("NaN"), Decimal("Inf")])
def test_a_vat_rate_is_between_0_and_100(rate):
    with pytest.raises(ValueError):
        Money(100, PLN).vat(rate)


def test_vat_is_computed_on_each_rates_total_not_per_line():
    # Three lines of 10.02 zł at 23%: each line's VAT is 2.3046 → 2.30, 6.90 added up; the
    # document's 30.06 zł at 23% is 6.9138 → 6.91. The invoice says 6.91.
    lines = [(zl("10.02"), RATE)] * 3 + [(zl("0.50"), Decimal("8")), (zl("0.50"), Decimal("8.0"))]
    per_line = Money.sum((net.vat(RATE) for net, _ in lines[:3]), PLN)
    assert per_line == zl("6.90")
    summary = vat_summary(lines, PLN)
    assert [(row.rate, row.net, row.vat, row.gross) for row in summary.rates] == [
        (RATE, zl("30.06"), zl("6.91"), zl("36.97")),
        # 0.50 zł at 8% is 0.04 a line (0.08 both); the 1.00 zł total is 0.08 too; 8 == 8.0
        (Decimal("8"), zl("1.00"), zl("0.08"), zl("1.08")),
    ]
    assert (summary.net, summary.vat, summary.gross) == (zl("31.06"), zl("6.99"), zl("38.05"))
    assert summary.net + summary.vat == summary.gross


def test_a_document_has_one_currency():
    with pytest.raises(ValueError, match="can't have a line in EUR"):
        vat_summary([(Money(100, PLN), RATE), (Money(100, "EUR"), RATE)], PLN)
    empty = vat_summary([], "EUR")
    assert empty.rates == () and empty.gross == Money.zero("EUR")


# -- on the pages --------------------------------------------------------------------------------


@pytest.fixture
def acme_sells_pl(two_partners):
    catalog.import_demo_catalogue()
    acme = two_partners["acme"]
    catalog.set_retail_prices(acme, "pl", register="34.99", renew="70", transfer="60")
    db.session.add(Page(partner_id=acme.id, slug="prices", title="Prices", published=True,
                        body="[[tld-prices]]"))
    db.session.add(Page(partner_id=two_partners["globex"].id, slug="prices", title="Prices",
                        published=True, body="[[tld-prices]]"))
    db.session.commit()
    return acme


def test_the_storefront_price_table_and_a_polish_frame_show_the_same_price(acme_sells_pl,
                                                                            host_client):
    acme = host_client("acme.localhost")
    table = acme.get("/prices").get_data(as_text=True)
    assert f"PLN{NB}34.99" in table and f"PLN{NB}70.00" in table
    polish = acme.get("/frames/pricing?locale=pl").get_data(as_text=True)
    assert f"34,99{NB}zł" in polish and f"70,00{NB}zł" in polish and "PLN" not in polish
    english = acme.get("/frames/pricing").get_data(as_text=True)
    assert f"PLN{NB}34.99" in english and "zł" not in english
    # A partner that sells nothing yet shows sample prices, in the same format.
    sample = host_client("globex.localhost").get("/prices").get_data(as_text=True)
    assert "Sample prices" in sample and f"PLN{NB}59.00" in sample and "59.00 PLN" not in sample
