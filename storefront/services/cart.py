"""The cart: domains and years a visitor wants, priced from the partner's catalogue.

A cart carries no prices: only (domain, years) pairs and an optional promotion code. Prices are
looked up every time it is shown, so nothing a browser sends can change what is charged. The order
frame hands its cart to the storefront as a signed token (`sign_cart`/`open_cart`), because the
frame cannot share a cookie with the storefront when the browser blocks third-party cookies.

The cart and the order frame check what they are given the same way (`check`): each item as
`check_item` checks one, then every registration asked of the registry in one call, so a taken
name is never offered at the registration price. A premium name is never sold at the catalogue's
price either: it carries the registry's quoted price (`Quotes`, kept beside the items and handed to
`view`) or, when the registry quoted none, it is refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

import flask_babel
from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from billing import discounts, pricing
from storefront.domain_names import DomainQueryError, parse_domain
from storefront.i18n import gettext as _
from storefront.i18n import ngettext
from storefront.numbers import refusal, whole_number
from storefront.registrars import Availability, AvailabilityState, check_availability
from storefront.services.domain_search import DEFAULT_TIMEOUT
from storefront.services.errors import InvalidInput
from storefront.services.partner_catalogue import catalogue, to_unicode
from storefront.tenancy import Tenant

MAX_ITEMS = 20
MAX_PROMO = 40
CART_TOKEN_SECONDS = 24 * 3600
_SALT = "storefront-cart"

Item = tuple[str, int, str]  # (ASCII domain, years, "register" or "transfer")
OPERATIONS = ("register", "transfer")
Quote = tuple[int, str]  # a registry's premium price for one year: (minor units, currency)
Quotes = dict[str, Quote]  # by ASCII domain


@dataclass(frozen=True)
class CartLine:
    domain: str
    domain_unicode: str
    operation: str
    years: int
    min_years: int
    max_years: int
    price_minor: int  # the whole line: the first year's register or transfer, then renewals
    currency: str
    premium: bool = False  # priced at the registry's premium quote
    regular_minor: int = 0  # the line without a promotion (struck through when higher)
    discount_minor: int = 0  # what the discount code takes off it

    @property
    def promoted(self) -> bool:
        return self.regular_minor > self.price_minor

    @property
    def to_pay_minor(self) -> int:
        return self.price_minor - self.discount_minor


@dataclass(frozen=True)
class CartView:
    lines: tuple[CartLine, ...]
    promo: str
    totals: tuple[tuple[str, int], ...]  # (currency, amount) — a cart may mix currencies
    discount: discounts.Discount | None = None  # what the promo code gives, or why not

    @property
    def items(self) -> list[Item]:
        return [(line.domain, line.years, line.operation) for line in self.lines]


@dataclass(frozen=True)
class Checked:
    """What `check` found: the items that may be ordered, why each other one may not, and the
    registry's price for each premium name among them."""

    items: list[Item]
    refused: list[InvalidInput]
    quotes: Quotes


class PremiumUnpriced(InvalidInput):
    """A premium name whose registry quoted no price: only the partner can offer it."""

    def __init__(self, domain: str) -> None:
        self.domain = domain
        super().__init__(_("%(domain)s is a premium name; its price is set by the registry: "
                           "contact us to order it.", domain=to_unicode(domain)), "domain")


class NameTaken(InvalidInput):
    """A registration of a name the registry says is taken: it can only be transferred."""

    def __init__(self, domain: str) -> None:
        self.domain = domain
        self.domain_unicode = to_unicode(domain)
        super().__init__(_("%(domain)s is already registered. If it is yours, transfer it instead.",
                           domain=self.domain_unicode), "domain")


def check_item(partner: Tenant, domain: str, years: int | str | None,
               operation: str | None = None) -> Item:
    """A (domain, years, operation) the partner sells, or InvalidInput with a clear message.
    The registry is not asked: `check` does that for a whole cart at once."""
    operation = operation or "register"
    if operation not in OPERATIONS:
        raise InvalidInput(_("Choose to register or to transfer the domain."), "operation")
    offers = catalogue(partner).tlds
    try:
        parsed = parse_domain(str(domain or ""), offers.keys(),
                              {name: row["idn_allowed"] for name, row in offers.items()})
    except DomainQueryError as error:
        raise InvalidInput(error.message, "domain") from None
    assert parsed.tld is not None  # parse_domain refuses a name without one
    row = offers[parsed.tld]
    years = parse_years(years, row["min_years"], row["max_years"], parsed.domain_unicode or "")
    return parsed.domain or "", years, operation


def check(partner: Tenant, items: Iterable[tuple[str, int | str | None, str | None]],
          timeout: float | None = None) -> Checked:
    """The items that may be ordered, why each other one may not, and the premium prices.

    Every item is checked as `check_item` checks one; then the registry is asked about every
    registration in one call: a taken name is refused as `NameTaken` (the caller offers the
    transfer), and one the registry did not answer for is refused too, never priced unchecked.
    A premium name keeps the price the registry quoted for it, or is refused as `PremiumUnpriced`.
    """
    checked: list[Item] = []
    refused: list[InvalidInput] = []
    for domain, years, operation in list(items)[:MAX_ITEMS]:
        try:
            checked.append(check_item(partner, domain, years, operation))
        except InvalidInput as error:  # named, as several items may be refused at once
            refused.append(InvalidInput(f"{str(domain)[:100]}: {error.message}", error.field))
    answers = _ask_registry(partner, [item[0] for item in checked if item[2] == "register"],
                            timeout)
    kept: list[Item] = []
    quotes: Quotes = {}
    for item in checked:
        answer = answers.get(item[0])
        if answer is not None and answer.state is AvailabilityState.TAKEN:
            refused.append(NameTaken(item[0]))
        elif answer is not None and not answer.can_register:
            refused.append(InvalidInput(_(
                "We couldn't check whether %(domain)s is free. Please try again in a moment.",
                domain=to_unicode(item[0])), "domain"))
        elif answer is not None and answer.state is AvailabilityState.PREMIUM:
            if answer.price_minor is None or answer.price_minor <= 0:
                refused.append(PremiumUnpriced(item[0]))
            else:
                quotes[item[0]] = (answer.price_minor,
                                   answer.currency or catalogue(partner).tlds[
                                       item[0].split(".", 1)[1]]["currency"])
                kept.append(item)
        else:
            kept.append(item)
    return Checked(kept, refused, quotes)


def _ask_registry(partner: Tenant, domains: list[str],
                  timeout: float | None) -> dict[str, Availability]:
    if not domains:
        return {}
    offers = catalogue(partner).tlds
    by_backend: dict[str, list[str]] = {}
    for domain in domains:
        by_backend.setdefault(offers[domain.split(".", 1)[1]]["backend"], []).append(domain)
    if timeout is None:
        timeout = float(current_app.config.get("AVAILABILITY_TIMEOUT", DEFAULT_TIMEOUT))
    return check_availability(by_backend, timeout)


def parse_years(value: int | str | None, low: int = 1, high: int = 10, domain: str = "") -> int:
    if value is None or value == "":
        return low
    text = str(value).strip()
    years = whole_number(text, max_digits=2)
    if years is None:
        raise InvalidInput(refusal(text, _("“%(text)s” is not a number of years.",
                                           text=text[:20])), "years")
    if not low <= years <= high:
        if "." in domain:
            message = _(".%(tld)s can be registered for %(low)d to %(high)d years.",
                        tld=domain.split(".", 1)[1], low=low, high=high)
        else:
            message = _("This domain can be registered for %(low)d to %(high)d years.",
                        low=low, high=high)
        raise InvalidInput(message, "years")
    return years


def check_promo(code: str | None) -> str:
    code = (code or "").strip()
    if len(code) > MAX_PROMO or not all(c.isascii() and (c.isalnum() or c in "-_") for c in code):
        raise InvalidInput(_("That promotion code is not valid."), "promo")
    return code.upper()


def add(items: Iterable[Item], item: Item) -> list[Item]:
    """The cart with `item` in it (its years replaced when the domain is there already)."""
    result = [existing for existing in items if existing[0] != item[0]]
    if len(result) >= MAX_ITEMS:
        raise InvalidInput(ngettext("A cart holds at most %(num)d domain.",
                                    "A cart holds at most %(num)d domains.", MAX_ITEMS), "domain")
    return [*result, item]


def remove(items: Iterable[Item], domain: str) -> list[Item]:
    return [item for item in items if item[0] != domain]


def view(partner: Tenant, items: Iterable[Item], promo: str = "",
         quotes: Quotes | None = None, subscriber: Any | None = None) -> CartView:
    """The cart priced now. Items the partner no longer sells, or with years out of range, are
    dropped rather than shown with a wrong price. A registration with a premium quote costs the
    registry's price for every year (premium names renew at a premium too). Other lines cost
    the subscriber's price group's prices with today's promotions (`billing.pricing`); the
    promotion code's discount (`billing.discounts`) comes off the lines it applies to."""
    quotes = quotes or {}
    offers = catalogue(partner).tlds
    group = pricing.group_of(partner, subscriber)
    lines: list[CartLine] = []
    for domain, years, operation in list(items)[:MAX_ITEMS]:
        tld = domain.split(".", 1)[1] if "." in domain else ""
        row = offers.get(tld)
        if row is None or not row["min_years"] <= years <= row["max_years"]:
            continue
        quote = quotes.get(domain) if operation == "register" else None
        if quote is not None:
            price, currency = quote[0] * years, quote[1]
            regular = price
        else:
            prices = pricing.year_prices(partner, row, group)
            price, currency = prices.line(operation, years), row["currency"]
            regular = prices.regular_line(operation, years)
        lines.append(CartLine(domain, to_unicode(domain), operation, years, row["min_years"],
                              row["max_years"], price, currency, quote is not None, regular))
    discount = None
    if promo and lines:
        discount = discounts.evaluate(
            partner, promo, [discounts.PricedLine(line.domain, line.price_minor, line.currency)
                             for line in lines],
            subscriber=subscriber, locale=str(flask_babel.get_locale() or "en"))
        if discount.applies:
            lines = [replace(line, discount_minor=off)
                     for line, off in zip(lines, discount.off, strict=True)]
    totals: dict[str, int] = {}
    for line in lines:
        totals[line.currency] = totals.get(line.currency, 0) + line.to_pay_minor
    return CartView(tuple(lines), promo, tuple(sorted(totals.items())), discount)


# -- the hand-off from the order frame -----------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def sign_cart(partner: Tenant, items: Iterable[Item], promo: str = "") -> str:
    return _serializer().dumps({"p": partner.id, "i": [list(item) for item in items], "c": promo})


def open_cart(partner: Tenant, token: str) -> tuple[list[Item], str] | None:
    """The items and promo code of a cart token signed for this partner, or None."""
    try:
        data = _serializer().loads(token, max_age=CART_TOKEN_SECONDS)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("p") != partner.id:
        return None
    items = [
        (str(item[0]), int(item[1]), str(item[2]))
        for item in data.get("i", [])[:MAX_ITEMS]
        if isinstance(item, list) and len(item) == 3 and isinstance(item[1], int)
        and item[2] in OPERATIONS
    ]
    return items, str(data.get("c", ""))[:MAX_PROMO]


def parse_items(text: str | None) -> list[Item]:
    """Items from the order frame's URL, `example.pl:2,shop.com:1:transfer`; malformed ones are
    skipped (the frame built the text itself, so they only come from a hand-edited URL)."""
    items: list[Item] = []
    for text_item in (text or "").split(",")[:MAX_ITEMS]:
        domain, _, rest = text_item.strip().partition(":")
        years_text, _, operation = rest.partition(":")
        operation = operation or "register"
        years = whole_number(years_text, max_digits=2)
        if domain and years is not None and operation in OPERATIONS:
            items.append((domain.lower(), years, operation))
    return items


def parse_quotes(data: object, items: Iterable[Item]) -> Quotes:
    """The premium quotes kept in this session for `items` (anything else in `data` is dropped).
    The session is signed by the server, so a browser cannot change a quote kept there."""
    wanted = {item[0] for item in items}
    quotes: Quotes = {}
    if isinstance(data, dict):
        for domain, quote in data.items():
            if (domain in wanted and isinstance(quote, list | tuple) and len(quote) == 2
                    and isinstance(quote[0], int) and isinstance(quote[1], str)):
                quotes[domain] = (quote[0], quote[1])
    return quotes


def format_items(items: Iterable[Item]) -> str:
    return ",".join(
        f"{domain}:{years}" + (":transfer" if operation == "transfer" else "")
        for domain, years, operation in items
    )
