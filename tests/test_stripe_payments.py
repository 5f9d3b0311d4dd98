"""Paying a proforma online with Stripe, through the real `stripe` library against a local fake of
Stripe's API: Checkout on the partner's connected account, the return page and the webhook both
fulfil a paid session, once; forged, stale, foreign and mismatched events change nothing."""

from __future__ import annotations

import json
import random
import threading
import time

import pytest
from sqlalchemy import select

from billing.models import Document, Payment, SellerSettings, Service, StripeEvent
from storefront import jobs
from storefront.db import db
from tests.stripe_server import WEBHOOK_SECRET, sign
from tests.test_checkout import check_out, fresh, shop  # noqa: F401 - the shop fixture


@pytest.fixture
def online(shop, stripe_server):  # noqa: F811 - pytest's fixture
    """Acme with a connected Stripe account that may take charges."""
    account = stripe_server.add_account(charges_enabled=True)
    settings = db.session.scalar(select(SellerSettings).where(
        SellerSettings.partner_id == shop["acme"].id))
    settings.stripe_account_id, settings.stripe_charges_enabled = account, True
    db.session.commit()
    return {**shop, "account": account, "stripe": stripe_server}


def start_paying(online, domain: str = "ann-bakery.pl"):
    """Check out `domain` and press "Pay online now": the proforma and the Checkout session."""
    client = online["client"]
    check_out(client, (domain, 1))
    proforma = fresh(Document, kind="proforma")[-1]
    page = client.get(f"/account/proformas/{proforma.id}")
    assert "Pay online now" in page.get_data(as_text=True)
    assert "https://checkout.stripe.com" in page.headers["Content-Security-Policy"]
    response = client.post(f"/account/proformas/{proforma.id}/pay-online")
    assert response.status_code == 303
    [session] = [s for s in online["stripe"].sessions.values()
                 if s["client_reference_id"] == f"proforma:{proforma.id}"]
    assert response.headers["Location"] == session["url"]
    return proforma, session


def deliver(client, event: dict, secret: str = WEBHOOK_SECRET, timestamp: int | None = None):
    payload = json.dumps(event).encode()
    return client.post("/stripe/webhook", data=payload, content_type="application/json",
                       headers={"Host": "localhost",
                                "Stripe-Signature": sign(payload, secret, timestamp)})


def test_checkout_is_a_direct_charge_for_the_proforma(online):
    proforma, session = start_paying(online)
    [call] = online["stripe"].calls("POST", "/v1/checkout/sessions")
    assert call.account == online["account"]
    assert call.params["line_items"][0]["price_data"]["unit_amount"] == "12300"
    assert call.params["line_items"][0]["price_data"]["currency"] == "pln"
    assert call.idempotency_key.startswith(f"proforma:{proforma.id}:")
    assert session["metadata"]["proforma_id"] == str(proforma.id)
    # A second click the same day reuses the session.
    online["client"].post(f"/account/proformas/{proforma.id}/pay-online")
    assert len(online["stripe"].sessions) == 1


def test_the_return_page_fulfils_a_paid_session_and_the_webhook_then_changes_nothing(
        online, client):
    proforma, session = start_paying(online)
    online["stripe"].pay(session["id"])
    back = online["client"].get(f"/account/proformas/{proforma.id}/paid?session_id={session['id']}")
    assert back.status_code == 303
    page = online["client"].get(back.headers["Location"]).get_data(as_text=True)
    assert "your payment is received" in page
    [paid, invoice] = fresh(Document)
    assert paid.status == "paid" and invoice.kind == "invoice" and invoice.source_id == paid.id
    [payment] = fresh(Payment)
    assert (payment.method, payment.reference, payment.amount_minor) == (
        "stripe", session["id"], 12300)
    assert fresh(Service)[0].status == "activating"
    for kind in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
        assert deliver(client, online["stripe"].event(kind, session["id"])).status_code == 200
    assert len(fresh(Document, kind="invoice")) == 1 and len(fresh(Payment)) == 1
    assert jobs.run_due() == 1 and fresh(Service)[0].status == "active"


def test_the_webhook_alone_pays_and_activates(online, client):
    proforma, session = start_paying(online)
    online["stripe"].pay(session["id"])
    response = deliver(client, online["stripe"].event("checkout.session.completed",
                                                      session["id"]))
    assert response.status_code == 200 and response.json["result"] == "paid"
    assert fresh(Document, kind="proforma")[0].status == "paid"
    assert len(fresh(Document, kind="invoice")) == 1


def test_a_delayed_payment_waits_and_a_failed_one_is_recorded(online, client):
    proforma, session = start_paying(online)
    online["stripe"].pay(session["id"], payment_status="unpaid")  # Przelewy24, not settled yet
    response = deliver(client, online["stripe"].event("checkout.session.completed",
                                                      session["id"]))
    assert response.json["result"] == "pending"
    assert fresh(Document)[0].status == "unpaid" and fresh(Payment) == []
    response = deliver(client, online["stripe"].event("checkout.session.async_payment_failed",
                                                      session["id"]))
    assert response.json["result"] == "failed"
    [payment] = fresh(Payment)
    assert payment.status == "failed" and fresh(Document)[0].status == "unpaid"
    assert fresh(Service)[0].status == "pending"


@pytest.mark.parametrize("forgery", ["wrong secret", "stale", "unsigned", "tampered"])
def test_forged_and_stale_events_get_400_and_change_nothing(online, client, forgery):
    proforma, session = start_paying(online)
    online["stripe"].pay(session["id"])
    event = online["stripe"].event("checkout.session.completed", session["id"])
    payload = json.dumps(event).encode()
    if forgery == "wrong secret":
        header = sign(payload, "whsec_someone_else")
    elif forgery == "stale":
        header = sign(payload, WEBHOOK_SECRET, int(time.time()) - 3600)
    elif forgery == "unsigned":
        header = ""
    else:
        header = sign(payload, WEBHOOK_SECRET)
        payload = payload.replace(b'"paid"', b'"paid" ')
    response = client.post("/stripe/webhook", data=payload, content_type="application/json",
                           headers={"Host": "localhost", "Stripe-Signature": header})
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/problem+json"
    assert fresh(Payment) == [] and fresh(StripeEvent) == []
    assert fresh(Document)[0].status == "unpaid"


def test_an_event_of_another_account_changes_nothing(online, client):
    proforma, session = start_paying(online)
    online["stripe"].pay(session["id"])
    other = online["stripe"].add_account()
    response = deliver(client, online["stripe"].event("checkout.session.completed",
                                                      session["id"], account=other))
    assert response.status_code == 200 and response.json["result"] == "ignored"
    assert fresh(Payment) == [] and fresh(Document)[0].status == "unpaid"


def test_an_amount_that_differs_is_recorded_and_activates_nothing(online, client):
    proforma, session = start_paying(online)
    online["stripe"].pay(session["id"])
    online["stripe"].sessions[session["id"]]["amount_total"] = 100
    response = deliver(client, online["stripe"].event("checkout.session.completed",
                                                      session["id"]))
    assert response.json["result"] == "mismatch"
    [payment] = fresh(Payment)
    assert payment.status == "mismatch" and "PLN\xa01.00" in payment.note
    assert fresh(Document)[0].status == "unpaid" and fresh(Service)[0].status == "pending"


def test_a_return_with_another_proformas_session_is_404(online):
    first, first_session = start_paying(online, "ann-bakery.pl")
    second, second_session = start_paying(online, "ann-shop.pl")
    online["stripe"].pay(second_session["id"])
    response = online["client"].get(
        f"/account/proformas/{first.id}/paid?session_id={second_session['id']}")
    assert response.status_code == 404
    assert fresh(Payment) == [] and {d.status for d in fresh(Document)} == {"unpaid"}


def test_a_webhook_storm_pays_each_proforma_once(online, app):
    """Every event five times, shuffled, async ones among completed ones, from eight threads."""
    sessions = []
    for domain in ("ann-bakery.pl", "ann-shop.pl", "ann-wait.pl", "ann-extra.pl"):
        sessions.append(start_paying(online, domain)[1])
    for session in sessions:
        online["stripe"].pay(session["id"])
    events = []
    for session in sessions:
        for kind in ("checkout.session.async_payment_succeeded", "checkout.session.completed"):
            event = online["stripe"].event(kind, session["id"])
            events += [event] * 5
    random.Random(7).shuffle(events)
    results: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def send(batch: list[dict]) -> None:
        try:
            client = app.test_client()
            for event in batch:
                status = deliver(client, event).status_code
                with lock:
                    results.append(status)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=send, args=(events[n::8],)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors and results == [200] * len(events)
    proformas = fresh(Document, kind="proforma")
    invoices = fresh(Document, kind="invoice")
    payments = fresh(Payment)
    assert {p.status for p in proformas} == {"paid"} and len(invoices) == len(proformas) == 4
    assert sorted(i.sequence for i in invoices) == [1, 2, 3, 4]
    assert len(payments) == 4 and sum(p.amount_minor for p in payments) == sum(
        i.gross_minor for i in invoices)
    assert len(fresh(StripeEvent)) == 8
    assert len(db.session.scalars(select(jobs.Job)).all()) == 4
