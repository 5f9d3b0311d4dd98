"""From the cart to an active domain by bank transfer: checkout issues a proforma, the partner
records the transfer, which issues the VAT invoice, pays the platform from the balance and queues
the registration; the job activates the domain. Never another subscriber's or partner's."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from billing import balance, settings
from billing.models import Document, Payment, Service
from billing.profiles import ProfileFields, save_profile
from storefront import jobs
from storefront.db import db
from storefront.models import Job, Subscriber
from storefront.money import Money
from storefront.registrars import get_backend
from storefront.services import catalog

PASSWORD = "a long password"
SELLER = settings.SellerFields(
    name="Acme Hosting sp. z o.o.", street="ul. Prosta 1", postal_code="00-838", city="Warszawa",
    country="PL", tax_id="5260250274", bank_account="PL61109010140000071219812874",
    bank_name="Santander", vat_rate="23", language="pl")
ANN = ProfileFields(kind="consumer", name="Ann Nowak", street="ul. Polna 2", postal_code="00-001",
                    city="Warszawa", country="PL", email="ann@example.com", phone="600100200")


@pytest.fixture
def shop(two_partners, host_client):
    """Acme sells .pl at 123.00 (register) and 100.00 (renew), has its seller details and a
    balance of 500.00; Ann is its subscriber with billing details, logged in on its storefront."""
    acme = two_partners["acme"]
    catalog.import_demo_catalogue()
    catalog.set_retail_prices(acme, "pl", register="123", renew="100", transfer="77")
    settings.save_seller_settings(acme, SELLER)
    balance.credit(acme, Money(50000, "PLN"), "top-up 1", None)
    db.session.commit()
    client = host_client("acme.localhost")
    client.post("/account/register", data={"name": "Ann", "email": "ann@example.com",
                                           "password": PASSWORD})
    ann = db.session.scalar(select(Subscriber).where(Subscriber.email == "ann@example.com"))
    save_profile(acme, ann, ANN)
    db.session.commit()
    return {"acme": acme, "ann": ann, "client": client, **two_partners}


def fresh(model, **where):
    db.session.expire_all()
    return list(db.session.scalars(select(model).filter_by(**where).order_by(model.id)))


def check_out(client, *items: tuple[str, int], **form: str):
    for domain, years in items:
        assert client.post("/cart/add", data={"domain": domain, "years": str(years)}
                           ).status_code == 303
    return client.post("/cart/checkout", data=form)


def test_checkout_issues_a_proforma_and_a_transfer_activates_the_domain(
        shop, client, login, app):
    ann_client = shop["client"]
    response = check_out(ann_client, ("ann-bakery.pl", 2))
    assert response.status_code == 303, response.get_data(as_text=True)
    [proforma] = fresh(Document, kind="proforma")
    year = proforma.year
    assert proforma.number == f"PF/{year}/1" and proforma.status == "unpaid"
    # 123.00 for the first year, 100.00 for the second; prices include 23% VAT.
    assert (proforma.gross_minor, proforma.vat_minor, proforma.net_minor) == (22300, 4170, 18130)
    assert proforma.seller["tax_id"] == "5260250274" and proforma.buyer["name"] == "Ann Nowak"
    [service] = fresh(Service)
    assert (service.name, service.status) == ("ann-bakery.pl", "pending")
    page = ann_client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"PF/{year}/1" in page and "PL61 1090 1014 0000 0712 1981 2874" in page
    assert "PLN\xa0223.00" in page and "not a VAT invoice" in page
    assert "Cart (0)" in page or "Cart (" not in page  # the cart is emptied

    # The partner records the transfer: invoice, balance debit, activation queued.
    login(client, shop["acme_owner"])
    url = f"/panel/acme/billing/proformas/{proforma.id}"
    form = client.get(url).get_data(as_text=True)
    assert "Record payment and activate" in form and 'value="223.00"' in form
    token = ""
    paid = client.post(url, data={"csrf_token": token, "amount": "223.00",
                                  "received_on": "2026-12-01", "reference": proforma.number,
                                  "action": "pay"})
    assert paid.status_code == 303, paid.get_data(as_text=True)
    [proforma, invoice] = fresh(Document)
    assert proforma.status == "paid" and proforma.invoice_id == invoice.id
    assert invoice.number == f"FV/{year}/1" and invoice.gross_minor == 22300
    assert [line.description for line in invoice.lines] == [
        line.description for line in proforma.lines]
    wholesale = sum(line.wholesale_minor for line in invoice.lines)
    assert balance.balance(shop["acme"]) == Money(50000 - wholesale, "PLN") and wholesale > 0
    [service] = fresh(Service)
    assert service.status == "activating"
    assert jobs.run_due() == 1
    [service] = fresh(Service)
    assert service.status == "active" and service.expires_at.year == year + 2
    assert not get_backend("sandbox").check(["ann-bakery.pl"])["ann-bakery.pl"].can_register

    services = ann_client.get("/account/services/").get_data(as_text=True)
    assert "ann-bakery.pl" in services and "Active" in services
    invoices = ann_client.get("/account/invoices/").get_data(as_text=True)
    assert f"FV/{year}/1" in invoices
    # Recording the same proforma again changes nothing.
    again = client.post(url, data={"csrf_token": token, "amount": "223.00",
                                   "received_on": "2026-12-01", "reference": "again",
                                   "action": "pay"})
    assert again.status_code == 404 or "already paid" in again.get_data(as_text=True)
    assert len(fresh(Document, kind="invoice")) == 1 and len(fresh(Payment)) == 1


def test_a_payment_that_does_not_match_is_kept_and_activates_nothing(shop, client, login):
    check_out(shop["client"], ("ann-shop.pl", 1))
    [proforma] = fresh(Document)
    login(client, shop["acme_owner"])
    url = f"/panel/acme/billing/proformas/{proforma.id}"
    token = ""  # CSRF is off in tests (tests/test_security.py covers it)
    response = client.post(url, data={"csrf_token": token, "amount": "100.00",
                                      "received_on": "2026-12-01", "reference": "part",
                                      "action": "pay"})
    assert response.status_code == 303
    [payment] = fresh(Payment)
    assert payment.status == "mismatch" and "PLN\xa0123.00" in payment.note
    assert [d.kind for d in fresh(Document)] == ["proforma"]
    assert fresh(Document)[0].status == "unpaid" and fresh(Service)[0].status == "pending"
    assert db.session.scalar(select(func.count(Job.id))) == 0


def test_a_short_balance_keeps_the_payment_and_the_service_waits(shop, client, login):
    acme = shop["acme"]
    balance.debit(acme, Money(49900, "PLN"), "spent elsewhere")
    db.session.commit()
    check_out(shop["client"], ("ann-wait.pl", 1))
    [proforma] = fresh(Document)
    login(client, shop["acme_owner"])
    url = f"/panel/acme/billing/proformas/{proforma.id}"
    token = ""  # CSRF is off in tests (tests/test_security.py covers it)
    client.post(url, data={"csrf_token": token, "amount": "123.00", "received_on": "2026-12-01",
                           "reference": "x", "action": "pay"})
    [service] = fresh(Service)
    assert service.status == "waiting" and "Waiting for the wholesale balance" in service.last_error
    assert len(fresh(Document, kind="invoice")) == 1 and fresh(Payment)[0].status == "received"
    page = client.get("/panel/acme/billing/balance").get_data(as_text=True)
    assert "1 paid service waits for the balance" in page
    balance.credit(acme, Money(10000, "PLN"), "top-up 2", None)
    db.session.commit()
    client.post("/panel/acme/billing/balance/release", data={"csrf_token": token})
    assert fresh(Service)[0].status == "activating"
    jobs.run_due()
    assert fresh(Service)[0].status == "active"


def test_a_failing_registry_keeps_payment_and_invoice_and_a_retry_activates(
        shop, client, login):
    check_out(shop["client"], ("ann-retries.pl", 1))
    [proforma] = fresh(Document)
    login(client, shop["acme_owner"])
    url = f"/panel/acme/billing/proformas/{proforma.id}"
    token = ""  # CSRF is off in tests (tests/test_security.py covers it)
    client.post(url, data={"csrf_token": token, "amount": "123.00", "received_on": "2026-12-01",
                           "reference": "x", "action": "pay"})
    backend = get_backend(fresh(Service)[0].backend)
    backend.failure_rate = 1.0
    try:
        jobs.run_due()
    finally:
        backend.failure_rate = 0.0
    [service] = fresh(Service)
    assert service.status == "failed" and "simulated registry failure" in service.last_error
    assert fresh(Document)[0].status == "paid" and len(fresh(Document, kind="invoice")) == 1
    page = client.get("/panel/acme/billing/services").get_data(as_text=True)
    assert "Retry activation" in page and "ann-retries.pl" in page
    client.post(f"/panel/acme/billing/services/{service.id}/retry", data={"csrf_token": token})
    assert fresh(Service)[0].status == "activating"
    assert jobs.run_due() == 1
    assert fresh(Service)[0].status == "active"


def test_checkout_needs_a_login_and_billing_details(shop, host_client):
    visitor = host_client("acme.localhost")
    response = check_out(visitor, ("anna-anon.pl", 1))
    assert response.status_code == 303 and "/account/login" in response.headers["Location"]
    assert fresh(Document) == []
    bob = host_client("acme.localhost")
    bob.post("/account/register", data={"name": "Bob", "email": "bob@example.com",
                                        "password": PASSWORD})
    response = check_out(bob, ("bob-shop.pl", 1))
    assert "/account/billing/" in response.headers["Location"]
    assert fresh(Document) == [] and fresh(Service) == []


@pytest.mark.parametrize("extra", [
    {"price": "0.01"}, {"total": "1"}, {"currency": "EUR"}, {"partner_id": "2"},
    {"paid": "1"}, {"status": "paid"},
])
def test_fields_added_to_the_checkout_form_change_nothing(shop, extra):
    check_out(shop["client"], ("ann-extra.pl", 1), **extra)
    [proforma] = fresh(Document)
    assert (proforma.gross_minor, proforma.currency, proforma.status) == (12300, "PLN", "unpaid")
    assert proforma.partner_id == shop["acme"].id


def test_a_transfer_needs_its_code_and_a_taken_name_is_not_registered(shop):
    client = shop["client"]
    client.post("/cart/add", data={"domain": "google.pl", "years": "1",
                                   "operation": "transfer"})
    response = check_out(client)
    assert response.status_code == 400 and "Enter the transfer code" in response.get_data(
        as_text=True)
    assert fresh(Document) == [] and fresh(Service) == []
    response = check_out(client, **{"code-google.pl": "secret-code"})
    assert response.status_code == 303
    [service] = fresh(Service)
    assert service.transfer_code == "secret-code" and service.status == "pending"


def test_another_subscribers_or_partners_documents_are_404(shop, host_client, client, login):
    check_out(shop["client"], ("ann-again.pl", 1))
    [proforma] = fresh(Document)
    [service] = fresh(Service)
    eve = host_client("acme.localhost")
    eve.post("/account/register", data={"name": "Eve", "email": "eve@example.com",
                                        "password": PASSWORD})
    assert eve.get(f"/account/proformas/{proforma.id}").status_code == 404
    assert eve.get(f"/account/invoices/{proforma.id}").status_code == 404
    assert "ann-again" not in eve.get("/account/services/").get_data(as_text=True)
    token = ""
    assert eve.post(f"/account/services/{service.id}/renew",
                    data={"csrf_token": token, "years": "1"}).status_code == 404
    at_globex = host_client("globex.localhost")
    assert at_globex.get(f"/account/proformas/{proforma.id}").status_code in (302, 404)
    login(client, shop["globex_owner"])
    assert client.get(f"/panel/globex/billing/proformas/{proforma.id}").status_code == 404
    assert client.get(f"/panel/acme/billing/proformas/{proforma.id}").status_code in (403, 404)
    assert "ann-again" not in client.get("/panel/globex/billing/services").get_data(
        as_text=True)


def paid_invoice(shop, client, login, *domains: str) -> Document:
    """`domains` checked out by Ann and paid by a transfer Acme records: the invoice."""
    check_out(shop["client"], *[(domain, 1) for domain in domains])
    proforma = fresh(Document, kind="proforma")[-1]
    login(client, shop["acme_owner"])
    client.post(f"/panel/acme/billing/proformas/{proforma.id}",
                data={"amount": f"{proforma.gross_minor / 100:.2f}",
                      "received_on": "2026-12-01", "reference": "x", "action": "pay"})
    return fresh(Document, kind="invoice")[-1]


def test_a_credit_note_reverses_chosen_lines_once_and_the_invoice_never_changes(
        shop, client, login):
    invoice = paid_invoice(shop, client, login, "ann-bakery.pl", "ann-shop.pl")
    before = (invoice.number, invoice.gross_minor, [line.gross_minor for line in invoice.lines])
    url = f"/panel/acme/billing/invoices/{invoice.id}"
    page = client.get(url).get_data(as_text=True)
    assert "Issue a credit note" in page
    refused = client.post(f"{url}/credit-note", data={"line": "1", "reason": ""})
    assert refused.status_code == 303 and fresh(Document, kind="credit_note") == []
    response = client.post(f"{url}/credit-note", data={"line": "2", "reason": "Ordered twice"})
    assert response.status_code == 303
    [note] = fresh(Document, kind="credit_note")
    assert note.number == f"KOR/{invoice.year}/1" and note.source_id == invoice.id
    assert note.gross_minor == -12300 and note.vat_minor == -2300
    assert any(f"Korekta faktury {invoice.number}" in text and "Ordered twice" in text
               for text in note.annotations)
    # The same line again is refused; the other line can still be credited.
    client.post(f"{url}/credit-note", data={"line": "2", "reason": "again"})
    assert len(fresh(Document, kind="credit_note")) == 1
    [invoice] = [d for d in fresh(Document, kind="invoice")]
    assert (invoice.number, invoice.gross_minor,
            [line.gross_minor for line in invoice.lines]) == before
    invoice.gross_minor = 1  # the database refuses to change an issued invoice
    with pytest.raises(ValueError, match="is issued"):
        db.session.flush()
    db.session.rollback()
    # Ann sees it among her invoices; Globex's panel does not.
    listing = shop["client"].get("/account/invoices/").get_data(as_text=True)
    assert note.number in listing
    assert shop["client"].get(f"/account/credit-notes/{note.id}").status_code == 200
    login(client, shop["globex_owner"])
    assert client.get(f"/panel/globex/billing/credit-notes/{note.id}").status_code == 404
    assert client.post(f"/panel/globex/billing/invoices/{invoice.id}/credit-note",
                       data={"line": "1", "reason": "x"}).status_code == 404


def test_settlements_show_what_was_paid_and_what_did_not_match(shop, client, login):
    invoice = paid_invoice(shop, client, login, "ann-bakery.pl")
    check_out(shop["client"], ("ann-shop.pl", 1))
    proforma = fresh(Document, kind="proforma")[-1]
    client.post(f"/panel/acme/billing/proformas/{proforma.id}",
                data={"amount": "1.00", "received_on": "2026-12-01", "reference": "short",
                      "action": "pay"})
    page = client.get("/panel/acme/billing/settlements").get_data(as_text=True)
    assert "Needs a look (1)" in page and "does not match" in page
    assert "Bank transfers: <strong>PLN\xa0123.00</strong>" in page
    assert invoice.number not in page and proforma.number in page
    login(client, shop["globex_owner"])
    assert proforma.number not in client.get("/panel/globex/billing/settlements").get_data(
        as_text=True)


def test_an_internal_subscriber_is_never_charged_and_gets_active_services(
        shop, client, login):
    acme = shop["acme"]
    login(client, shop["acme_owner"])
    ann = shop["ann"]
    assert client.post(f"/panel/acme/billing/subscribers/{ann.id}/internal",
                       data={"internal": "on"}).status_code == 303
    assert "Charge again" in client.get("/panel/acme/billing/subscribers").get_data(
        as_text=True)
    before = balance.balance(acme)
    assert check_out(shop["client"], ("ann-bakery.pl", 2)).status_code == 303
    [proforma, invoice] = fresh(Document)
    assert proforma.status == "paid" and invoice.gross_minor == 0 == proforma.gross_minor
    assert any("bez opłat" in text for text in invoice.annotations)  # Acme writes in Polish
    assert balance.balance(acme) == before
    assert [line.reference for line in balance.ledger(acme, limit=1)] == [
        f"internal: {proforma.number} (ann@example.com)"]
    assert jobs.run_due() == 1 and fresh(Service)[0].status == "active"
    # Another partner's owner cannot flag Acme's subscriber.
    login(client, shop["globex_owner"])
    assert client.post(f"/panel/globex/billing/subscribers/{ann.id}/internal",
                       data={"internal": "off"}).status_code == 404
    assert fresh(Subscriber)[0].internal is True


def test_sixteen_concurrent_payments_number_the_invoices_1_to_16(shop, app):
    """Sixteen proformas of one partner paid at the same moment, each in its own transaction."""
    import threading

    from billing import checkout, payments
    from billing.documents import local_today

    acme, ann = shop["acme"], shop["ann"]
    names = [f"ann-{n}-bakery.pl" for n in range(40)]
    free = [name for name in names
            if get_backend("sandbox").check([name])[name].can_register][:16]
    assert len(free) == 16
    ids = [checkout.checkout(acme, ann, [(name, 1, "register")]).id for name in free]
    db.session.commit()
    start = threading.Barrier(16, timeout=60)
    errors: list[BaseException] = []

    def pay(proforma_id: int) -> None:
        try:
            start.wait()  # before any connection is taken: the pool holds 15
            with app.app_context():
                partner = db.session.get(type(acme), acme.id)
                proforma = db.session.get(Document, proforma_id)
                payments.pay(partner, proforma, local_today())
                db.session.commit()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=pay, args=(proforma_id,)) for proforma_id in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    invoices = fresh(Document, kind="invoice")
    assert sorted(invoice.sequence for invoice in invoices) == list(range(1, 17))
    assert sorted(invoice.source_id for invoice in invoices) == sorted(ids)
    assert db.session.scalar(select(func.count(Job.id))) == 16
    spent = sum(line.wholesale_minor for invoice in invoices for line in invoice.lines)
    assert balance.balance(acme) == Money(50000 - spent, "PLN")


def test_a_cancelled_proforma_cannot_be_paid_and_its_services_are_cancelled(
        shop, client, login):
    check_out(shop["client"], ("ann-bakery.pl", 1))
    [proforma] = fresh(Document)
    login(client, shop["acme_owner"])
    url = f"/panel/acme/billing/proformas/{proforma.id}"
    assert client.post(url, data={"action": "cancel"}).status_code == 303
    assert fresh(Document)[0].status == "cancelled" and fresh(Service)[0].status == "cancelled"
    paid = client.post(url, data={"amount": "123.00", "received_on": "2026-12-01",
                                  "reference": "late", "action": "pay"})
    assert paid.status_code == 400 and "already paid or cancelled" in paid.get_data(as_text=True)
    assert fresh(Payment) == [] and fresh(Document, kind="invoice") == []
    # The name can be ordered again.
    assert check_out(shop["client"], ("ann-bakery.pl", 1)).status_code == 303
