"""Billing tables."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storefront.db import Model, PartnerOwned, utcnow


class DocumentCounter(PartnerOwned, Model):
    """The last number a partner gave in one series and year (`FV` invoices, `PF` proformas, `KOR`
    credit notes). A row is locked by the transaction that takes a number until it commits, so
    numbers are given in order, once, and a rolled-back document gives its number back."""

    __table_args__ = (UniqueConstraint("partner_id", "series", "year"),)

    series: Mapped[str] = mapped_column(String(8))
    year: Mapped[int]
    last_number: Mapped[int] = mapped_column(default=0)


class BillingProfile(PartnerOwned, Model):
    """Who a subscriber's documents are made out to: given once, used on every proforma and
    invoice (a document copies it when issued, so a later change never alters an issued one)."""

    __table_args__ = (UniqueConstraint("subscriber_id"),)

    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("subscriber.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(10))  # "consumer" or "business"
    name: Mapped[str] = mapped_column(String(200))  # the person's or the company's
    street: Mapped[str] = mapped_column(String(200))
    postal_code: Mapped[str] = mapped_column(String(20))
    city: Mapped[str] = mapped_column(String(100))
    country: Mapped[str] = mapped_column(String(2))  # ISO 3166-1 alpha-2
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str] = mapped_column(String(20))  # E.164
    # A business's: NIP (10 digits) in Poland, an EU VAT number with its country prefix
    # elsewhere in the EU, as written in its country outside it.
    tax_id: Mapped[str] = mapped_column(String(40), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SellerSettings(PartnerOwned, Model):
    """The partner as the seller on its documents, and how its documents are made: one row per
    partner. Kept as given; a document copies them when issued, so a later change never alters
    an issued one."""

    __table_args__ = (UniqueConstraint("partner_id"),)

    name: Mapped[str] = mapped_column(String(200), default="")
    street: Mapped[str] = mapped_column(String(200), default="")
    postal_code: Mapped[str] = mapped_column(String(20), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    country: Mapped[str] = mapped_column(String(2), default="PL")  # ISO 3166-1 alpha-2
    tax_id: Mapped[str] = mapped_column(String(40), default="")  # a NIP in Poland
    bank_account: Mapped[str] = mapped_column(String(34), default="")  # IBAN, compact
    bank_name: Mapped[str] = mapped_column(String(100), default="")
    # Percent with at most two decimals, as text ("23", "8.5"): exact on every database.
    vat_rate: Mapped[str] = mapped_column(String(6), default="23")
    language: Mapped[str] = mapped_column(String(2), default="pl")  # of documents: "pl" or "en"
    renewal_lead_days: Mapped[int] = mapped_column(default=30)
    # After the expiry date (billing.renewals): a gTLD domain stays in its grace state this many
    # days (inside the registry's 45-day auto-renew grace), then is terminated; a hosting plan is
    # suspended after `hosting_suspend_days` and terminated after `hosting_terminate_days`.
    grace_days: Mapped[int] = mapped_column(default=30, server_default="30")
    hosting_suspend_days: Mapped[int] = mapped_column(default=7, server_default="7")
    hosting_terminate_days: Mapped[int] = mapped_column(default=30, server_default="30")
    invoice_note: Mapped[str] = mapped_column(String(500), default="")
    # The partner's Stripe connected account (acct_…), once onboarding through an Account Link
    # started; online payment is offered when Stripe says it may take charges.
    stripe_account_id: Mapped[str] = mapped_column(String(255), default="")
    stripe_charges_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class BalanceEntry(PartnerOwned, Model):
    """One booking on a partner's wholesale balance at the platform, in `currency`'s minor units:
    a credit (the platform booked the partner's bank transfer) is positive, a debit (a wholesale
    purchase, paid when a subscriber's payment arrives) negative. Append-only: an entry is never
    changed or deleted; a correction is a new entry (kind "adjustment"). The balance is their
    sum (billing.balance)."""

    __table_args__ = (Index("ix_balance_entry_partner_id_id", "partner_id", "id"),)

    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    kind: Mapped[str] = mapped_column(String(12))  # "credit", "debit" or "adjustment"
    reference: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )


@event.listens_for(BalanceEntry, "before_update")
@event.listens_for(BalanceEntry, "before_delete")
def _append_only(mapper, connection, entry: BalanceEntry) -> None:
    """The ledger is append-only: a correction is a new entry, never a changed or removed one."""
    raise ValueError(f"balance entry {entry.id} is booked: add a correcting entry instead")


# -- what subscribers hold, the documents that sell it, and the payments for them ----------------

SERVICE_KINDS = ("domain", "ssl", "hosting")
# pending: ordered, its proforma unpaid · activating: paid, provisioning queued · waiting: paid,
# the partner's balance is short · failed: provisioning gave up (a retry may still activate it) ·
# active · expired / grace / blocked / suspended / terminated: after the expiry date (renewals) ·
# cancelled: its proforma was cancelled before payment.
SERVICE_STATUSES = ("pending", "activating", "waiting", "failed", "active", "expired", "grace",
                    "blocked", "suspended", "terminated", "cancelled")


class Service(PartnerOwned, Model):
    """Something a subscriber holds or has ordered: a domain, an SSL certificate or a hosting
    plan. A domain's `name` is its ASCII (punycode) name; a product's is the product's name and
    `product_code` its code."""

    __table_args__ = (Index("ix_service_partner_status", "partner_id", "status"),)

    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("subscriber.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(253))
    product_code: Mapped[str] = mapped_column(String(40), default="")
    backend: Mapped[str] = mapped_column(String(40), default="")  # a domain's registrar backend
    status: Mapped[str] = mapped_column(String(12), default="pending")
    expires_at: Mapped[datetime | None]
    auto_renew: Mapped[bool] = mapped_column(Boolean, default=True)
    # A transfer's code until the transfer is asked for (then cleared); never shown again.
    transfer_code: Mapped[str] = mapped_column(String(100), default="")
    # Nameservers a subscriber set (space-separated); empty: the registrar's defaults.
    nameservers: Mapped[str] = mapped_column(String(1100), default="")
    last_error: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    activated_at: Mapped[datetime | None]


# What `flask renewals` does once per service term (the expiry it renews): the renewal proforma,
# the reminders 14, 7 and 1 days before the expiry and 3 days after it.
RENEWAL_NOTICE_KINDS = ("proforma", "remind-14", "remind-7", "remind-1", "expired+3")


class RenewalNotice(PartnerOwned, Model):
    """One thing `flask renewals` did for one term of a service. The row is its claim: it is
    inserted with `ON CONFLICT DO NOTHING` in the transaction that does the work, so runs that
    overlap never issue a proforma or send a reminder twice."""

    __table_args__ = (UniqueConstraint("service_id", "expires_at", "kind"),)

    service_id: Mapped[int] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"))
    expires_at: Mapped[datetime]  # the term: the expiry it renews
    kind: Mapped[str] = mapped_column(String(10))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


DOCUMENT_KINDS = {"proforma": "PF", "invoice": "FV", "credit_note": "KOR"}


class Document(PartnerOwned, Model):
    """A proforma, VAT invoice or credit note, as issued: the seller and buyer are copied in, the
    lines and totals fixed. An invoice or credit note never changes once issued (a correction is
    a credit note); a proforma changes only its `status` (unpaid → paid or cancelled), `paid_at`
    and the invoice it led to."""

    __table_args__ = (
        UniqueConstraint("partner_id", "series", "year", "sequence"),
        Index("ix_document_partner_kind_id", "partner_id", "kind", "id"),
    )

    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("subscriber.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[str] = mapped_column(String(12))
    series: Mapped[str] = mapped_column(String(8))
    year: Mapped[int]
    sequence: Mapped[int]
    number: Mapped[str] = mapped_column(String(30))
    # Proformas: unpaid, paid, cancelled. Invoices and credit notes: issued.
    status: Mapped[str] = mapped_column(String(10), default="issued")
    purpose: Mapped[str] = mapped_column(String(10), default="order")  # order, renewal, manual
    language: Mapped[str] = mapped_column(String(2), default="pl")
    currency: Mapped[str] = mapped_column(String(3))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    supplied_on: Mapped[date | None]  # invoices: the date of supply (the payment's, here)
    due_on: Mapped[date | None]  # proformas: pay by
    paid_at: Mapped[datetime | None]
    seller: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    buyer: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    reverse_charge: Mapped[bool] = mapped_column(Boolean, default=False)
    net_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    vat_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    gross_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    # Per rate: [{"rate": "23", "net": 1000, "vat": 230, "gross": 1230}], highest rate first.
    rates: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    annotations: Mapped[list[str]] = mapped_column(JSON, default=list)
    bank_account: Mapped[str] = mapped_column(String(34), default="")
    transfer_title: Mapped[str] = mapped_column(String(140), default="")
    # An invoice's proforma; a credit note's invoice. A proforma's invoice is `invoice_id`.
    source_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    created_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )

    lines: Mapped[list[DocumentLine]] = relationship(
        back_populates="document", order_by="DocumentLine.position",
        cascade="all, delete-orphan", passive_deletes=True,
    )


class DocumentLine(PartnerOwned, Model):
    """One line of a document: what is sold, for which period, at which price. Amounts are the
    whole line's, in the document's currency; `gross_minor` is what the subscriber pays (partners'
    prices include VAT) and `wholesale_minor` what the partner pays the platform for it."""

    document_id: Mapped[int] = mapped_column(
        ForeignKey("document.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    description: Mapped[str] = mapped_column(String(300))
    service_id: Mapped[int | None] = mapped_column(ForeignKey("service.id", ondelete="SET NULL"))
    operation: Mapped[str] = mapped_column(String(10))  # register, transfer, renew, order
    term: Mapped[int]  # years for a domain, months for a product
    term_unit: Mapped[str] = mapped_column(String(5), default="year")
    period_from: Mapped[date | None]
    period_to: Mapped[date | None]
    vat_rate: Mapped[str] = mapped_column(String(6))  # percent as text; "np" under reverse charge
    gross_minor: Mapped[int] = mapped_column(BigInteger)
    wholesale_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    wholesale_currency: Mapped[str] = mapped_column(String(3), default="")

    document: Mapped[Document] = relationship(back_populates="lines")


PAYMENT_METHODS = ("transfer", "stripe")
# received: counts towards its proforma · failed: an online attempt that failed · mismatch: the
# amount or currency differs from the proforma (recorded for the partner, nothing activated).
PAYMENT_STATUSES = ("received", "failed", "mismatch")


class Payment(PartnerOwned, Model):
    """Money a subscriber paid (or tried to pay) for a proforma. A Stripe payment's `reference`
    is its Checkout Session id, unique, so a session fulfilled twice records one payment."""

    __table_args__ = (UniqueConstraint("method", "reference"),)

    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"), index=True)
    method: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default="received")
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    reference: Mapped[str] = mapped_column(String(200))
    received_on: Mapped[date]
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )


class StripeEvent(Model):
    """A Stripe event id, kept once it is handled, so a redelivered event changes nothing."""

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[str] = mapped_column(String(80))
    account: Mapped[str] = mapped_column(String(255), default="")
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


_PROFORMA_MAY_CHANGE = frozenset({"status", "paid_at", "invoice_id"})


@event.listens_for(Document, "before_update")
def _issued(mapper, connection, document: Document) -> None:
    """An issued invoice or credit note never changes; a proforma only moves on its status."""
    from sqlalchemy import inspect

    changed = {attr.key for attr in inspect(document).attrs if attr.history.has_changes()}
    changed.discard("lines")
    allowed = _PROFORMA_MAY_CHANGE if document.kind == "proforma" else frozenset()
    if changed - allowed:
        raise ValueError(f"document {document.number} is issued: {sorted(changed - allowed)} "
                         "cannot change (a correction is a credit note)")
