"""Documents as PDFs and by e-mail (billing/document_views.py): a subscriber downloads their own
proforma or invoice, the panel prints the original, a copy or a duplicate and sends a document to
its buyer. Never another subscriber's or partner's."""

from __future__ import annotations

import dataclasses
import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from billing import settings
from billing.documents import local_today
from billing.models import Document
from storefront.db import db
from storefront.models import OutboxMessage
from tests.test_checkout import PASSWORD, SELLER, check_out, fresh, shop  # noqa: F401

PDF_HEADERS = {"Content-Type": "application/pdf", "Cache-Control": "private, no-store"}


def text_of(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF-")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"\s+", " ", text)


def pay(client, proforma: Document) -> Document:
    """The partner records the proforma's transfer: its invoice is issued."""
    response = client.post(f"/panel/acme/billing/proformas/{proforma.id}", data={
        "csrf_token": "", "amount": "123.00", "received_on": "2026-12-01",
        "reference": proforma.number, "action": "pay"})
    assert response.status_code == 303, response.get_data(as_text=True)
    [invoice] = fresh(Document, kind="invoice")
    return invoice


@pytest.fixture
def paid(shop, client, login):  # noqa: F811
    """Ann's paid proforma for ann-pdf.pl (123,00 zł) and its invoice; `client` is Acme's owner
    in the panel."""
    check_out(shop["client"], ("ann-pdf.pl", 1))
    [proforma] = fresh(Document, kind="proforma")
    login(client, shop["acme_owner"])
    invoice = pay(client, proforma)
    [proforma] = fresh(Document, kind="proforma")
    return {**shop, "proforma": proforma, "invoice": invoice, "panel": client}


def assert_pdf(response, filename: str) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    for name, value in PDF_HEADERS.items():
        assert response.headers[name] == value
    assert response.headers["Content-Disposition"] == f'attachment; filename="{filename}"'
    return text_of(response.get_data())


def outbox() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


# -- the subscriber's downloads -----------------------------------------------------------------

def test_a_subscriber_downloads_their_invoice_and_proforma(paid):
    ann, invoice, proforma = paid["client"], paid["invoice"], paid["proforma"]
    text = assert_pdf(ann.get(f"/account/documents/{invoice.id}.pdf"),
                      invoice.number.replace("/", "-") + ".pdf")
    assert re.fullmatch(r"FV/\d{4}/1", invoice.number)
    assert invoice.number in text and "ORYGINAŁ" in text and "Faktura VAT" in text
    assert "Ann Nowak" in text and "123,00 zł" in text
    text = assert_pdf(ann.get(f"/account/documents/{proforma.id}.pdf"),
                      f"PF-{proforma.year}-1.pdf")
    assert proforma.number in text and "ORYGINAŁ" in text and "proforma" in text.lower()
    # The document page links to its PDF.
    page = ann.get(f"/account/invoices/{invoice.id}").get_data(as_text=True)
    assert f'href="/account/documents/{invoice.id}.pdf"' in page and "Download PDF" in page


def test_another_subscriber_or_partner_gets_404_and_a_visitor_the_login(paid, host_client):
    invoice = paid["invoice"]
    url = f"/account/documents/{invoice.id}.pdf"
    visitor = host_client("acme.localhost")
    login_redirect = visitor.get("/account/invoices/")
    assert login_redirect.status_code == 302
    response = visitor.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].split("?")[0] == (
        login_redirect.headers["Location"].split("?")[0])
    assert b"%PDF" not in response.get_data()

    eve = host_client("acme.localhost")
    eve.post("/account/register", data={"name": "Eve", "email": "eve@example.com",
                                        "password": PASSWORD})
    assert eve.get("/account/invoices/").status_code == 200  # Eve is logged in
    assert eve.get(url).status_code == 404
    assert eve.get(f"/account/documents/{paid['proforma'].id}.pdf").status_code == 404
    assert eve.get("/account/documents/999999.pdf").status_code == 404

    at_globex = host_client("globex.localhost")
    at_globex.post("/account/register", data={"name": "Gus", "email": "gus@example.com",
                                              "password": PASSWORD})
    assert at_globex.get("/account/invoices/").status_code == 200
    assert at_globex.get(url).status_code == 404
    # Ann's own session is for Acme's host: her download exists only there.
    assert paid["client"].get(url).status_code == 200


def test_the_subscriber_download_is_not_on_the_platform_host(paid):
    assert paid["panel"].get(f"/account/documents/{paid['invoice'].id}.pdf").status_code == 404


# -- the panel's prints ---------------------------------------------------------------------------

def test_the_panel_prints_the_original_a_copy_and_a_duplicate_dated_today(paid):
    panel, invoice = paid["panel"], paid["invoice"]
    url = f"/panel/acme/billing/documents/{invoice.id}.pdf"
    filename = invoice.number.replace("/", "-") + ".pdf"
    original = assert_pdf(panel.get(url), filename)
    assert invoice.number in original and "ORYGINAŁ" in original
    assert "KOPIA" not in original and "DUPLIKAT" not in original
    assert assert_pdf(panel.get(url, query_string={"mark": "original"}), filename) == original
    copy = assert_pdf(panel.get(url, query_string={"mark": "copy"}), filename)
    assert invoice.number in copy and "KOPIA" in copy and "ORYGINAŁ" not in copy
    duplicate = assert_pdf(panel.get(url, query_string={"mark": "duplicate"}), filename)
    assert invoice.number in duplicate and "DUPLIKAT" in duplicate
    assert local_today().strftime("%Y-%m-%d") in duplicate
    proforma = paid["proforma"]
    text = assert_pdf(panel.get(f"/panel/acme/billing/documents/{proforma.id}.pdf",
                                query_string={"mark": "copy"}), f"PF-{proforma.year}-1.pdf")
    assert proforma.number in text and "KOPIA" in text
    # The document page links to the three prints and offers sending.
    page = panel.get(f"/panel/acme/billing/invoices/{invoice.id}").get_data(as_text=True)
    for mark in ("original", "copy", "duplicate"):
        assert f"{url}?mark={mark}" in page
    assert f'action="/panel/acme/billing/documents/{invoice.id}/send"' in page
    assert "Send by e-mail" in page


@pytest.mark.parametrize("mark", ["forged", "ORIGINAL", ""])
def test_an_unknown_mark_is_400(paid, mark):
    response = paid["panel"].get(f"/panel/acme/billing/documents/{paid['invoice'].id}.pdf",
                                 query_string={"mark": mark})
    assert response.status_code == 400
    assert b"%PDF" not in response.get_data()


def test_another_partners_panel_gets_404(paid, client, login, host_client):
    invoice = paid["invoice"]
    login(client, paid["globex_owner"])
    assert client.get(f"/panel/globex/billing/documents/{invoice.id}.pdf").status_code == 404
    assert client.get(f"/panel/acme/billing/documents/{invoice.id}.pdf").status_code in (
        403, 404)
    assert client.get(f"/panel/globex/billing/documents/{invoice.id}.pdf",
                      query_string={"mark": "duplicate"}).status_code == 404
    # The panel's prints are not served on a storefront host.
    at_acme = host_client("acme.localhost")
    assert at_acme.get(f"/panel/acme/billing/documents/{invoice.id}.pdf").status_code == 404


# -- sending ------------------------------------------------------------------------------------

def test_sending_an_invoice_queues_a_polish_mail_with_its_amount_and_link(paid, app):
    panel, invoice, acme = paid["panel"], paid["invoice"], paid["acme"]
    response = panel.post(f"/panel/acme/billing/documents/{invoice.id}/send",
                          data={"csrf_token": ""})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/panel/acme/billing/invoices/{invoice.id}")
    page = panel.get(response.headers["Location"]).get_data(as_text=True)
    assert f"{invoice.number} is sent to ann@example.com." in page
    [mail] = [m for m in outbox() if m.subject.startswith(("Faktura", "Invoice"))]
    assert mail.to_email == "ann@example.com" and mail.partner_id == acme.id
    assert mail.subject == f"Faktura {invoice.number}"
    assert "123,00\xa0zł" in mail.body and "Dzień dobry" in mail.body
    assert f"http://acme.localhost/account/invoices/{invoice.id}" in mail.body


def test_sending_a_proforma_names_it_and_links_to_its_page(paid):
    panel, proforma = paid["panel"], paid["proforma"]
    before = len(outbox())
    response = panel.post(f"/panel/acme/billing/documents/{proforma.id}/send",
                          data={"csrf_token": ""})
    assert response.headers["Location"].endswith(f"/panel/acme/billing/proformas/{proforma.id}")
    [mail] = outbox()[before:]
    assert mail.subject == f"Proforma {proforma.number}"
    assert "123,00\xa0zł" in mail.body
    assert f"http://acme.localhost/account/proformas/{proforma.id}" in mail.body


def test_an_english_document_is_sent_in_english(shop, client, login):  # noqa: F811
    settings.save_seller_settings(shop["acme"], dataclasses.replace(SELLER, language="en"))
    db.session.commit()
    check_out(shop["client"], ("ann-en.pl", 1))
    [proforma] = fresh(Document, kind="proforma")
    assert proforma.language == "en"
    login(client, shop["acme_owner"])
    invoice = pay(client, proforma)
    client.post(f"/panel/acme/billing/documents/{invoice.id}/send", data={"csrf_token": ""})
    [mail] = [m for m in outbox() if m.subject.startswith(("Faktura", "Invoice"))]
    assert mail.subject == f"Invoice {invoice.number}"
    assert "PLN\xa0123.00" in mail.body and "Hello" in mail.body and "zł" not in mail.body
    text = text_of(client.get(f"/panel/acme/billing/documents/{invoice.id}.pdf",
                              query_string={"mark": "copy"}).get_data())
    assert "COPY" in text and "KOPIA" not in text


def test_another_partner_cannot_send_and_nothing_is_queued(paid, client, login):
    before = len(outbox())
    login(client, paid["globex_owner"])
    for document in (paid["invoice"], paid["proforma"]):
        assert client.post(f"/panel/globex/billing/documents/{document.id}/send",
                           data={"csrf_token": ""}).status_code == 404
        assert client.post(f"/panel/acme/billing/documents/{document.id}/send",
                           data={"csrf_token": ""}).status_code in (403, 404)
    assert len(outbox()) == before
