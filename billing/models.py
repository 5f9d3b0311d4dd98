"""Billing tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

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
    invoice_note: Mapped[str] = mapped_column(String(500), default="")
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
