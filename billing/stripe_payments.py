"""Paying a proforma online with Stripe: starting Checkout, and fulfilling a paid session.

A subscriber pays on Stripe Checkout, in the top window, on the partner's connected account (see
billing.stripe_gateway). The session names its proforma (`client_reference_id` "proforma:<id>" and
the same in its metadata). Two roads lead to fulfilment, and both end in `fulfil`, given the
session as Stripe states it when re-read (never as a request claims it):

- the return page, right after Checkout, so the subscriber sees the result without waiting;
- the webhook (`handle_event`): `checkout.session.completed` with payment_status "paid",
  `checkout.session.async_payment_succeeded` (BLIK and Przelewy24 may settle later) and
  `…_async_payment_failed` (the attempt is recorded as failed). Each event id is stored once.

`fulfil` is idempotent: the payment's reference is the session id, unique, so a session reported
five times records one payment and pays its proforma once. The amount and currency are compared
with the proforma; a difference is recorded as a mismatch for the partner and activates nothing.
A session on another account than the proforma's partner's changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from billing import settings as seller
from billing import stripe_gateway as gateway
from billing.documents import local_today
from billing.models import Document, Payment, SellerSettings, StripeEvent
from billing.payments import NotPayable, settle
from storefront.db import db, insert_once, utcnow
from storefront.i18n import gettext as _
from storefront.models import Partner
from storefront.money import Money
from storefront.services.errors import InvalidInput
from storefront.tenancy import Tenant

FULFILLING = ("checkout.session.completed", "checkout.session.async_payment_succeeded")
FAILED = "checkout.session.async_payment_failed"


@dataclass(frozen=True)
class Outcome:
    """What a fulfilment did: "paid" (this call or an earlier one paid the proforma), "pending"
    (the payment is not settled yet), "failed", "mismatch", or "ignored" (not ours)."""

    state: str
    payment: Payment | None = None


def reference(proforma: Document) -> str:
    return f"proforma:{proforma.id}"


def online_account(partner: Tenant) -> str | None:
    """The partner's connected Stripe account when online payment can be offered, else None."""
    if not gateway.is_configured():
        return None
    settings = seller.seller_settings(partner)
    if settings is None or not settings.stripe_account_id or not settings.stripe_charges_enabled:
        return None
    return settings.stripe_account_id


def start_checkout(partner: Tenant, proforma: Document, success_url: str, cancel_url: str
                   ) -> gateway.CheckoutSession:
    """A Checkout Session for the unpaid `proforma` (the same one again for a second click the
    same day: the idempotency key is the proforma's and the day's)."""
    if proforma.partner_id != partner.id or proforma.kind != "proforma":
        raise LookupError("not a proforma of this partner")
    if proforma.status != "unpaid":
        raise InvalidInput(_("Proforma %(number)s is already paid or cancelled.",
                             number=proforma.number), "proforma")
    account = online_account(partner)
    if account is None:
        raise InvalidInput(_("Online payment is not available in this shop: please pay by "
                             "bank transfer."), "proforma")
    try:
        return gateway.create_checkout_session(
            account, reference=reference(proforma),
            idempotency_key=f"{reference(proforma)}:{proforma.gross_minor}:{local_today()}",
            amount=Money(proforma.gross_minor, proforma.currency),
            description=proforma.number, success_url=success_url, cancel_url=cancel_url,
            customer_email=str(proforma.buyer.get("email", "")),
            metadata={"proforma_id": str(proforma.id), "partner_id": str(partner.id)})
    except gateway.StripeUnavailable:
        raise InvalidInput(_("Online payment is unavailable at the moment. Please try again in a "
                             "few minutes or pay by bank transfer."), "proforma") from None


def proforma_of_session(partner: Tenant, session: gateway.SessionState) -> Document | None:
    """The partner's proforma a session was made for, or None when it names none of them."""
    ref = session.client_reference_id or ""
    if not ref.startswith("proforma:") or session.metadata.get("proforma_id") != ref[9:]:
        return None
    try:
        proforma_id = int(ref[9:])
    except ValueError:
        return None
    proforma = db.session.get(Document, proforma_id)
    if proforma is None or proforma.partner_id != partner.id or proforma.kind != "proforma":
        return None
    return proforma


def fulfil(partner: Tenant, session: gateway.SessionState) -> Outcome:
    """Record what the session says about its proforma, once, and pay the proforma when the
    session is paid in full. `session` must be as Stripe states it (re-read), on `partner`'s
    connected account."""
    settings = seller.seller_settings(partner)
    if settings is None or not session.account or session.account != settings.stripe_account_id:
        return Outcome("ignored")
    proforma = proforma_of_session(partner, session)
    if proforma is None:
        return Outcome("ignored")
    if not session.paid:
        return Outcome("pending")
    payment = _new_payment(partner, proforma, session, "received")
    if payment is None:  # fulfilled before (or right now, by a concurrent delivery)
        existing = _payment(session.id)
        return Outcome("paid" if existing is None or existing.status == "received"
                       else existing.status, existing)
    recorded = _record(partner, proforma, payment)
    return Outcome("paid" if recorded.status == "received" else recorded.status, recorded)


def _new_payment(partner: Tenant, proforma: Document, session: gateway.SessionState,
                 status: str, note: str = "") -> Payment | None:
    """The session's payment, recorded now; None when it is recorded already."""
    payment_id = insert_once(Payment, {
        "partner_id": partner.id, "document_id": proforma.id, "method": "stripe",
        "status": status, "amount_minor": int(session.amount_total or 0),
        "currency": session.currency or proforma.currency, "reference": session.id,
        "received_on": local_today(), "note": note, "created_at": utcnow(),
    }, ["method", "reference"])
    return db.session.get(Payment, payment_id) if payment_id is not None else None


def _record(partner: Tenant, proforma: Document, payment: Payment) -> Payment:
    try:
        return settle(partner, proforma, payment)
    except NotPayable:
        # Paid another way meanwhile (a transfer), or cancelled: the money is kept on record
        # for the partner to refund or credit; nothing is paid twice.
        payment.status = "mismatch"
        payment.note = f"{proforma.number} was already {proforma.status} when this arrived"
        db.session.add(payment)
        db.session.flush()
        return payment


def fail(partner: Tenant, session: gateway.SessionState) -> Outcome:
    """Record a failed asynchronous payment (BLIK, Przelewy24) of a session, once."""
    settings = seller.seller_settings(partner)
    proforma = proforma_of_session(partner, session)
    if settings is None or session.account != settings.stripe_account_id or proforma is None:
        return Outcome("ignored")
    payment = _new_payment(partner, proforma, session, "failed", "the payment failed at Stripe")
    return Outcome("failed", payment) if payment is not None else Outcome("ignored")


def _payment(session_id: str) -> Payment | None:
    return db.session.scalar(select(Payment).where(Payment.method == "stripe",
                                                   Payment.reference == session_id))


def partner_of_account(account: str) -> Partner | None:
    if not account:
        return None
    return db.session.scalar(
        select(Partner).join(SellerSettings, SellerSettings.partner_id == Partner.id)
        .where(SellerSettings.stripe_account_id == account))


def handle_event(event: Any) -> str:
    """Act on a verified webhook event, once per event id; what was done, for the log."""
    kind = str(getattr(event, "type", ""))
    account = str(getattr(event, "account", "") or "")
    if kind not in (*FULFILLING, FAILED):
        return "ignored"
    if insert_once(StripeEvent, {"event_id": str(event.id), "kind": kind, "account": account,
                                 "received_at": utcnow()}, ["event_id"]) is None:
        return "duplicate"
    partner = partner_of_account(account)
    if partner is None:
        return "ignored"
    session_id = str(event.data.object.id)
    session = gateway.retrieve_session(account, session_id)  # as Stripe states it now
    # The session as it is now decides: a "failed" event of a session paid since is fulfilled.
    outcome = fail(partner, session) if kind == FAILED and not session.paid else fulfil(
        partner, session)
    return outcome.state
