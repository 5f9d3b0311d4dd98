"""Price-list tables: discount codes and their uses, promotions, price groups.

A partner's promotions and price groups are what its storefront shows (they feed the catalogue
cache, `storefront.caches.FEEDS`); discount codes and their uses are read per checkout and feed
nothing.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storefront.db import Model, PartnerOwned, utcnow


class DiscountCode(PartnerOwned, Model):
    """A code a subscriber types in the cart: a percentage or a fixed amount off an order.

    `uses` counts the uses given (a use of a cancelled proforma is given back); it is raised by a
    conditional update (`uses < max_uses`), so a code is never given more often than allowed,
    however many checkouts claim it at once."""

    __table_args__ = (UniqueConstraint("partner_id", "code"),)

    code: Mapped[str] = mapped_column(String(40))  # upper case
    percent: Mapped[int | None]  # 1-100, or None for a fixed amount
    amount_minor: Mapped[int | None] = mapped_column(BigInteger)  # gross, in `currency`
    currency: Mapped[str] = mapped_column(String(3), default="")
    minimum_minor: Mapped[int] = mapped_column(BigInteger, default=0)  # the order's gross total
    tlds: Mapped[str] = mapped_column(String(1000), default="")  # space-separated; "": every TLD
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]  # the last day it is valid
    max_uses: Mapped[int | None]  # None: unlimited
    uses: Mapped[int] = mapped_column(default=0)
    uses_per_subscriber: Mapped[int | None]  # None: unlimited
    new_subscribers_only: Mapped[bool] = mapped_column(Boolean, default=False)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DiscountUse(PartnerOwned, Model):
    """A code given to a subscriber on a proforma (removed when the proforma is cancelled)."""

    code_id: Mapped[int] = mapped_column(
        ForeignKey("discount_code.id", ondelete="CASCADE"), index=True)
    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("subscriber.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("document.id", ondelete="CASCADE"), index=True)
    used_at: Mapped[datetime] = mapped_column(default=utcnow)


class Promotion(PartnerOwned, Model):
    """A lower price for one TLD's registrations (or one product) for a date range: a price per
    year or a percentage off, for the first year only or for every year (renewals too)."""

    tld: Mapped[str] = mapped_column(String(63), default="")  # ASCII, without the dot
    product_code: Mapped[str] = mapped_column(String(40), default="")
    starts_on: Mapped[date]
    ends_on: Mapped[date]  # the last day it runs
    price_minor: Mapped[int | None] = mapped_column(BigInteger)  # a year's price, gross
    percent: Mapped[int | None]  # 1-99 off
    first_term_only: Mapped[bool] = mapped_column(Boolean, default=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PriceGroup(PartnerOwned, Model):
    """Prices for a group of subscribers ("retail", "agencies -10%"): a percentage off the
    partner's prices, and per-TLD prices overriding them. Subscribers in no group pay the
    default group's prices (or the partner's own, when no group is the default)."""

    __table_args__ = (UniqueConstraint("partner_id", "name"),)

    name: Mapped[str] = mapped_column(String(100))
    percent: Mapped[int] = mapped_column(default=0)  # 0-99 off
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)


class PriceGroupPrice(PartnerOwned, Model):
    """One TLD's prices in a price group (gross, per year, in the TLD's offer currency)."""

    __table_args__ = (UniqueConstraint("group_id", "tld"),)

    group_id: Mapped[int] = mapped_column(
        ForeignKey("price_group.id", ondelete="CASCADE"), index=True)
    tld: Mapped[str] = mapped_column(String(63))
    register_minor: Mapped[int] = mapped_column(BigInteger)
    renew_minor: Mapped[int] = mapped_column(BigInteger)
    transfer_minor: Mapped[int] = mapped_column(BigInteger)


class SubscriberPriceGroup(PartnerOwned, Model):
    """The price group a subscriber is in (at most one)."""

    __table_args__ = (UniqueConstraint("subscriber_id"),)

    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscriber.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(
        ForeignKey("price_group.id", ondelete="CASCADE"), index=True)
