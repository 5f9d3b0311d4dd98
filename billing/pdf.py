"""A document as a PDF: a proforma, a VAT invoice or a credit note, printed through WeasyPrint.

`render_pdf(document)` renders billing/pdf/<kind>.html in the DOCUMENT's language (not the
request's: a partner reading an English panel still issues Polish invoices) and returns the PDF's
bytes. Amounts go through `Money.format`, so a PDF reads "1 230,00 zł" where the panel does.
A print is marked as the original, a copy, or a duplicate (with the day the duplicate was made,
which Polish law asks for when an invoice is issued again).

WeasyPrint takes tens of milliseconds a page: render in a job, or keep the bytes, rather than in
a hot request. It needs Debian's pango and the DejaVu fonts (tests/system_deps.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import flask_babel
from babel import Locale
from babel.numbers import format_decimal
from flask import render_template
from PIL import ImageFile
from weasyprint import HTML  # type: ignore[import-untyped]
from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]

from billing.models import Document
from billing.settings import grouped_iban
from storefront.i18n import N_
from storefront.money import Money

# Importing WeasyPrint sets Pillow's process-wide LOAD_TRUNCATED_IMAGES, after which a damaged
# logo upload would be accepted (storefront/services/assets.py refuses incomplete images). Our
# documents embed no images, so Pillow's strict default is put back.
ImageFile.LOAD_TRUNCATED_IMAGES = False

MARKS = {"original": N_("ORIGINAL"), "copy": N_("COPY"), "duplicate": N_("DUPLICATE")}
REVERSE_CHARGE_RATE = "np"


def render_pdf(document: Document, mark: str = "original", issued_copy_on: date | None = None,
               corrects: str | None = None) -> bytes:
    """The document as PDF bytes. `mark` is "original", "copy" or "duplicate"; a duplicate states
    `issued_copy_on` (today when not given). `corrects` is a credit note's invoice number."""
    if mark not in MARKS:
        raise ValueError(f"unknown print mark {mark!r}: one of {', '.join(MARKS)}")
    if mark == "duplicate" and issued_copy_on is None:
        issued_copy_on = date.today()
    locale = document.language
    with flask_babel.force_locale(locale):
        html = render_template(
            f"billing/pdf/{document.kind}.html", document=document, mark=MARKS[mark],
            issued_copy_on=issued_copy_on if mark == "duplicate" else None, corrects=corrects,
            money=_money(document.currency, locale), rate=lambda r: _rate(r, locale),
            country=lambda code: _country(code, locale), day=_day, iban=grouped_iban,
        )
    # Nothing is fetched while printing (no file, no address a line's text might name); an image
    # a document needs comes in as a data: URI.
    fetcher = URLFetcher(allowed_protocols=["data"])
    return bytes(HTML(string=html, url_fetcher=fetcher).write_pdf())


def _money(currency: str, locale: str) -> Callable[[int], str]:
    return lambda minor: Money(minor, currency).format(locale)


def _rate(rate: str, locale: str) -> str:
    """A VAT rate as printed: "23%", "8,5%" in Polish, "np." under reverse charge."""
    if rate == REVERSE_CHARGE_RATE:
        return "np."
    return f"{format_decimal(Decimal(rate), locale=locale)}%"


def _country(code: str, locale: str) -> str:
    return str(Locale.parse(locale).territories.get(code, code))


def _day(value: date | None) -> str:
    """Dates as ISO (2026-12-02): unambiguous in both languages, as Polish invoices print them."""
    return value.strftime("%Y-%m-%d") if value else ""
