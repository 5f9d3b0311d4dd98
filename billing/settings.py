"""The partner's billing settings: who sells on its documents, at what VAT rate, in which language,
and how long before a renewal a proforma goes out.

A partner may save them bit by bit; `missing` says what it must still fill in before documents can
be issued (name, address, tax id, bank account). Every given value is checked as a tax office or
a bank would: a Polish NIP by its checksum, an IBAN by its check digits (python-stdnum). Bad input
raises `InvalidInput(message, field)` before anything changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from decimal import Decimal

from sqlalchemy import select
from stdnum import iban
from stdnum.exceptions import ValidationError

from billing.models import SellerSettings
from billing.profiles import check_postal_code, check_tax_id, countries
from billing.text import PRINTABLE, one_line
from storefront.db import db
from storefront.i18n import gettext as _
from storefront.numbers import decimal_number, whole_number
from storefront.services.errors import InvalidInput
from storefront.tenancy import Tenant

LANGUAGES = {"pl": "Polish", "en": "English"}
LEAD_DAYS = (1, 120)
# Days after a domain's or hosting plan's expiry (billing.renewals): a gTLD's grace ends inside
# the registry's 45-day auto-renew grace; a hosting plan is suspended, then terminated.
GRACE_DAYS = (0, 45)
HOSTING_SUSPEND_DAYS = (0, 90)
HOSTING_TERMINATE_DAYS = (1, 365)
DEFAULT_VAT_RATE = "23"
_NOTE_PRINTABLE = re.compile(r"^[^\x00-\x09\x0b\x0c\x0e-\x1f\x7f]*$")  # line breaks allowed
LIMITS = {"name": 200, "street": 200, "postal_code": 20, "city": 100, "tax_id": 40,
          "bank_name": 100}
NOTE_LIMIT = 500


@dataclass(frozen=True)
class SellerFields:
    """What a partner fills in; the lead time is a whole number read by the form (None: not
    given or not a number)."""

    name: str = ""
    street: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = "PL"
    tax_id: str = ""
    bank_account: str = ""
    bank_name: str = ""
    vat_rate: str = DEFAULT_VAT_RATE
    language: str = "pl"
    renewal_lead_days: int | None = 30
    invoice_note: str = ""
    # Whole numbers, or the text the form read (checked by clean_fields).
    grace_days: int | str | None = 30
    hosting_suspend_days: int | str | None = 7
    hosting_terminate_days: int | str | None = 30


def seller_settings(partner: Tenant) -> SellerSettings | None:
    return db.session.scalar(select(SellerSettings).where(SellerSettings.partner_id == partner.id))


def save_seller_settings(partner: Tenant, given: SellerFields) -> SellerSettings:
    """Create or replace the partner's billing settings."""
    clean = clean_fields(given)
    settings = seller_settings(partner)
    if settings is None:
        settings = SellerSettings(partner_id=partner.id)
        db.session.add(settings)
    for field in fields(clean):
        setattr(settings, field.name, getattr(clean, field.name))
    db.session.flush()
    return settings


def missing(settings: SellerSettings | None) -> list[str]:
    """What the partner must still fill in before its documents can be issued, in its words."""
    if settings is None:
        return ["the seller's name", "the address", "the tax id", "the bank account"]
    wanted = {
        "the seller's name": settings.name,
        "the address": settings.street and settings.postal_code and settings.city,
        "the tax id": settings.tax_id,
        "the bank account": settings.bank_account,
    }
    return [label for label, value in wanted.items() if not value]


def is_ready(settings: SellerSettings | None) -> bool:
    return not missing(settings)


def grouped_iban(number: str) -> str:
    """An IBAN as printed: in groups of four (PL61 1090 1014 …)."""
    return str(iban.format(number)) if number else ""


def vat_rate(settings: SellerSettings | None) -> Decimal:
    return Decimal(settings.vat_rate if settings is not None else DEFAULT_VAT_RATE)


def clean_fields(given: SellerFields) -> SellerFields:
    """The fields checked and in their kept form, or InvalidInput for the first bad one."""
    text = one_line({name: getattr(given, name) for name in LIMITS}, LIMITS)
    country = given.country.strip().upper()
    if country not in dict(countries()):
        raise InvalidInput("Choose your country from the list.", "country")
    if text["postal_code"]:
        check_postal_code(text["postal_code"], country)
    language = given.language.strip()
    if language not in LANGUAGES:
        raise InvalidInput("Choose Polish or English for your documents.", "language")
    return SellerFields(
        name=text["name"],
        street=text["street"],
        postal_code=text["postal_code"],
        city=text["city"],
        country=country,
        tax_id=check_tax_id(text["tax_id"], country) if text["tax_id"] else "",
        bank_account=_bank_account(given.bank_account),
        bank_name=text["bank_name"],
        vat_rate=_vat_rate(given.vat_rate),
        language=language,
        renewal_lead_days=_lead_days(given.renewal_lead_days),
        invoice_note=_note(given.invoice_note),
        **_cut_offs(given),
    )


def _bank_account(raw: str) -> str:
    if not raw.strip():
        return ""
    if not PRINTABLE.match(raw):
        raise InvalidInput("Use letters, digits and spaces only.", "bank_account")
    try:
        return str(iban.validate(raw))
    except ValidationError:
        raise InvalidInput(f"{raw.strip()[:40]} is not a valid IBAN: check the country code "
                           "and the digits.", "bank_account") from None


def _vat_rate(raw: str) -> str:
    """Percent from 0 to 100 with at most two decimals, kept without trailing zeros ("8.5")."""
    if any(ch.isdigit() and not ch.isascii() for ch in raw):
        raise InvalidInput(f"Type numbers with the digits 0-9; “{raw.strip()[:20]}” has other "
                           "digits.", "vat_rate")
    rate = decimal_number(raw.strip().removesuffix("%").strip())
    if rate is None:
        raise InvalidInput("Give the VAT rate in percent, e.g. 23 or 8.", "vat_rate")
    if not 0 <= rate <= 100:
        raise InvalidInput("A VAT rate is between 0 and 100 percent.", "vat_rate")
    if rate != rate.quantize(Decimal("0.01")):
        raise InvalidInput("A VAT rate has at most two decimals, e.g. 23 or 5.5.", "vat_rate")
    kept = format(rate.quantize(Decimal("0.01")), "f").rstrip("0").rstrip(".")
    return kept or "0"


def _lead_days(days: int | None) -> int:
    low, high = LEAD_DAYS
    if days is None or not low <= days <= high:
        raise InvalidInput(f"Send proformas between {low} and {high} days before a renewal.",
                           "renewal_lead_days")
    return days


def _cut_offs(given: SellerFields) -> dict[str, int]:
    """The days after an expiry before a domain's grace ends and a hosting plan is suspended and
    terminated: whole numbers in their ranges, the suspension not after the termination."""
    grace = _days(given.grace_days, GRACE_DAYS, "grace_days", _(
        "A domain's grace after its expiry is between %(low)d and %(high)d days (the registry "
        "keeps an expired domain renewable for 45 days at most).",
        low=GRACE_DAYS[0], high=GRACE_DAYS[1]))
    suspend = _days(given.hosting_suspend_days, HOSTING_SUSPEND_DAYS, "hosting_suspend_days", _(
        "Suspend an expired hosting plan between %(low)d and %(high)d days after its expiry.",
        low=HOSTING_SUSPEND_DAYS[0], high=HOSTING_SUSPEND_DAYS[1]))
    terminate = _days(given.hosting_terminate_days, HOSTING_TERMINATE_DAYS,
                      "hosting_terminate_days", _(
                          "Terminate an expired hosting plan between %(low)d and %(high)d days "
                          "after its expiry.",
                          low=HOSTING_TERMINATE_DAYS[0], high=HOSTING_TERMINATE_DAYS[1]))
    if terminate < suspend:
        raise InvalidInput(_("A hosting plan is terminated after it is suspended: give at least "
                             "%(days)d days.", days=suspend), "hosting_terminate_days")
    return {"grace_days": grace, "hosting_suspend_days": suspend,
            "hosting_terminate_days": terminate}


def _days(raw: int | str | None, limits: tuple[int, int], field: str, message: str) -> int:
    days = raw if isinstance(raw, int) else whole_number(raw, signed=True)
    low, high = limits
    if days is None or not low <= days <= high:
        raise InvalidInput(message, field)
    return days


def _note(raw: str) -> str:
    note = raw.replace("\r\n", "\n").strip()
    if not _NOTE_PRINTABLE.match(note):
        raise InvalidInput("Use letters, digits and punctuation only.", "invoice_note")
    if len(note) > NOTE_LIMIT:
        raise InvalidInput(f"At most {NOTE_LIMIT} characters, please.", "invoice_note")
    return note
