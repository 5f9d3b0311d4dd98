"""The TLD catalogue: the platform's extensions with wholesale prices, and what each partner sells;
and the platform's other products (SSL certificates, hosting plans) with wholesale prices per term.

Money is an integer in minor units with its currency code. A partner's retail price is in the
TLD's wholesale currency, so it can be compared with the wholesale price without conversion.
"""

from __future__ import annotations

from datetime import datetime

import idna
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storefront.db import Model, PartnerOwned, utcnow

TLD_KINDS = ("generic", "country", "functional", "regional", "idn")
OPERATIONS = ("register", "renew", "transfer")
PRODUCT_KINDS = ("ssl", "hosting")
PRODUCT_TERMS = (1, 12, 24)  # months a product may be bought for


class Tld(Model):
    """One extension of the platform catalogue. `name` is ASCII: IDN TLDs are stored in punycode."""

    __table_args__ = (
        CheckConstraint("min_years >= 1 AND max_years >= min_years", name="years"),
        CheckConstraint(
            "register_price >= 0 AND renew_price >= 0 AND transfer_price >= 0", name="prices"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(63), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    register_price: Mapped[int]
    renew_price: Mapped[int]
    transfer_price: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    min_years: Mapped[int] = mapped_column(default=1)
    max_years: Mapped[int] = mapped_column(default=10)
    idn_allowed: Mapped[bool] = mapped_column(default=False)
    backend: Mapped[str] = mapped_column(String(32), default="sandbox")
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def unicode_name(self) -> str:
        """The extension as a visitor reads it: `xn--p1ai` is shown as `рф`."""
        if "xn--" not in self.name:
            return self.name
        try:
            return idna.decode(self.name)
        except idna.IDNAError:
            return self.name

    def wholesale_price(self, operation: str) -> int:
        if operation not in OPERATIONS:
            raise ValueError(f"unknown operation {operation!r}")
        return getattr(self, f"{operation}_price")


class PartnerTld(PartnerOwned, Model):
    """A TLD a partner sells, with its retail prices (minor units, in the TLD's currency)."""

    __table_args__ = (
        UniqueConstraint("partner_id", "tld_id"),
        CheckConstraint(
            "register_price > 0 AND renew_price > 0 AND transfer_price > 0", name="prices"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tld_id: Mapped[int] = mapped_column(ForeignKey("tld.id", ondelete="CASCADE"), index=True)
    register_price: Mapped[int]
    renew_price: Mapped[int]
    transfer_price: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    tld: Mapped[Tld] = relationship(lazy="joined")

    def retail_price(self, operation: str) -> int:
        if operation not in OPERATIONS:
            raise ValueError(f"unknown operation {operation!r}")
        return getattr(self, f"{operation}_price")


class TldGroup(PartnerOwned, Model):
    """A named, ordered list of extensions ("Popular", "Poland"…) searched together.

    The slug appears in embed snippets and frame URLs, so it stays when the group is renamed.
    """

    __table_args__ = (
        UniqueConstraint("partner_id", "slug"),
        # At most one default group per partner.
        Index(
            "uq_tld_group_default",
            "partner_id",
            unique=True,
            sqlite_where=text("is_default"),
            postgresql_where=text("is_default"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(63))
    name: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(default=0)
    is_default: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    items: Mapped[list[TldGroupItem]] = relationship(
        back_populates="group",
        cascade="all, delete-orphan",
        order_by="TldGroupItem.position",
    )

    @property
    def tld_names(self) -> list[str]:
        return [item.tld.name for item in self.items]


class TldGroupItem(PartnerOwned, Model):
    """One extension in a TLD group. Carries partner_id so the tenancy backstop covers it."""

    __table_args__ = (UniqueConstraint("group_id", "tld_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("tld_group.id", ondelete="CASCADE"), index=True
    )
    tld_id: Mapped[int] = mapped_column(ForeignKey("tld.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)

    group: Mapped[TldGroup] = relationship(back_populates="items")
    tld: Mapped[Tld] = relationship(lazy="joined")


class Product(Model):
    """An SSL certificate or a hosting plan of the platform catalogue. `code` is a lower-case slug
    ("ssl-dv", "hosting-start") that names it in URLs and files; it never changes once created.
    A disabled product keeps its rows (and its terms): it is only not offered."""

    __table_args__ = (CheckConstraint("kind IN ('ssl', 'hosting')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(String(500), default="")
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    terms: Mapped[list[ProductTerm]] = relationship(
        back_populates="product",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ProductTerm.months",
    )

    def term(self, months: int) -> ProductTerm | None:
        return next((term for term in self.terms if term.months == months), None)


class ProductTerm(Model):
    """A term a product is offered for (1, 12 or 24 months) with its wholesale price, in minor
    units of `currency`."""

    __table_args__ = (
        UniqueConstraint("product_id", "months"),
        CheckConstraint("months IN (1, 12, 24)", name="months"),
        CheckConstraint("wholesale_price > 0", name="price"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("product.id", ondelete="CASCADE"), index=True)
    months: Mapped[int]
    wholesale_price: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))

    product: Mapped[Product] = relationship(back_populates="terms")
