"""The platform admin's product catalogue: SSL certificates and hosting plans, each offered for
some of the terms 1, 12 and 24 months at a wholesale price per term.

A product's code ("ssl-dv", "hosting-start") names it in URLs and, later, in partners' offers and
files, so it is fixed when the product is created; the kind, name and description may change.
Like the other services these flush and never commit, and bad input raises InvalidInput naming
the form field (every bad field at once, through ProductInputError), leaving everything as it
was. A disabled product keeps its rows: it is only not offered.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from babel.numbers import is_currency
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from storefront.db import db
from storefront.models.catalog import PRODUCT_KINDS, PRODUCT_TERMS, Product, ProductTerm
from storefront.money import Money
from storefront.numbers import refusal, whole_number
from storefront.services.errors import InvalidInput

MAX_CODE_LENGTH = 40
MAX_NAME_LENGTH = 120
MAX_DESCRIPTION_LENGTH = 500
_CODE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@dataclass(frozen=True)
class ProductDetails:
    """What describes a product, as typed."""

    kind: str
    name: str
    description: str = ""


class ProductInputError(InvalidInput):
    """Several bad fields at once; `errors` pairs each field with its message."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__(errors[0][1], errors[0][0])
        self.errors = errors

    def field_errors(self) -> list[tuple[str | None, str]]:
        return list(self.errors)


def list_products() -> list[Product]:
    """Every product, disabled ones too: SSL certificates first, then hosting plans, by name."""
    products = db.session.scalars(select(Product).order_by(Product.kind.desc(), Product.name,
                                                           Product.code))
    return list(products)


def get_product(code: str) -> Product | None:
    if not _CODE.fullmatch(code or "") or len(code) > MAX_CODE_LENGTH:
        return None
    return db.session.scalar(select(Product).where(Product.code == code))


def create_product(code: str, details: ProductDetails) -> Product:
    """Add a product to the catalogue, enabled and with no terms yet."""
    errors: list[tuple[str, str]] = []
    checked_code = ""
    try:
        checked_code = _new_code(code)
    except InvalidInput as error:
        errors.append(("code", error.message))
    values: dict = {}
    try:
        values = _checked_details(details)
    except ProductInputError as error:
        errors.extend(error.errors)
    if errors:
        raise ProductInputError(errors)
    product = Product(code=checked_code, **values)
    db.session.add(product)
    try:
        db.session.flush()
    except IntegrityError:  # the same code added at the same moment by someone else
        raise ProductInputError([("code", "A product with that code already exists.")]) from None
    return product


def update_product(product: Product, details: ProductDetails) -> Product:
    """Change a product's kind, name and description (its code stays)."""
    for key, value in _checked_details(details).items():
        setattr(product, key, value)
    db.session.flush()
    return product


def save_product(product: Product, details: ProductDetails, prices: Mapping[str, str],
                 currency: str) -> Product:
    """The edit page: details and every term at once. `prices` maps typed months to typed prices;
    an empty price means the term is not offered. Every bad field is reported together."""
    errors: list[tuple[str, str]] = []
    values: dict = {}
    try:
        values = _checked_details(details)
    except ProductInputError as error:
        errors.extend(error.errors)
    terms: dict[int, Money | None] = {}
    try:
        currency = _currency(currency)
    except InvalidInput as error:
        errors.append(("currency", error.message))
        currency = ""
    for typed_months, typed_price in prices.items():
        field = f"price_{typed_months}"
        try:
            months = _months(typed_months, field)
            terms[months] = (None if not (typed_price or "").strip() else
                             _price(typed_price, currency or "PLN", field))
        except InvalidInput as error:
            errors.append((field, error.message))
    if errors:
        raise ProductInputError(errors)
    for key, value in values.items():
        setattr(product, key, value)
    for months, price in terms.items():
        if price is None:
            remove_term(product, months)
        else:
            _put_term(product, months, price)
    db.session.flush()
    return product


def set_term_price(product: Product, months: str | int, price: str, currency: str) -> ProductTerm:
    """Offer the product for `months` at a wholesale `price` (typed, e.g. "39.00")."""
    field = f"price_{months}"
    checked = _months(months, field)
    amount = _price(price, _currency(currency), field)
    term = _put_term(product, checked, amount)
    db.session.flush()
    return term


def remove_term(product: Product, months: str | int) -> None:
    """Stop offering the product for `months` (nothing happens if it was not offered)."""
    term = product.term(_months(months, f"price_{months}"))
    if term is not None:
        product.terms.remove(term)
        db.session.flush()


def set_enabled(product: Product, enabled: bool) -> Product:
    """Offer the product again, or stop offering it; its terms and prices stay."""
    product.enabled = bool(enabled)
    db.session.flush()
    return product


def _put_term(product: Product, months: int, price: Money) -> ProductTerm:
    term = product.term(months)
    if term is None:
        term = ProductTerm(months=months, wholesale_price=price.minor, currency=price.currency)
        product.terms.append(term)
    else:
        term.wholesale_price = price.minor
        term.currency = price.currency
    return term


def _new_code(code: str) -> str:
    code = (code or "").strip()
    if not code:
        raise InvalidInput("Enter a code, e.g. ssl-dv or hosting-start.", "code")
    if len(code) > MAX_CODE_LENGTH:
        raise InvalidInput(f"A code is at most {MAX_CODE_LENGTH} characters long.", "code")
    if not _CODE.fullmatch(code):
        raise InvalidInput("A code is lower-case letters a-z, digits 0-9 and single hyphens "
                           "between them, e.g. ssl-dv.", "code")
    if db.session.scalar(select(Product.id).where(Product.code == code)) is not None:
        raise InvalidInput(f"There already is a product “{code}”; edit it instead.", "code")
    return code


def _checked_details(details: ProductDetails) -> dict:
    errors: list[tuple[str, str]] = []
    kind = (details.kind or "").strip().lower()
    if kind not in PRODUCT_KINDS:
        errors.append(("kind", f"Choose a kind: {', '.join(PRODUCT_KINDS)}."))
    name = " ".join((details.name or "").split())
    if not name:
        errors.append(("name", "Enter the product's name, e.g. SSL DV."))
    elif len(name) > MAX_NAME_LENGTH:
        errors.append(("name", f"A name is at most {MAX_NAME_LENGTH} characters long."))
    description = (details.description or "").strip().replace("\r\n", "\n")
    if len(description) > MAX_DESCRIPTION_LENGTH:
        errors.append(("description",
                       f"A description is at most {MAX_DESCRIPTION_LENGTH} characters long."))
    if errors:
        raise ProductInputError(errors)
    return {"kind": kind, "name": name, "description": description}


def _months(typed: str | int, field: str) -> int:
    months = whole_number(typed, max_digits=2)
    if months not in PRODUCT_TERMS:
        usual = "A product is offered for 1, 12 or 24 months."
        raise InvalidInput(refusal(typed, usual), field)
    return months


def _currency(typed: str) -> str:
    currency = (typed or "").strip().upper()
    if not currency:
        raise InvalidInput("Enter a currency code, e.g. PLN.", "currency")
    if not (len(currency) == 3 and currency.isascii() and currency.isalpha()
            and is_currency(currency)):
        raise InvalidInput(f"“{currency[:20]}” is not a currency code (e.g. PLN, EUR).",
                           "currency")
    return currency


def _price(typed: str, currency: str, field: str) -> Money:
    return Money.parse(typed, currency, field)
