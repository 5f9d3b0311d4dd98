"""Billing PDFs (billing/pdf.py): what a subscriber reads on a printed proforma, VAT invoice or
credit note, in the document's language, read back from the PDF with pypdf."""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from typing import Any

import flask_babel
import pytest
from pypdf import PdfReader

from billing.models import Document, DocumentLine
from billing.pdf import render_pdf

SELLER = {"name": "Hosting Łódź Sp. z o.o.", "street": "ul. Żurawia 4", "postal_code": "90-001",
          "city": "Łódź", "country": "PL", "tax_id": "5260250274",
          "bank_account": "PL61109010140000071219812874", "bank_name": "Santander Bank Polska"}
CONSUMER = {"kind": "consumer", "name": "Jan Kowalski", "street": "ul. Polna 2",
            "postal_code": "00-950", "city": "Warszawa", "country": "PL", "tax_id": "",
            "email": "jan@example.pl"}
EU_BUSINESS = {"kind": "business", "name": "Müller GmbH", "street": "Hauptstraße 1",
               "postal_code": "10115", "city": "Berlin", "country": "DE",
               "tax_id": "DE136695976", "email": "buch@mueller.example"}
# Two rates: 1 230,00 zł at 23% (net 1 000,00) and 108,00 zł at 8% (net 100,00).
LINES = [("przykład.pl: rejestracja", "23", 100000), ("Hosting Biznes", "23", 23000),
         ("Certyfikat SSL", "8", 10800)]
RATES = [{"rate": "23", "net": 100000, "vat": 23000, "gross": 123000},
         {"rate": "8", "net": 10000, "vat": 800, "gross": 10800}]


def make_document(kind: str = "invoice", language: str = "pl", **fields: Any) -> Document:
    """A transient document (never added to a session), as billing would issue it."""
    series = {"invoice": "FV", "proforma": "PF", "credit_note": "KOR"}[kind]
    values: dict[str, Any] = {
        "kind": kind, "series": series, "year": 2026, "sequence": 7,
        "number": f"{series}/2026/7", "language": language, "currency": "PLN",
        "issued_at": datetime(2026, 12, 2, 10, 30), "seller": SELLER, "buyer": CONSUMER,
        "rates": RATES, "net_minor": 110000, "vat_minor": 23800, "gross_minor": 133800,
        "annotations": [],
    }
    if kind == "invoice":
        values |= {"supplied_on": date(2026, 12, 2), "paid_at": datetime(2026, 12, 2, 9)}
    if kind == "proforma":
        values |= {"status": "unpaid", "due_on": date(2026, 12, 9),
                   "bank_account": SELLER["bank_account"], "transfer_title": "PF/2026/7"}
    values |= fields
    document = Document(**values)
    document.lines = [
        DocumentLine(position=n, description=description, operation="register", term=1,
                     term_unit="year", period_from=date(2026, 12, 2),
                     period_to=date(2027, 12, 1), vat_rate=rate, gross_minor=gross)
        for n, (description, rate, gross) in enumerate(LINES, 1)
    ]
    return document


def text_of(pdf: bytes) -> str:
    """The PDF's text with every run of whitespace (babel's non-breaking spaces too) one space."""
    assert pdf.startswith(b"%PDF-")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"\s+", " ", text)


def test_a_polish_invoice_shows_its_number_lines_and_vat_per_rate(app):
    text = text_of(render_pdf(make_document()))

    assert "Faktura VAT" in text
    assert "FV/2026/7" in text
    for description, _, _ in LINES:
        assert description in text
    assert "23% 1 000,00 zł 230,00 zł 1 230,00 zł" in text
    assert "8% 100,00 zł 8,00 zł 108,00 zł" in text
    assert "Razem 1 100,00 zł 238,00 zł 1 338,00 zł" in text
    assert "Należność: 1 338,00 zł" in text
    assert "Zapłacono: 1 338,00 zł, 2026-12-02" in text
    assert "Data sprzedaży: 2026-12-02" in text
    assert "2026-12-02 – 2027-12-01 1 rok" in text
    assert "Hosting Łódź Sp. z o.o." in text and "ul. Żurawia 4" in text
    assert "NIP: 5260250274" in text
    assert "ORYGINAŁ" in text
    assert "nie jest fakturą VAT" not in text


def test_a_proforma_says_it_is_not_a_vat_invoice_and_how_to_pay(app):
    text = text_of(render_pdf(make_document("proforma")))

    assert "Faktura proforma" in text
    assert "Ten dokument nie jest fakturą VAT" in text
    assert "PF/2026/7" in text
    assert "Do zapłaty: 1 338,00 zł" in text
    assert "PL61 1090 1014 0000 0712 1981 2874" in text
    assert "Tytuł przelewu: PF/2026/7" in text
    assert "Termin płatności: 2026-12-09" in text
    assert "Faktura VAT" not in text


def test_an_english_proforma_says_so_in_english(app):
    text = text_of(render_pdf(make_document("proforma", "en")))

    assert "Proforma invoice" in text
    assert "This document is not a VAT invoice" in text
    assert "To pay: PLN 1,338.00" in text


def test_reverse_charge_prints_its_annotation_and_no_polish_rate(app):
    rates = [{"rate": "np", "net": 133800, "vat": 0, "gross": 133800}]
    document = make_document(buyer=EU_BUSINESS, reverse_charge=True, rates=rates,
                             net_minor=133800, vat_minor=0, annotations=["odwrotne obciążenie"])
    for line in document.lines:
        line.vat_rate = "np"
    text = text_of(render_pdf(document))

    assert "odwrotne obciążenie" in text
    assert "np. 1 338,00 zł 0,00 zł 1 338,00 zł" in text
    assert "23%" not in text
    assert "NIP UE: DE136695976" in text
    assert "Berlin, Niemcy" in text


def test_without_annotations_there_is_no_reverse_charge(app):
    text = text_of(render_pdf(make_document()))

    assert "odwrotne" not in text
    assert "Uwagi" not in text


@pytest.mark.parametrize(("mark", "shown", "not_shown"), [
    ("original", "ORYGINAŁ", "KOPIA"),
    ("copy", "KOPIA", "ORYGINAŁ"),
    ("duplicate", "DUPLIKAT", "ORYGINAŁ"),
])
def test_a_print_is_marked_original_copy_or_duplicate(app, mark, shown, not_shown):
    text = text_of(render_pdf(make_document(), mark, issued_copy_on=date(2027, 1, 15)))

    assert shown in text
    assert not_shown not in text
    duplicate_date = "Data wystawienia duplikatu: 2027-01-15"
    assert (duplicate_date in text) is (mark == "duplicate")


def test_an_unknown_mark_is_refused(app):
    with pytest.raises(ValueError, match="unknown print mark"):
        render_pdf(make_document(), "draft")


def test_an_english_document_has_english_labels_whatever_the_current_locale(app):
    with flask_babel.force_locale("pl"):
        text = text_of(render_pdf(make_document(language="en", buyer=EU_BUSINESS), "copy"))

    assert "VAT invoice" in text
    assert "COPY" in text
    assert "SELLER" in text and "BUYER" in text  # headings are upper case (CSS)
    assert "23% PLN 1,000.00 PLN 230.00 PLN 1,230.00" in text
    assert "Amount due: PLN 1,338.00" in text
    assert "VAT ID: DE136695976" in text
    assert "1 year" in text
    for polish in ("Faktura", "Należność", "KOPIA", "zł"):
        assert polish not in text


def test_a_credit_note_names_the_invoice_it_corrects_and_the_refund(app):
    rates = [{"rate": "23", "net": -100000, "vat": -23000, "gross": -123000}]
    document = make_document("credit_note", rates=rates, net_minor=-100000, vat_minor=-23000,
                             gross_minor=-123000)
    text = text_of(render_pdf(document, corrects="FV/2026/7"))

    assert "Faktura korygująca" in text
    assert "KOR/2026/7" in text
    assert "Koryguje fakturę nr FV/2026/7" in text
    assert "Do zwrotu: 1 230,00 zł" in text
    assert "-1 230,00 zł" in text.replace("\u2212", "-")


def test_a_description_prints_as_typed_not_as_markup(app):
    document = make_document()
    document.lines[0].description = '<img src="file:///etc/passwd"> <b>Domena</b> & co'
    text = text_of(render_pdf(document))

    assert '<img src="file:///etc/passwd"> <b>Domena</b> & co' in text
