"""Money: an amount in a currency's minor units (grosze, cents), never a float.

A price is `Money(3499, "PLN")`: 34.99 zł. Amounts add up and compare only within one currency, so
a cart or a document can't mix zloty and euro by accident. A typed price ("34,99") becomes Money
through `Money.parse`; Money becomes text through `Money.format` in the page's or the document's
locale, the same way everywhere: "34,99 zł" in Polish, "PLN 34.99" in English.

VAT follows Polish invoices: on a document's net total per rate, rounded half up to the grosz
(`vat_summary`), not line by line and never with Python's banker's `round()`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from babel.numbers import format_currency, get_currency_precision, get_currency_symbol, is_currency

from storefront.numbers import decimal_number, refusal
from storefront.services.errors import InvalidInput

MAX_PRICE_MAJOR = Decimal(1_000_000)  # no price on the storefront is a million; larger is a typo
NBSP = "\u00a0"


@dataclass(frozen=True, slots=True)
class Money:
    """An amount of `minor` units (grosze for PLN, cents for EUR, yen for JPY) in `currency`."""

    minor: int
    currency: str

    def __post_init__(self) -> None:
        if type(self.minor) is not int:  # a bool is an int to Python, but never an amount
            raise TypeError(f"Money takes whole minor units, not {type(self.minor).__name__}: "
                            f"{self.minor!r}")
        if not (isinstance(self.currency, str) and len(self.currency) == 3
                and self.currency.isascii() and self.currency.isalpha()
                and self.currency.isupper() and is_currency(self.currency)):
            raise ValueError(f"{self.currency!r} is not a currency code such as PLN or EUR.")

    # -- making money ---------------------------------------------------------------------------

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    @classmethod
    def sum(cls, amounts: Iterable[Money], currency: str) -> Money:
        """The total of `amounts`, all in `currency` (zero when there are none)."""
        total = cls.zero(currency)
        for amount in amounts:
            total += amount
        return total

    @classmethod
    def parse(cls, text: str, currency: str, field: str = "price", *,
              allow_zero: bool = False) -> Money:
        """A price as a person types it ("39", "39.00", "39,99", "1 299.00") in `currency`.

        Only the digits 0-9, a decimal point or comma, and at most the currency's decimal places
        (two for PLN, none for JPY); never negative, zero only when `allow_zero`, under a million.
        Anything else raises InvalidInput naming `field`."""
        raw = str(text).strip().replace(NBSP, "").replace(" ", "")
        if "," in raw and "." not in raw:
            raw = raw.replace(",", ".")  # a decimal comma, as Polish users type it
        if not raw or len(raw) > 20:
            raise InvalidInput("Enter a price as a number, e.g. 39.00.", field)
        amount = decimal_number(raw)
        if amount is None:
            usual = f"“{str(text).strip()}” is not a price: enter a number, e.g. 39.00."
            raise InvalidInput(refusal(text, usual), field)
        if amount < 0:
            raise InvalidInput("A price can't be negative.", field)
        if amount == 0 and not allow_zero:
            raise InvalidInput("A price must be more than zero.", field)
        if amount > MAX_PRICE_MAJOR:
            raise InvalidInput("That price is too large.", field)
        precision = get_currency_precision(currency)
        minor = amount.scaleb(precision)
        if minor != minor.to_integral_value():
            places = ("no decimal places" if precision == 0
                      else f"at most {precision} decimal places")
            raise InvalidInput(f"A price in {currency} has {places}.", field)
        return cls(int(minor), currency)

    # -- arithmetic within one currency ---------------------------------------------------------

    def _same_currency(self, other: Money) -> None:
        if self.currency != other.currency:
            raise ValueError(f"Can't combine {self.currency} with {other.currency}: "
                             f"one amount, one currency.")

    def __add__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return Money(self.minor - other.minor, self.currency)

    def __mul__(self, times: object) -> Money:
        """A price times a whole number (years, quantity). Fractions (discounts, VAT) round, so
        they have methods of their own that say how."""
        if type(times) is not int:
            return NotImplemented
        return Money(self.minor * times, self.currency)

    __rmul__ = __mul__

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def _compare(self, other: object) -> int | None:
        if not isinstance(other, Money):
            return None
        self._same_currency(other)
        return (self.minor > other.minor) - (self.minor < other.minor)

    def __lt__(self, other: object) -> bool:
        order = self._compare(other)
        return NotImplemented if order is None else order < 0

    def __le__(self, other: object) -> bool:
        order = self._compare(other)
        return NotImplemented if order is None else order <= 0

    def __gt__(self, other: object) -> bool:
        order = self._compare(other)
        return NotImplemented if order is None else order > 0

    def __ge__(self, other: object) -> bool:
        order = self._compare(other)
        return NotImplemented if order is None else order >= 0

    # -- reading it -----------------------------------------------------------------------------

    @property
    def precision(self) -> int:
        """The currency's decimal places: 2 for PLN and EUR, 0 for JPY."""
        return get_currency_precision(self.currency)

    @property
    def amount(self) -> Decimal:
        """The amount in major units, exactly: Money(3499, "PLN").amount == Decimal("34.99")."""
        return Decimal(self.minor).scaleb(-self.precision)

    def plain(self) -> str:
        """The amount as a person types it back into a form: "34.99" (no symbol, no grouping)."""
        return f"{self.amount:.{self.precision}f}"

    def format(self, locale: str) -> str:
        """The amount as a person reads it in `locale`: "34,99 zł" in Polish, "PLN 34.99" in
        English, "€34.99", "¥3,499". Spaces babel puts in are non-breaking (U+00A0).

        Babel leaves out CLDR's currency spacing, so English would read "PLN34.99"; the space
        CLDR asks for between a letter code and a digit is added here."""
        return _formatted(self, locale)

    # -- VAT ------------------------------------------------------------------------------------

    def vat(self, rate: Decimal) -> Money:
        """The VAT on this net amount at `rate` percent (Decimal("23")), rounded half up to the
        minor unit: 0.5 grosz is a grosz. A negative amount (a correction) rounds the same way
        away from zero, so a credit note mirrors its invoice."""
        tax = (Decimal(self.minor) * _percent(rate) / 100).quantize(Decimal(1), ROUND_HALF_UP)
        return Money(int(tax), self.currency)

    def gross(self, rate: Decimal) -> Money:
        """This net amount with its VAT at `rate` percent."""
        return self + self.vat(rate)


@lru_cache(maxsize=8192)
def _formatted(money: Money, locale: str) -> str:
    """`Money.format`, kept: babel takes about 20 µs an amount, and a storefront's price table
    shows the same few dozen amounts on every page it renders."""
    text = format_currency(money.amount, money.currency, locale=locale)
    return _currency_spacing(text, get_currency_symbol(money.currency, locale=locale))


def _percent(rate: object) -> Decimal:
    if isinstance(rate, bool) or not isinstance(rate, Decimal | int):
        raise TypeError(f"A VAT rate is a Decimal percent such as Decimal('23'), not {rate!r}.")
    rate = Decimal(rate)
    if not rate.is_finite() or not 0 <= rate <= 100:
        raise ValueError(f"A VAT rate is a percent from 0 to 100, not {rate}.")
    return rate


def _currency_spacing(text: str, symbol: str) -> str:
    """CLDR's currency spacing: a symbol that ends (or starts) with a letter, next to a digit,
    gets a non-breaking space between them ("PLN34.99" → "PLN 34.99"; "€34.99" stays)."""
    at = text.find(symbol) if symbol else -1
    if at < 0:
        return text
    end = at + len(symbol)
    if end < len(text) and text[end].isdigit() and _letterlike(symbol[-1]):
        text = text[:end] + NBSP + text[end:]
    if at > 0 and text[at - 1].isdigit() and _letterlike(symbol[0]):
        text = text[:at] + NBSP + text[at:]
    return text


def _letterlike(char: str) -> bool:
    """Not a symbol (S*) and not a space (Z*): CLDR's [[:^S:]&[:^Z:]]."""
    return unicodedata.category(char)[0] not in "SZ"


# -- a document's VAT, per rate ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RateTotal:
    """One row of a document's VAT summary: every line at `rate`, added up, then taxed once."""

    rate: Decimal
    net: Money
    vat: Money
    gross: Money


@dataclass(frozen=True, slots=True)
class VatSummary:
    """A document's totals: a row per VAT rate (highest rate first) and the sums of the rows."""

    currency: str
    rates: tuple[RateTotal, ...]

    @property
    def net(self) -> Money:
        return Money.sum((row.net for row in self.rates), self.currency)

    @property
    def vat(self) -> Money:
        return Money.sum((row.vat for row in self.rates), self.currency)

    @property
    def gross(self) -> Money:
        return Money.sum((row.gross for row in self.rates), self.currency)


def vat_summary(lines: Iterable[tuple[Money, Decimal]], currency: str) -> VatSummary:
    """The VAT of a document's `lines` (net amount, rate percent), as a Polish invoice states it:
    the net amounts added up per rate, the VAT computed once on each rate's total and rounded half
    up, then gross. Taxing each line and adding the roundings could differ by a grosz or more.
    Every line must be in `currency`."""
    nets: dict[Decimal, Money] = {}
    for net, rate in lines:
        if net.currency != currency:
            raise ValueError(f"A document in {currency} can't have a line in {net.currency}.")
        key = _percent(rate)
        nets[key] = nets.get(key, Money.zero(currency)) + net
    rows = tuple(RateTotal(rate, net, net.vat(rate), net.gross(rate))
                 for rate, net in sorted(nets.items(), key=lambda item: item[0], reverse=True))
    return VatSummary(currency, rows)


def vat_summary_from_gross(lines: Iterable[tuple[Money, Decimal]], currency: str) -> VatSummary:
    """The VAT of a document whose `lines` are gross amounts (prices that include VAT, as a
    storefront shows them to consumers): the gross amounts added up per rate, the VAT in each
    rate's total computed once (gross × rate / (100 + rate), rounded half up), net the rest. The
    document's gross is then exactly what the subscriber was shown."""
    grosses: dict[Decimal, Money] = {}
    for gross, rate in lines:
        if gross.currency != currency:
            raise ValueError(f"A document in {currency} can't have a line in {gross.currency}.")
        key = _percent(rate)
        grosses[key] = grosses.get(key, Money.zero(currency)) + gross
    rows = []
    for rate, gross in sorted(grosses.items(), key=lambda item: item[0], reverse=True):
        vat = vat_in_gross(gross, rate)
        rows.append(RateTotal(rate, gross - vat, vat, gross))
    return VatSummary(currency, tuple(rows))


def vat_in_gross(gross: Money, rate: Decimal) -> Money:
    """The VAT included in a gross amount at `rate` percent, rounded half up (away from zero for
    a negative amount, as `Money.vat` does)."""
    percent = _percent(rate)
    tax = (Decimal(gross.minor) * percent / (100 + percent)).quantize(Decimal(1), ROUND_HALF_UP)
    return Money(int(tax), gross.currency)
