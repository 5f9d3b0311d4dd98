"""Billing details: who a subscriber's documents are made out to, checked as a tax office would.

A consumer gives a name, an address, an e-mail and a phone; a business also its tax id: a Polish
NIP (its checksum checked), an EU VAT number (format and check digits, by python-stdnum), or the
tax id of its country outside the EU as written there. Phone numbers are kept in E.164
(`phonenumbers`). Bad input raises `InvalidInput(message, field)` before anything changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

import phonenumbers
from babel import Locale
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError
from stdnum.pl import nip

from billing.models import BillingProfile
from billing.text import one_line
from storefront.db import db
from storefront.models import Subscriber
from storefront.services.errors import InvalidInput
from storefront.tenancy import Tenant

KINDS = ("consumer", "business")
EU_COUNTRIES = frozenset(
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split()
)
_VAT_PREFIX = {"GR": "EL"}  # Greece's VAT numbers start EL, not GR
_POLISH_POSTAL_CODE = re.compile(r"^\d{2}-\d{3}$")
LIMITS = {"name": 200, "street": 200, "postal_code": 20, "city": 100, "tax_id": 40}


@dataclass(frozen=True)
class ProfileFields:
    """What a subscriber fills in."""

    kind: str = "consumer"
    name: str = ""
    street: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = "PL"
    email: str = ""
    phone: str = ""
    tax_id: str = ""


def countries(locale: str = "en") -> list[tuple[str, str]]:
    """(code, name) of every country, by name in `locale`: what the form offers."""
    names = Locale.parse(locale).territories
    return sorted(((code, name) for code, name in names.items()
                   if len(code) == 2 and code.isalpha() and code not in ("ZZ", "EU", "EZ", "UN")),
                  key=lambda pair: pair[1])


def find_profile(partner: Tenant, subscriber: Subscriber) -> BillingProfile | None:
    _own(partner, subscriber)
    return db.session.scalar(select(BillingProfile).where(
        BillingProfile.partner_id == partner.id, BillingProfile.subscriber_id == subscriber.id))


def save_profile(partner: Tenant, subscriber: Subscriber, given: ProfileFields) -> BillingProfile:
    """Create or replace the subscriber's billing details."""
    clean = clean_fields(given)
    profile = find_profile(partner, subscriber)
    if profile is None:
        profile = BillingProfile(partner_id=partner.id, subscriber_id=subscriber.id)
        db.session.add(profile)
    for field in fields(clean):
        setattr(profile, field.name, getattr(clean, field.name))
    db.session.flush()
    return profile


def clean_fields(given: ProfileFields) -> ProfileFields:
    """The fields checked and in their kept form, or InvalidInput for the first bad one."""
    kind = given.kind.strip()
    if kind not in KINDS:
        raise InvalidInput("Choose whether you buy as a consumer or as a business.", "kind")
    text = one_line({name: getattr(given, name) for name in LIMITS}, LIMITS)
    required = {"name": "Give your name or your company's name.", "street": "Give your street "
                "and number.", "postal_code": "Give your postal code.", "city": "Give your city."}
    for name, message in required.items():
        if not text[name]:
            raise InvalidInput(message, name)
    country = given.country.strip().upper()
    if country not in dict(countries()):
        raise InvalidInput("Choose your country from the list.", "country")
    check_postal_code(text["postal_code"], country)
    return ProfileFields(
        kind=kind,
        name=text["name"],
        street=text["street"],
        postal_code=text["postal_code"],
        city=text["city"],
        country=country,
        email=_email(given.email),
        phone=_phone(given.phone, country),
        tax_id=_tax_id(text["tax_id"], country) if kind == "business" else "",
    )


def _email(raw: str) -> str:
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        raise InvalidInput("Give an e-mail address like name@example.com.", "email") from None


def _phone(raw: str, country: str) -> str:
    """E.164 (+48600100200); a number without a + is read as one of `country`."""
    try:
        number = phonenumbers.parse(raw.strip(), country)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise InvalidInput("Give a phone number we can call, e.g. +48 600 100 200.", "phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def check_postal_code(code: str, country: str) -> None:
    """InvalidInput unless a Polish postal code looks like 00-950 (other countries': as given)."""
    if country == "PL" and not _POLISH_POSTAL_CODE.match(code):
        raise InvalidInput("A Polish postal code looks like 00-950.", "postal_code")


def _tax_id(raw: str, country: str) -> str:
    if not raw:
        raise InvalidInput("A business gives its tax id.", "tax_id")
    return check_tax_id(raw, country)


def check_tax_id(raw: str, country: str) -> str:
    """A business's tax id in its kept form: a checked NIP (10 digits) in Poland, a checked EU VAT
    number with its prefix elsewhere in the EU, as written outside it; else InvalidInput."""
    if country == "PL":
        try:
            return str(nip.validate(raw.upper().removeprefix("PL")))
        except ValidationError:
            raise InvalidInput(f"{raw} is not a valid NIP: check its ten digits.", "tax_id") \
                from None
    if country in EU_COUNTRIES:
        prefix = _VAT_PREFIX.get(country, country)
        number = re.sub(r"[\s.\-/]", "", raw).upper()
        if not number[:2].isalpha():
            number = prefix + number
        if number[:2] != prefix:
            raise InvalidInput(f"A VAT number of a business in {country} starts with {prefix}.",
                               "tax_id")
        try:
            return str(eu_vat.validate(number))
        except ValidationError:
            raise InvalidInput(f"{raw} is not a valid VAT number.", "tax_id") from None
    return raw


def reverse_charge(seller_country: str, profile: BillingProfile) -> bool:
    """Whether the buyer accounts for the VAT: a business with an EU VAT number in another EU
    country than the seller's. Invoices then carry no VAT and say "reverse charge"."""
    return (
        profile.kind == "business"
        and bool(profile.tax_id)
        and seller_country in EU_COUNTRIES
        and profile.country in EU_COUNTRIES
        and profile.country != seller_country
    )


def _own(partner: Tenant, subscriber: Subscriber) -> None:
    if subscriber.partner_id != partner.id:
        raise LookupError("subscriber of another partner")
