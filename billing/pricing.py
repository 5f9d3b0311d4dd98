"""What a subscriber pays for a TLD today: the partner's price, or its price group's, lowered by a
running promotion.

The partner's promotions and price groups are loaded with one query each and kept per process
beside its catalogue (`tenancy.partner_cached`, built from the catalogue kind: a commit that
changes one of them forgets them). Promotions not yet started are kept too and picked by today's
date when a price is asked for, so a promotion starts at midnight without a change to forget.

A price is per year, gross (partners' prices include VAT). A promotion lowers registrations: its
price or percentage applies to the first year, or to every year (renewals too, while it runs);
transfers keep their price. A promotion never raises a price.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from billing.documents import local_today
from billing.pricing_models import PriceGroup, PriceGroupPrice, Promotion, SubscriberPriceGroup
from storefront.caches import CATALOGUE
from storefront.db import db, read_committed
from storefront.tenancy import Tenant, partner_cached

PROMOTIONS_KEY = "pricing:promotions"
GROUPS_KEY = "pricing:groups"
_FROM_CATALOGUE = frozenset({CATALOGUE})


@dataclass(frozen=True)
class PromotionView:
    id: int
    tld: str
    product_code: str
    starts_on: date
    ends_on: date
    price_minor: int | None
    percent: int | None
    first_term_only: bool

    def runs_on(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on

    def lowered(self, regular: int) -> int:
        """A year's price under this promotion (never above `regular`)."""
        if self.price_minor is not None:
            return min(regular, self.price_minor)
        return regular - percent_of(regular, self.percent or 0)


@dataclass(frozen=True)
class GroupView:
    id: int
    name: str
    percent: int
    is_default: bool
    prices: dict[str, tuple[int, int, int]]  # tld → (register, renew, transfer)


@dataclass(frozen=True)
class YearPrices:
    """A TLD's prices per year for one subscriber today, and the regular ones they lower."""

    register: int
    renew: int
    transfer: int
    first_register: int  # the first year of a registration, a promotion applied
    later_register: int  # each further year of a registration
    renewal: int  # a year of a renewal
    promotion: PromotionView | None

    def line(self, operation: str, years: int) -> int:
        """The whole line's price: the first year, then renewals."""
        if operation == "transfer":
            return self.transfer + self.renew * (years - 1)
        if operation == "renew":
            return self.renewal * years
        return self.first_register + self.later_register * (years - 1)

    def regular_line(self, operation: str, years: int) -> int:
        first = {"transfer": self.transfer, "renew": self.renew}.get(operation, self.register)
        return first + self.renew * (years - 1)


def percent_of(amount: int, percent: int) -> int:
    """`percent` % of `amount` minor units, rounded half up."""
    return (amount * percent * 2 + 100) // 200


# -- promotions ------------------------------------------------------------------------------


def promotions(partner: Tenant) -> tuple[PromotionView, ...]:
    return partner_cached(partner.id, PROMOTIONS_KEY, lambda: _load_promotions(partner.id),
                          _FROM_CATALOGUE)


def _load_promotions(partner_id: int) -> tuple[PromotionView, ...]:
    with db.engine.connect() as connection:
        rows = connection.execute(
            select(Promotion.id, Promotion.tld, Promotion.product_code, Promotion.starts_on,
                   Promotion.ends_on, Promotion.price_minor, Promotion.percent,
                   Promotion.first_term_only)
            .where(Promotion.partner_id == partner_id, Promotion.enabled.is_(True),
                   Promotion.ends_on >= local_today())
            .order_by(Promotion.id)).all()
    return tuple(PromotionView(*row) for row in rows)


def running_promotion(partner: Tenant, tld: str, regular: int,
                      day: date | None = None) -> PromotionView | None:
    """The promotion of `tld` running on `day` that lowers `regular` most, or None."""
    day = day or local_today()
    best: PromotionView | None = None
    for promotion in promotions(partner):
        if promotion.tld == tld and promotion.runs_on(day):
            if best is None or promotion.lowered(regular) < best.lowered(regular):
                best = promotion
    return best if best is not None and best.lowered(regular) < regular else None


# -- price groups ----------------------------------------------------------------------------


def groups(partner: Tenant) -> tuple[GroupView, ...]:
    return partner_cached(partner.id, GROUPS_KEY, lambda: _load_groups(partner.id),
                          _FROM_CATALOGUE)


def _load_groups(partner_id: int) -> tuple[GroupView, ...]:
    with db.engine.connect() as connection:
        rows = connection.execute(
            select(PriceGroup.id, PriceGroup.name, PriceGroup.percent, PriceGroup.is_default)
            .where(PriceGroup.partner_id == partner_id).order_by(PriceGroup.name)).all()
        prices = connection.execute(
            select(PriceGroupPrice.group_id, PriceGroupPrice.tld, PriceGroupPrice.register_minor,
                   PriceGroupPrice.renew_minor, PriceGroupPrice.transfer_minor)
            .where(PriceGroupPrice.partner_id == partner_id)).all()
    by_group: dict[int, dict[str, tuple[int, int, int]]] = {}
    for group_id, tld, register, renew, transfer in prices:
        by_group.setdefault(group_id, {})[tld] = (register, renew, transfer)
    return tuple(GroupView(row.id, row.name, row.percent, row.is_default,
                           by_group.get(row.id, {})) for row in rows)


def group_of(partner: Tenant, subscriber: Any | None) -> GroupView | None:
    """The subscriber's price group: the one they are in, else the default group (also for a
    visitor nobody knows), else None."""
    known = groups(partner)
    if not known:
        return None
    chosen_id = None
    if subscriber is not None and getattr(subscriber, "partner_id", None) == partner.id:
        chosen_id = db.session.scalar(
            select(SubscriberPriceGroup.group_id).where(
                SubscriberPriceGroup.partner_id == partner.id,
                SubscriberPriceGroup.subscriber_id == subscriber.id))
    return next((group for group in known if group.id == chosen_id), None) or next(
        (group for group in known if group.is_default), None)


# -- the price ---------------------------------------------------------------------------------


def year_prices(partner: Tenant, row: dict[str, Any], group: GroupView | None = None,
                day: date | None = None) -> YearPrices:
    """`row` is the catalogue's offer of one TLD (`partner_catalogue.catalogue(...).tlds[tld]`)."""
    register, renew, transfer = row["register_minor"], row["renew_minor"], row["transfer_minor"]
    if group is not None:
        if row["tld"] in group.prices:
            register, renew, transfer = group.prices[row["tld"]]
        elif group.percent:
            register, renew, transfer = (price - percent_of(price, group.percent)
                                         for price in (register, renew, transfer))
    promotion = running_promotion(partner, row["tld"], register, day)
    first = later = renewal = None
    if promotion is not None:
        first = promotion.lowered(register)
        if not promotion.first_term_only:
            later = promotion.lowered(renew)
            renewal = later
    return YearPrices(register, renew, transfer, first if first is not None else register,
                      later if later is not None else renew,
                      renewal if renewal is not None else renew, promotion)


def regular_price(partner: Tenant, row: dict[str, Any]) -> int | None:
    """A year's registration price to strike through next to today's promotional one, or None
    when no promotion lowers it (for visitors, who pay the default prices)."""
    prices = year_prices(partner, row, group_of(partner, None))
    return prices.register if prices.first_register < prices.register else None


def promoted_row(partner: Tenant, row: dict[str, Any], subscriber: Any | None = None
                 ) -> dict[str, Any]:
    """The catalogue row with this subscriber's prices today (the regular ones kept as
    `regular_*_minor`), for price tables and search results."""
    prices = year_prices(partner, row, group_of(partner, subscriber))
    return {**row, "register_minor": prices.first_register, "renew_minor": prices.renewal,
            "transfer_minor": prices.transfer, "regular_register_minor": prices.register}
