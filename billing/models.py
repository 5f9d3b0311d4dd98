"""Billing tables."""

from __future__ import annotations

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storefront.db import Model, PartnerOwned


class DocumentCounter(PartnerOwned, Model):
    """The last number a partner gave in one series and year (`FV` invoices, `PF` proformas, `KOR`
    credit notes). A row is locked by the transaction that takes a number until it commits, so
    numbers are given in order, once, and a rolled-back document gives its number back."""

    __table_args__ = (UniqueConstraint("partner_id", "series", "year"),)

    series: Mapped[str] = mapped_column(String(8))
    year: Mapped[int]
    last_number: Mapped[int] = mapped_column(default=0)
