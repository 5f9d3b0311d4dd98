"""The cart: domains and years a visitor wants, priced from the partner's catalogue.

A cart carries no prices: only (domain, years) pairs and an optional promotion code. Prices are
looked up every time it is shown, so nothing a browser sends can change what is charged. The order
frame hands its cart to the storefront as a signed token (`sign_cart`/`open_cart`), because the
frame cannot share a cookie with the storefront when the browser blocks third-party cookies.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from storefront.domain_names import DomainQueryError, parse_query
from storefront.i18n import gettext as _
from storefront.i18n import ngettext
from storefront.numbers import refusal, whole_number
from storefront.services.errors import InvalidInput
from storefront.services.partner_catalogue import catalogue, to_unicode
from storefront.tenancy import Tenant

MAX_ITEMS = 20
MAX_PROMO = 40
CART_TOKEN_SECONDS = 24 * 3600
_SALT = "storefront-cart"

Item = tuple[str, int, str]  # (ASCII domain, years, "register" or "transfer")
OPERATIONS = ("register", "transfer")


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


@dataclass(frozen=True)
class CartView:
    lines: tuple[CartLine, ...]
    promo: str
    totals: tuple[tuple[str, int], ...]  # (currency, amount) — a cart may mix currencies

    @property
    def items(self) -> list[Item]:
        return [(line.domain, line.years, line.operation) for line in self.lines]


def check_item(partner: Tenant, domain: str, years: int | str | None,
               operation: str | None = None) -> Item:
    """A (domain, years, operation) the partner sells, or InvalidInput with a clear message."""
    operation = operation or "register"
    if operation not in OPERATIONS:
        raise InvalidInput(_("Choose to register or to transfer the domain."), "operation")
    offers = catalogue(partner).tlds
    try:
        parsed = parse_query(str(domain or ""), offers.keys(),
                             {name: row["idn_allowed"] for name, row in offers.items()})
    except DomainQueryError as error:
        raise InvalidInput(error.message, "domain") from None
    if parsed.tld is None:
        raise InvalidInput(_("Choose a domain with its extension, e.g. example.pl."), "domain")
    row = offers[parsed.tld]
    years = parse_years(years, row["min_years"], row["max_years"], parsed.domain_unicode or "")
    return parsed.domain or "", years, operation


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
    if len(code) > MAX_PROMO or not all(c.isalnum() or c in "-_" for c in code):
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


def view(partner: Tenant, items: Iterable[Item], promo: str = "") -> CartView:
    """The cart priced now. Items the partner no longer sells, or with years out of range, are
    dropped rather than shown with a wrong price."""
    offers = catalogue(partner).tlds
    lines: list[CartLine] = []
    totals: dict[str, int] = {}
    for domain, years, operation in list(items)[:MAX_ITEMS]:
        tld = domain.split(".", 1)[1] if "." in domain else ""
        row = offers.get(tld)
        if row is None or not row["min_years"] <= years <= row["max_years"]:
            continue
        first = row["transfer_minor"] if operation == "transfer" else row["register_minor"]
        price = first + row["renew_minor"] * (years - 1)
        lines.append(CartLine(domain, to_unicode(domain), operation, years, row["min_years"],
                              row["max_years"], price, row["currency"]))
        totals[row["currency"]] = totals.get(row["currency"], 0) + price
    return CartView(tuple(lines), promo, tuple(sorted(totals.items())))


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


def format_items(items: Iterable[Item]) -> str:
    return ",".join(
        f"{domain}:{years}" + (":transfer" if operation == "transfer" else "")
        for domain, years, operation in items
    )
