"""The Stripe adapter against a fake Stripe API (tests/stripe_server.py) with the real library."""

from __future__ import annotations

import json
import socket
import time

import pytest

from billing import stripe_gateway
from billing.stripe_gateway import InvalidEvent, NotFound, StripeUnavailable
from storefront.money import Money
from tests.stripe_server import SECRET_KEY, WEBHOOK_SECRET, parse_form, sign

SUCCESS = "https://acme.example/billing/paid?session={CHECKOUT_SESSION_ID}"


def checkout(account: str, amount: Money, key: str = "proforma-1", **overrides):
    fields = dict(reference="PF/2026/12/0001", idempotency_key=key, amount=amount,
                  description="example.pl — registration, 1 year", success_url=SUCCESS,
                  cancel_url="https://acme.example/billing", customer_email="jan@example.pl",
                  metadata={"proforma": "1", "partner": "acme"})
    fields.update(overrides)
    return stripe_gateway.create_checkout_session(account, **fields)


def test_form_parser_rebuilds_nested_keys():
    assert parse_form("a[0][b][c]=x&a[0][d]=1&m[k]=v&l[0]=p&l[1]=q") == {
        "a": [{"b": {"c": "x"}, "d": "1"}], "m": {"k": "v"}, "l": ["p", "q"]}


def test_zloty_session_is_a_direct_charge_with_fee_blik_and_p24(app, stripe_server):
    app.config["STRIPE_APPLICATION_FEE_PERCENT"] = "2.5"
    account = stripe_server.add_account()

    session = checkout(account, Money(12345, "PLN"))

    assert session.url.endswith(session.id)
    [call] = stripe_server.calls("POST", "/v1/checkout/sessions")
    assert call.account == account  # on the partner's account, not the platform's
    assert call.idempotency_key == "proforma-1"
    params = call.params
    assert params["mode"] == "payment"
    assert params["line_items"] == [{"quantity": "1", "price_data": {
        "currency": "pln", "unit_amount": "12345",
        "product_data": {"name": "example.pl — registration, 1 year"}}}]
    assert params["payment_method_types"] == ["card", "blik", "p24"]
    # 2.5% of 123.45 zł is 3.08625 zł: half up to 3.09 zł
    assert params["payment_intent_data"] == {"application_fee_amount": "309"}
    assert params["client_reference_id"] == "PF/2026/12/0001"
    assert params["success_url"] == SUCCESS  # the placeholder reaches Stripe unescaped
    assert params["customer_email"] == "jan@example.pl"
    assert params["metadata"] == {"proforma": "1", "partner": "acme"}


def test_fee_rounds_half_up_not_to_even(app):
    app.config["STRIPE_APPLICATION_FEE_PERCENT"] = "1"
    assert stripe_gateway.application_fee(Money(250, "PLN")) == 3  # round() would give 2
    assert stripe_gateway.application_fee(Money(249, "PLN")) == 2
    app.config["STRIPE_APPLICATION_FEE_PERCENT"] = "abc"
    with pytest.raises(ValueError):
        stripe_gateway.application_fee(Money(100, "PLN"))


def test_euro_session_offers_cards_only_and_no_fee_by_default(stripe_server):
    account = stripe_server.add_account()

    checkout(account, Money(1999, "EUR"))

    [call] = stripe_server.calls("POST", "/v1/checkout/sessions")
    assert call.params["payment_method_types"] == ["card"]
    assert call.params["line_items"][0]["price_data"]["currency"] == "eur"
    assert "payment_intent_data" not in call.params  # a zero fee is not sent at all


def test_same_idempotency_key_gives_the_same_session(stripe_server):
    account = stripe_server.add_account()

    first = checkout(account, Money(5000, "PLN"), key="proforma-7")
    again = checkout(account, Money(5000, "PLN"), key="proforma-7")
    other = checkout(account, Money(5000, "PLN"), key="proforma-8")

    assert again == first
    assert other.id != first.id
    assert len(stripe_server.sessions) == 2


def test_reused_key_with_another_amount_is_refused(stripe_server):
    account = stripe_server.add_account()
    checkout(account, Money(5000, "PLN"), key="proforma-7")

    with pytest.raises(StripeUnavailable, match="IdempotencyError"):
        checkout(account, Money(9900, "PLN"), key="proforma-7")
    assert len(stripe_server.sessions) == 1


def test_retrieve_reads_the_session_back_after_payment(stripe_server):
    account = stripe_server.add_account()
    session = checkout(account, Money(12345, "PLN"))
    before = stripe_gateway.retrieve_session(account, session.id)
    assert (before.status, before.payment_status, before.paid) == ("open", "unpaid", False)

    stripe_server.pay(session.id)
    state = stripe_gateway.retrieve_session(account, session.id)

    assert state.paid
    assert (state.id, state.amount_total, state.currency) == (session.id, 12345, "PLN")
    assert state.client_reference_id == "PF/2026/12/0001"
    assert state.metadata == {"proforma": "1", "partner": "acme"}
    assert state.account == account
    assert stripe_server.calls("GET", f"/v1/checkout/sessions/{session.id}")[-1].account == account


def test_another_partners_session_is_not_found(stripe_server):
    mine, theirs = stripe_server.add_account(), stripe_server.add_account()
    session = checkout(mine, Money(1000, "PLN"))

    with pytest.raises(NotFound):
        stripe_gateway.retrieve_session(theirs, session.id)
    with pytest.raises(NotFound):
        stripe_gateway.retrieve_session(mine, "cs_test_nonexistent")


def test_signed_event_is_accepted(stripe_server):
    account = stripe_server.add_account()
    session = checkout(account, Money(1000, "PLN"))
    stripe_server.pay(session.id)
    payload = json.dumps(stripe_server.event("checkout.session.completed", session.id)).encode()

    event = stripe_gateway.verify_event(payload, sign(payload, WEBHOOK_SECRET))

    assert event.type == "checkout.session.completed"
    assert event.account == account
    assert event.data.object.id == session.id
    assert event.data.object.payment_status == "paid"


@pytest.fixture
def event_payload(stripe_server) -> bytes:
    account = stripe_server.add_account()
    session = checkout(account, Money(1000, "PLN"))
    stripe_server.pay(session.id)
    return json.dumps(stripe_server.event("checkout.session.completed", session.id)).encode()


def test_forged_signature_is_refused(event_payload):
    good = sign(event_payload, WEBHOOK_SECRET)
    timestamp = good.split(",")[0]
    with pytest.raises(InvalidEvent):
        stripe_gateway.verify_event(event_payload, f"{timestamp},v1={'0' * 64}")
    with pytest.raises(InvalidEvent):
        stripe_gateway.verify_event(event_payload, "")
    # a signed event whose body was changed afterwards (a paid status made up)
    tampered = event_payload.replace(b'"paid"', b'"paid" ', 1)
    with pytest.raises(InvalidEvent):
        stripe_gateway.verify_event(tampered, good)


def test_event_signed_with_another_secret_is_refused(event_payload):
    with pytest.raises(InvalidEvent):
        stripe_gateway.verify_event(event_payload, sign(event_payload, "whsec_someone_else"))


def test_stale_event_is_refused(event_payload):
    ten_minutes_ago = int(time.time()) - 600
    with pytest.raises(InvalidEvent):
        stripe_gateway.verify_event(event_payload,
                                    sign(event_payload, WEBHOOK_SECRET, ten_minutes_ago))
    four_minutes_ago = int(time.time()) - 240  # within Stripe's default five minutes
    event = stripe_gateway.verify_event(
        event_payload, sign(event_payload, WEBHOOK_SECRET, four_minutes_ago))
    assert event.type == "checkout.session.completed"


@pytest.mark.parametrize("payload", [b"not json", b"\xff\xfe{}", b""])
def test_unreadable_payload_is_refused_even_when_signed(stripe_server, payload):
    header = sign(payload.decode("utf-8", "replace").encode(), WEBHOOK_SECRET)
    with pytest.raises(InvalidEvent):
        stripe_gateway.verify_event(payload, header)


def test_without_webhook_secret_nothing_verifies(app, event_payload):
    app.config["STRIPE_WEBHOOK_SECRET"] = ""
    with pytest.raises(InvalidEvent):
        stripe_gateway.verify_event(event_payload, sign(event_payload, ""))


def test_unconfigured_gateway(app):
    assert app.config["STRIPE_SECRET_KEY"] == ""
    assert not stripe_gateway.is_configured()
    with pytest.raises(StripeUnavailable, match="not configured"):
        stripe_gateway.charges_enabled("acct_123")


def test_configured_gateway(stripe_server):
    assert stripe_gateway.is_configured()


@pytest.mark.parametrize("wrong_key", ["sk_live_51WrongKeyThatMustNotBeLogged000000",
                                       "plainWrongKeyWithoutAnyPrefix"])
def test_wrong_key_error_never_shows_the_key(app, stripe_server, wrong_key):
    stripe_server.echo_key_in_errors = True  # even when Stripe's message quotes it whole
    app.config["STRIPE_SECRET_KEY"] = wrong_key
    account = stripe_server.add_account()

    with pytest.raises(StripeUnavailable) as caught:
        checkout(account, Money(1000, "PLN"))

    assert stripe_server.requests[-1].headers["authorization"] == f"Bearer {wrong_key}"
    assert "AuthenticationError" in str(caught.value)
    assert wrong_key not in str(caught.value)
    assert "WrongKey" not in str(caught.value)
    assert SECRET_KEY not in str(caught.value)


def test_unreachable_stripe_is_unavailable(app, monkeypatch):
    monkeypatch.setattr(stripe_gateway, "NETWORK_RETRIES", 0)
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app.config.update(STRIPE_SECRET_KEY=SECRET_KEY, STRIPE_API_BASE=f"http://127.0.0.1:{port}")

    with pytest.raises(StripeUnavailable) as caught:
        stripe_gateway.charges_enabled("acct_123")

    assert "APIConnectionError" in str(caught.value)
    assert SECRET_KEY not in str(caught.value)


def test_connect_onboarding(stripe_server):
    account = stripe_gateway.create_connected_account("owner@acme.example", "pl")

    [call] = stripe_server.calls("POST", "/v1/accounts")
    assert call.account is None  # made by the platform, not on another account
    assert call.params["country"] == "PL"
    assert call.params["controller"]["stripe_dashboard"] == {"type": "full"}
    assert call.params["controller"]["fees"] == {"payer": "account"}
    assert not stripe_gateway.charges_enabled(account)

    url = stripe_gateway.account_link(account, "https://acme.example/stripe/again",
                                      "https://acme.example/stripe/back")
    [link] = stripe_server.calls("POST", "/v1/account_links")
    assert link.params == {"account": account, "type": "account_onboarding",
                           "refresh_url": "https://acme.example/stripe/again",
                           "return_url": "https://acme.example/stripe/back"}
    assert url.startswith("https://connect.stripe.com/")

    stripe_server.enable_charges(account)
    assert stripe_gateway.charges_enabled(account)
    with pytest.raises(NotFound):
        stripe_gateway.charges_enabled("acct_nobody")
