"""The platform admin's side of the TLD catalogue: finding, adding and editing single TLDs.

Bulk changes go through `catalog.import_catalogue`; these functions are for one extension at a
time, from the admin pages. Like the other services they flush and never commit, and bad input
raises InvalidInput naming the form field, leaving the TLD as it was.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from babel.numbers import is_currency
from flask import current_app
from sqlalchemy import Select, func, or_, select
from sqlalchemy.exc import IntegrityError

from storefront import registrars
from storefront.db import db
from storefront.models.catalog import OPERATIONS, TLD_KINDS, PartnerTld, Tld
from storefront.numbers import refusal, whole_number
from storefront.services.catalog import MAX_YEARS, normalise_tld, parse_price
from storefront.services.errors import InvalidInput

MAX_NAME_LENGTH = 63  # the column's width; "nieruchomosci.pl" and punycode names fit easily


@dataclass(frozen=True)
class TldTerms:
    """What the admin may change on an existing TLD, as typed: prices and years are text."""

    register: str
    renew: str
    transfer: str
    min_years: str
    max_years: str
    idn_allowed: bool
    backend: str
    enabled: bool = True


class TldInputError(InvalidInput):
    """Several bad fields at once; `errors` pairs each field with its message."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__(errors[0][1], errors[0][0])
        self.errors = errors

    def field_errors(self) -> list[tuple[str | None, str]]:
        return list(self.errors)


def configured_backends() -> list[str]:
    """The registrar backend names this installation configures (REGISTRAR_BACKENDS)."""
    return list(current_app.config.get("REGISTRAR_BACKENDS", registrars.DEFAULT_BACKENDS))


def search(text: str = "", kind: str = "") -> Select[Tld]:
    """Every TLD, by name; `text` matches part of the name as typed or in punycode ("рф")."""
    statement = select(Tld).order_by(Tld.name)
    text = text.strip().lstrip(".").lower()
    if text:
        needles = {text}
        try:
            needles.add(normalise_tld(text))
        except InvalidInput:
            pass  # a fragment such as "xn--" or "-pl" still matches as plain text
        statement = statement.where(
            or_(*(Tld.name.contains(needle, autoescape=True) for needle in needles)))
    if kind in TLD_KINDS:
        statement = statement.where(Tld.kind == kind)
    return statement


def create_tld(name: str, kind: str, currency: str, terms: TldTerms,
               backends: Collection[str]) -> Tld:
    """Add one extension to the catalogue. `backends` are the configured registrar backends."""
    errors: list[tuple[str, str]] = []
    ascii_name = ""
    try:
        ascii_name = _new_name(name)
    except InvalidInput as error:
        errors.append(("name", error.message))
    kind = (kind or "").strip().lower()
    if kind not in TLD_KINDS:
        errors.append(("kind", f"Choose a kind: {', '.join(TLD_KINDS)}."))
    elif kind == "idn" and ascii_name and "xn--" not in ascii_name:
        errors.append(("kind", f".{ascii_name} is not an internationalised name; choose "
                               f"another kind or type the extension in its own script."))
    currency = (currency or "").strip().upper()
    if not currency:
        errors.append(("currency", "Enter a currency code, e.g. PLN."))
    elif not is_currency(currency):
        errors.append(("currency", f"“{currency}” is not a currency code (e.g. PLN, EUR)."))
    values: dict = {}
    try:
        # Prices are checked against the currency's precision; without one, check them as PLN.
        values = _checked_terms(terms, currency if is_currency(currency) else "PLN", backends,
                                current_backend=None)
    except TldInputError as error:
        errors.extend(error.errors)
    if errors:
        raise TldInputError(errors)
    tld = Tld(name=ascii_name, kind=kind, currency=currency, **values)
    db.session.add(tld)
    try:
        db.session.flush()
    except IntegrityError:  # the same extension added at the same moment by someone else
        raise TldInputError([("name", "That extension is already in the catalogue.")]) from None
    return tld


def update_tld(tld: Tld, terms: TldTerms, backends: Collection[str]) -> Tld:
    """Change a TLD's wholesale prices, terms, backend and whether it is offered. The currency
    stays: partners' retail prices are in it and are compared with these without conversion."""
    values = _checked_terms(terms, tld.currency, backends, current_backend=tld.backend)
    for key, value in values.items():
        setattr(tld, key, value)
    db.session.flush()
    return tld


def partners_selling_below_wholesale(tld: Tld) -> int:
    """How many partners now sell this TLD for less than it costs them, for a warning."""
    below = or_(*(getattr(PartnerTld, f"{op}_price") < getattr(Tld, f"{op}_price")
                  for op in OPERATIONS))
    return db.session.scalar(
        select(func.count(PartnerTld.id)).join(PartnerTld.tld).where(Tld.id == tld.id, below)
    ) or 0


def _new_name(name: str) -> str:
    if not (name or "").strip().lstrip("."):
        raise InvalidInput("Enter the extension, e.g. pl or com.pl.", "name")
    try:
        ascii_name = normalise_tld(name or "")
    except InvalidInput as error:
        message = error.message[0].upper() + error.message[1:]
        raise InvalidInput(message + ("" if message.endswith(".") else "."), "name") from None
    if len(ascii_name) > MAX_NAME_LENGTH:
        raise InvalidInput(f"An extension is at most {MAX_NAME_LENGTH} characters long "
                           f"(in punycode).", "name")
    if db.session.scalar(select(Tld.id).where(Tld.name == ascii_name)) is not None:
        raise InvalidInput(f".{ascii_name} is already in the catalogue; edit it instead.", "name")
    return ascii_name


def _checked_terms(terms: TldTerms, currency: str, backends: Collection[str],
                   current_backend: str | None) -> dict:
    """The checked values, or TldInputError naming every bad field, so one submit shows all."""
    values: dict = {}
    errors: list[tuple[str, str]] = []
    for operation in OPERATIONS:
        try:
            values[f"{operation}_price"] = parse_price(
                getattr(terms, operation) or "", currency, operation, allow_zero=True)
        except InvalidInput as error:
            errors.append((operation, error.message))
    for key in ("min_years", "max_years"):
        typed = getattr(terms, key)
        years = whole_number(typed, max_digits=2)
        if years is None or not 1 <= years <= MAX_YEARS:
            usual = f"Enter a whole number of years from 1 to {MAX_YEARS}."
            errors.append((key, refusal(typed, usual)))
        else:
            values[key] = years
    if values.get("min_years", 0) > values.get("max_years", MAX_YEARS):
        errors.append(("min_years", "The minimum period can't be longer than the maximum."))
    backend = (terms.backend or "").strip().lower()
    # A TLD may keep a backend that is no longer configured (e.g. imported from a file written
    # for another installation), so its prices can still be edited; nobody can pick a new one.
    if backend not in backends and backend != current_backend:
        errors.append(("backend", f"There is no registrar backend “{terms.backend}”; choose "
                                  f"one of {', '.join(sorted(backends))}."))
    if errors:
        raise TldInputError(errors)
    values["backend"] = backend
    values["idn_allowed"] = bool(terms.idn_allowed)
    values["enabled"] = bool(terms.enabled)
    return values
