"""Paying a proforma: the payment, the VAT invoice, the wholesale debit and activation, at once.

`pay` is the one way a proforma becomes paid, whether a partner books a bank transfer in the
panel (`record_transfer`) or Stripe reports a Checkout Session paid (billing.stripe_payments). In
the caller's transaction it:

1. moves the proforma from unpaid to paid with one conditional UPDATE, so of two payments racing
   for one proforma exactly one goes on (the other is refused, or recorded as not matching);
2. issues the VAT invoice (its number taken in this transaction: gapless);
3. debits the partner's wholesale balance with the lines' wholesale prices and queues a
   provisioning job per line (billing.provisioning), or, when the balance is short, leaves the
   services waiting with the reason for the partner to see; the payment and invoice stand.

A payment whose amount or currency differs from the proforma's is recorded as "mismatch" for the
partner to look at, and activates nothing.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import CursorResult, select, update

from billing import provisioning
from billing.documents import find_document, issue_invoice, local_today
from billing.models import Document, Payment, Service
from billing.text import one_line
from storefront.db import db, utcnow
from storefront.i18n import gettext as _
from storefront.models import User
from storefront.money import Money
from storefront.services.errors import InvalidInput
from storefront.tenancy import Tenant

REFERENCE_LIMIT = 200


class NotPayable(InvalidInput):
    """The proforma is paid or cancelled already."""


def record_transfer(partner: Tenant, proforma: Document, amount: Money, received_on: date,
                    reference: str, by_user: User | None) -> Payment:
    """Book a bank transfer the partner received for `proforma`; a full payment pays it (see
    `pay`), any other amount is kept as a mismatch and changes nothing else."""
    _payable(partner, proforma)
    clean = one_line({"reference": reference}, {"reference": REFERENCE_LIMIT})["reference"]
    if not clean:
        raise InvalidInput(_("Give the transfer's title or bank reference."), "reference")
    if received_on > local_today():
        raise InvalidInput(_("A transfer can't be received in the future."), "received_on")
    payment = Payment(partner_id=partner.id, document_id=proforma.id, method="transfer",
                      amount_minor=amount.minor, currency=amount.currency,
                      reference=(clean if proforma.number in clean
                                 else f"{proforma.number}: {clean}")[:REFERENCE_LIMIT],
                      received_on=received_on,
                      created_by_user_id=by_user.id if by_user is not None else None)
    return settle(partner, proforma, payment)


def settle(partner: Tenant, proforma: Document, payment: Payment) -> Payment:
    """Record `payment` of `proforma` and, when it pays it in full, pay it."""
    if payment.amount_minor != proforma.gross_minor or payment.currency != proforma.currency:
        payment.status = "mismatch"
        payment.note = (f"expected {Money(proforma.gross_minor, proforma.currency).format('en')}, "
                        f"received {Money(payment.amount_minor, payment.currency).format('en')}")
        db.session.add(payment)
        db.session.flush()
        return payment
    db.session.add(payment)
    db.session.flush()
    pay(partner, proforma, payment.received_on)
    return payment


def pay(partner: Tenant, proforma: Document, supplied_on: date) -> Document:
    """Mark `proforma` paid, issue its VAT invoice and start activation; the invoice."""
    _payable(partner, proforma)
    now = utcnow()
    moved = db.session.execute(
        update(Document)
        .where(Document.id == proforma.id, Document.partner_id == partner.id,
               Document.kind == "proforma", Document.status == "unpaid")
        .values(status="paid", paid_at=now)
        .execution_options(synchronize_session=False)
    )
    if not _one_row(moved):
        raise NotPayable(_("Proforma %(number)s is already paid or cancelled.",
                           number=proforma.number), "proforma")
    db.session.refresh(proforma)
    invoice = issue_invoice(partner, proforma, supplied_on)
    provisioning.start(partner, invoice)
    return invoice


def cancel(partner: Tenant, proforma: Document) -> None:
    """Cancel an unpaid proforma; the services it ordered (never activated) are cancelled too."""
    _payable(partner, proforma)
    moved = db.session.execute(
        update(Document)
        .where(Document.id == proforma.id, Document.status == "unpaid")
        .values(status="cancelled")
        .execution_options(synchronize_session=False)
    )
    if not _one_row(moved):
        raise NotPayable(_("Proforma %(number)s is already paid or cancelled.",
                           number=proforma.number), "proforma")
    from billing.discounts import give_back  # a discount code's use returns to it
    give_back(partner, proforma)
    ordered = [line.service_id for line in proforma.lines
               if line.service_id is not None and line.operation != "renew"]
    if ordered:
        db.session.execute(
            update(Service)
            .where(Service.id.in_(ordered), Service.partner_id == partner.id,
                   Service.status == "pending")
            .values(status="cancelled")
            .execution_options(synchronize_session=False))
    db.session.refresh(proforma)


def _one_row(result: object) -> bool:
    return isinstance(result, CursorResult) and result.rowcount == 1


def _payable(partner: Tenant, proforma: Document) -> None:
    if proforma.partner_id != partner.id or proforma.kind != "proforma":
        raise LookupError("not a proforma of this partner")
    if proforma.status != "unpaid":
        raise NotPayable(_("Proforma %(number)s is already paid or cancelled.",
                           number=proforma.number), "proforma")


def payments_of(partner: Tenant, proforma: Document | None = None,
                limit: int = 200) -> list[Payment]:
    """The partner's payments, newest first (one proforma's, when given)."""
    query = (select(Payment).where(Payment.partner_id == partner.id)
             .order_by(Payment.id.desc()).limit(limit))
    if proforma is not None:
        query = query.where(Payment.document_id == proforma.id)
    return list(db.session.scalars(query))


def proforma_of(partner: Tenant, proforma_id: int) -> Document | None:
    return find_document(partner, proforma_id, "proforma")
