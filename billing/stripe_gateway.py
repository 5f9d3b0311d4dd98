"""Stripe: how the storefront takes card, BLIK and Przelewy24 payments for a partner.

Each partner is paid directly: its own Stripe account is connected to the platform (Connect), and
every Checkout Session is a *direct charge* created on that account (the `Stripe-Account` header),
so the partner is the merchant of record and carries Stripe's fees and disputes; the platform
takes `STRIPE_APPLICATION_FEE_PERCENT` of each payment as an application fee (none when it is 0).

Settings (storefront/config.py): `STRIPE_SECRET_KEY` (empty = Stripe is not set up),
`STRIPE_WEBHOOK_SECRET` (the `whsec_…` of the webhook endpoint), `STRIPE_API_BASE` (Stripe's
address; tests point it at tests/stripe_server.py) and `STRIPE_APPLICATION_FEE_PERCENT`, a
decimal percent such as "2.5".

This module only talks to Stripe: it creates and reads Checkout Sessions, checks webhook
signatures and onboards connected accounts. It stores nothing; fulfilment (from the webhook and
from the return page, idempotent on the session id, amount and currency compared with the
proforma) belongs to the billing services. Every failure to reach Stripe or a refusal from it
becomes `StripeUnavailable` (`NotFound` for an id the account does not have), whose message never
carries the secret key.

Connected accounts are created with controller properties equivalent to a Standard account (full
Stripe Dashboard, the account pays Stripe's fees, Stripe covers losses and collects requirements):
direct charges are meant for accounts that run their own business on Stripe.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import stripe
from flask import current_app

from storefront.money import Money

DEFAULT_API_BASE = stripe.DEFAULT_API_BASE
TIMEOUT_SECONDS = 20  # a buyer waits on this; the library's default is 80 s
NETWORK_RETRIES = 2  # safe: every POST carries an idempotency key

# Payment methods offered on top of cards, by currency (BLIK exists only in zloty).
EXTRA_PAYMENT_METHODS = {"PLN": ("blik", "p24")}

_SECRET_PATTERN = re.compile(r"\b(sk|rk|whsec)_[A-Za-z0-9_]+")


class StripeUnavailable(Exception):
    """Stripe could not be reached, or refused the request; the message is safe to log."""


class NotFound(StripeUnavailable):
    """Stripe has no such object on that account (a session of another partner, a typo)."""


class InvalidEvent(Exception):
    """A webhook whose signature, timestamp or body is not a genuine, recent Stripe event."""


@dataclass(frozen=True, slots=True)
class CheckoutSession:
    id: str
    url: str


@dataclass(frozen=True, slots=True)
class SessionState:
    """What Stripe says about a Checkout Session, read back on the partner's account."""

    id: str
    status: str | None  # "open", "complete", "expired"
    payment_status: str | None  # "paid", "unpaid", "no_payment_required"
    amount_total: int | None  # minor units
    currency: str | None  # upper-cased, as Money has it
    client_reference_id: str | None
    metadata: dict[str, str] = field(default_factory=dict)
    account: str = ""

    @property
    def paid(self) -> bool:
        return self.status == "complete" and self.payment_status == "paid"


# -- configuration --------------------------------------------------------------------------------


def is_configured() -> bool:
    return bool(current_app.config.get("STRIPE_SECRET_KEY"))


def application_fee(amount: Money) -> int:
    """The platform's fee on `amount` in minor units: the percent, rounded half up."""
    raw = str(current_app.config.get("STRIPE_APPLICATION_FEE_PERCENT") or "0").strip()
    try:
        percent = Decimal(raw)
    except InvalidOperation:
        raise ValueError(f"STRIPE_APPLICATION_FEE_PERCENT is not a number: {raw!r}") from None
    if not percent.is_finite() or not 0 <= percent <= 100:
        raise ValueError(f"STRIPE_APPLICATION_FEE_PERCENT must be 0-100, not {raw!r}")
    return int((amount.minor * percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


_clients: dict[tuple[str, str], stripe.StripeClient] = {}
_clients_lock = threading.Lock()


def _client() -> stripe.StripeClient:
    key = current_app.config.get("STRIPE_SECRET_KEY") or ""
    if not key:
        raise StripeUnavailable("Stripe is not configured (STRIPE_SECRET_KEY is empty).")
    base = (current_app.config.get("STRIPE_API_BASE") or DEFAULT_API_BASE).rstrip("/")
    with _clients_lock:  # one client (and its connection pool) per key and address
        client = _clients.get((key, base))
        if client is None:
            client = stripe.StripeClient(
                key,
                base_addresses={"api": base, "connect": base},
                max_network_retries=NETWORK_RETRIES,
                http_client=stripe.RequestsClient(timeout=TIMEOUT_SECONDS),
            )
            _clients[(key, base)] = client
    return client


def _safe_message(error: Exception) -> str:
    """A short description of a Stripe failure with any key in it blanked out."""
    if isinstance(error, stripe.StripeError):
        text = error.user_message or error._message or type(error).__name__
        status = f" (HTTP {error.http_status})" if error.http_status else ""
        text = f"{type(error).__name__}{status}: {text}"
    else:
        text = f"{type(error).__name__}: {error}"
    key = current_app.config.get("STRIPE_SECRET_KEY") or ""
    if key:
        text = text.replace(key, "***")
    text = _SECRET_PATTERN.sub(lambda m: f"{m.group(1)}_***", text)
    return text[:300]


def _fail(error: Exception) -> StripeUnavailable:
    if isinstance(error, stripe.InvalidRequestError) and (
        error.http_status == 404 or error.code == "resource_missing"
    ):
        return NotFound(_safe_message(error))
    return StripeUnavailable(_safe_message(error))


# -- Checkout -------------------------------------------------------------------------------------


def create_checkout_session(account_id: str, *, reference: str, idempotency_key: str,
                            amount: Money, description: str, success_url: str, cancel_url: str,
                            customer_email: str, metadata: dict[str, str]) -> CheckoutSession:
    """A Checkout Session for `amount` paid to the partner's `account_id` (a direct charge).

    `success_url` should contain `{CHECKOUT_SESSION_ID}`, which Stripe replaces; the same
    `idempotency_key` (e.g. the proforma's) returns the same session instead of a second one."""
    methods = ["card", *EXTRA_PAYMENT_METHODS.get(amount.currency, ())]
    params: dict[str, Any] = {
        "mode": "payment",
        "line_items": [{
            "quantity": 1,
            "price_data": {
                "currency": amount.currency.lower(),
                "unit_amount": amount.minor,
                "product_data": {"name": description},
            },
        }],
        "payment_method_types": methods,
        "client_reference_id": reference,
        "success_url": success_url,
        "cancel_url": cancel_url,
        "metadata": dict(metadata),
    }
    if customer_email:
        params["customer_email"] = customer_email
    fee = application_fee(amount)
    if fee:
        params["payment_intent_data"] = {"application_fee_amount": fee}
    try:
        session = _client().v1.checkout.sessions.create(
            params,  # type: ignore[arg-type]  # a plain dict; the TypedDicts are exact
            options={"stripe_account": account_id, "idempotency_key": idempotency_key},
        )
    except stripe.StripeError as error:
        raise _fail(error) from None
    if not session.url:
        raise StripeUnavailable(f"Stripe returned session {session.id} without a URL.")
    return CheckoutSession(id=session.id, url=session.url)


def retrieve_session(account_id: str, session_id: str) -> SessionState:
    """The session as Stripe has it now, read on the partner's account (NotFound on another)."""
    try:
        session = _client().v1.checkout.sessions.retrieve(
            session_id, options={"stripe_account": account_id})
    except stripe.StripeError as error:
        raise _fail(error) from None
    data = session.to_dict()  # a StripeObject is not a dict; absent fields are simply missing
    currency = data.get("currency")
    return SessionState(
        id=session.id,
        status=data.get("status"),
        payment_status=data.get("payment_status"),
        amount_total=data.get("amount_total"),
        currency=currency.upper() if currency else None,
        client_reference_id=data.get("client_reference_id"),
        metadata={str(k): str(v) for k, v in (data.get("metadata") or {}).items()},
        account=account_id,
    )


# -- webhooks -------------------------------------------------------------------------------------


def verify_event(payload: bytes, signature_header: str) -> stripe.Event:
    """The event in a webhook body, once its signature (STRIPE_WEBHOOK_SECRET) and timestamp
    (at most five minutes old) check out; InvalidEvent otherwise."""
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET") or ""
    if not secret:
        raise InvalidEvent("STRIPE_WEBHOOK_SECRET is not set: no event can be verified.")
    try:
        return stripe.Webhook.construct_event(payload, signature_header, secret)
    except stripe.SignatureVerificationError as error:
        raise InvalidEvent(f"Bad Stripe signature: {error.user_message or error}") from None
    except (ValueError, TypeError, AttributeError, KeyError) as error:  # not UTF-8 / JSON
        raise InvalidEvent(f"Unreadable Stripe event: {type(error).__name__}") from None


# -- Connect onboarding ---------------------------------------------------------------------------


def create_connected_account(email: str, country: str) -> str:
    """A new connected account for a partner (like a Standard account); its id, "acct_…"."""
    params: dict[str, Any] = {
        "email": email,
        "country": country.upper(),
        "controller": {
            "stripe_dashboard": {"type": "full"},
            "fees": {"payer": "account"},
            "losses": {"payments": "stripe"},
            "requirement_collection": "stripe",
        },
    }
    try:
        account = _client().v1.accounts.create(params)  # type: ignore[arg-type]
    except stripe.StripeError as error:
        raise _fail(error) from None
    return account.id


def account_link(account_id: str, refresh_url: str, return_url: str) -> str:
    """A single-use onboarding address for the partner (expires in minutes: make it on click)."""
    try:
        link = _client().v1.account_links.create({
            "account": account_id,
            "refresh_url": refresh_url,
            "return_url": return_url,
            "type": "account_onboarding",
        })
    except stripe.StripeError as error:
        raise _fail(error) from None
    return link.url


def charges_enabled(account_id: str) -> bool:
    """Whether the partner's account can take payments yet (onboarding finished)."""
    try:
        account = _client().v1.accounts.retrieve(account_id)
    except stripe.StripeError as error:
        raise _fail(error) from None
    return bool(account.to_dict().get("charges_enabled"))
