"""What a subscriber pays for a TLD today: the partner's price, or its price group's, lowered by a
running promotion.

The partner's promotions and price groups come with its cached catalogue, in the same query
(`partner_catalogue`: a commit that changes one of them forgets it). Promotions not yet started
are kept too and picked by today's date when a price is asked for, so a promotion starts at
midnight without a change to forget.

A price is per year, gross (partners' prices include VAT). A promotion lowers registrations: its
price or percentage applies to the first year, or to every year (renewals too, while it runs);
transfers keep their price. A promotion never raises a price.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import idna
from sqlalchemy import select

from billing.documents import local_today
from billing.pricing_models import PriceGroup, PriceGroupPrice, Promotion, SubscriberPriceGroup
from storefront.db import db
from storefront.i18n import gettext as _
from storefront.services.partner_catalogue import PriceGroupView as GroupView
from storefront.services.partner_catalogue import PromotionView, catalogue, percent_of
from storefront.tenancy import Tenant


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


# -- promotions ------------------------------------------------------------------------------


def promotions(partner: Tenant) -> tuple[PromotionView, ...]:
    return catalogue(partner).promotions


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
    return catalogue(partner).price_groups


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


def promoted_row(partner: Tenant, row: dict[str, Any], group: GroupView | None = None
                 ) -> dict[str, Any]:
    """The catalogue row with the group's prices today (the regular registration price kept as
    `regular_register_minor`), for price tables and search results."""
    prices = year_prices(partner, row, group)
    return {**row, "register_minor": prices.first_register, "renew_minor": prices.renewal,
            "transfer_minor": prices.transfer, "regular_register_minor": prices.register}


# -- the partner's promotions and price groups (panel) -----------------------------------------


@dataclass(frozen=True)
class PromotionFields:
    """A promotion as the panel's form gives it, checked by `save_promotion`."""

    tld: str
    starts_on: date | None
    ends_on: date | None
    kind: str  # "price" (a year's price) or "percent"
    value: str
    first_term_only: bool = True
    enabled: bool = True


def promotions_of(partner: Tenant) -> list[Promotion]:
    return list(db.session.scalars(select(Promotion).where(
        Promotion.partner_id == partner.id).order_by(Promotion.starts_on.desc(), Promotion.id)))


def save_promotion(partner: Tenant, fields: PromotionFields,
                   existing: Promotion | None = None) -> Promotion:
    """A new promotion, or `existing` changed; InvalidInput naming the field when something is
    wrong. The TLD must be one the partner sells; a price is in that offer's currency and below
    its registration price."""
    from storefront.money import Money
    from storefront.numbers import whole_number
    from storefront.services.errors import InvalidInput
    from storefront.services.partner_catalogue import load_catalogue

    if existing is not None and existing.partner_id != partner.id:
        raise LookupError("promotion of another partner")
    tld = str(fields.tld or "").strip().lower().lstrip(".")
    try:
        tld = idna.encode(tld).decode() if tld and not tld.isascii() else tld
    except idna.IDNAError:
        raise InvalidInput(_("Choose a TLD you sell."), "tld") from None
    offer = load_catalogue(partner.id).tlds.get(tld)
    if offer is None:
        raise InvalidInput(_("Choose a TLD you sell."), "tld")
    if fields.starts_on is None or fields.ends_on is None:
        raise InvalidInput(_("Give the first and the last day of the promotion."), "ends_on")
    if fields.ends_on < fields.starts_on:
        raise InvalidInput(_("The last day comes before the first."), "ends_on")
    price = percent = None
    if fields.kind == "percent":
        percent = whole_number(str(fields.value).strip().rstrip("%").strip(), max_digits=2)
        if percent is None or not 1 <= percent <= 99:
            raise InvalidInput(_("A percentage is a whole number from 1 to 99."), "value")
    elif fields.kind == "price":
        price = Money.parse(fields.value, offer["currency"], "value").minor
        if price >= offer["register_minor"]:
            raise InvalidInput(_("A promotional price is below the regular price (%(price)s).",
                                 price=Money(offer["register_minor"],
                                             offer["currency"]).format("en")), "value")
    else:
        raise InvalidInput(_("Choose a price or a percentage."), "kind")
    target = existing or Promotion(partner_id=partner.id)
    target.tld, target.product_code = tld, ""
    target.starts_on, target.ends_on = fields.starts_on, fields.ends_on
    target.price_minor, target.percent = price, percent
    target.first_term_only, target.enabled = fields.first_term_only, fields.enabled
    if existing is None:
        db.session.add(target)
    db.session.flush()
    return target


@dataclass(frozen=True)
class GroupFields:
    name: str
    percent: int
    is_default: bool = False
    prices: str = ""  # "pl 19.00 59.00 49.00; com 49 59 59"
    members: str = ""  # subscribers' e-mails


def save_group(partner: Tenant, fields: GroupFields, existing: PriceGroup | None = None
               ) -> PriceGroup:
    """A new price group, or `existing` changed, with its own TLD prices and its members (each
    moved here from any other group); InvalidInput naming the field when something is wrong."""
    from sqlalchemy import delete, update

    from storefront.models import Subscriber, Tld
    from storefront.money import Money
    from storefront.services.errors import InvalidInput
    from storefront.services.partner_catalogue import load_catalogue

    if existing is not None and existing.partner_id != partner.id:
        raise LookupError("price group of another partner")
    name = " ".join(str(fields.name or "").split())
    if not name or len(name) > 100:
        raise InvalidInput(_("Give the group a name of at most 100 characters."), "name")
    same = db.session.scalar(select(PriceGroup).where(PriceGroup.partner_id == partner.id,
                                                      PriceGroup.name == name))
    if same is not None and same is not existing:
        raise InvalidInput(_("You already have a group called %(name)s.", name=name), "name")
    if not 0 <= fields.percent <= 99:
        raise InvalidInput(_("A percentage is a whole number from 0 to 99."), "percent")
    offers = load_catalogue(partner.id).tlds
    prices: dict[str, tuple[int, int, int]] = {}
    for entry in str(fields.prices or "").split(";"):
        words = entry.split()
        if not words:
            continue
        tld = words[0].lower().lstrip(".")
        if tld not in offers:
            raise InvalidInput(_("You do not sell .%(tld)s.", tld=tld[:63]), "prices")
        if len(words) != 4:
            raise InvalidInput(_("Give .%(tld)s three prices: register, renew and transfer.",
                                 tld=tld), "prices")
        register, renew, transfer = (Money.parse(word, offers[tld]["currency"], "prices").minor
                                     for word in words[1:])
        wholesale = db.session.scalar(select(Tld).where(Tld.name == tld))
        if wholesale is not None:
            for operation, price in (("register", register), ("renew", renew),
                                     ("transfer", transfer)):
                floor = wholesale.wholesale_price(operation)
                if price < floor:
                    raise InvalidInput(_(
                        "Price groups' prices can't be below wholesale: .%(tld)s costs you "
                        "%(price)s.", tld=tld, price=Money(floor, wholesale.currency).format("en")),
                        "prices")
        prices[tld] = (register, renew, transfer)
    emails = {email.strip().lower() for email in
              str(fields.members or "").replace(",", " ").split() if email.strip()}
    members = list(db.session.scalars(select(Subscriber).where(
        Subscriber.partner_id == partner.id, Subscriber.email.in_(emails)))) if emails else []
    unknown = emails - {member.email.lower() for member in members}
    if unknown:
        raise InvalidInput(_("No subscriber has the e-mail %(email)s.",
                             email=sorted(unknown)[0][:254]), "members")
    if fields.is_default:
        db.session.execute(update(PriceGroup).where(PriceGroup.partner_id == partner.id)
                           .values(is_default=False)
                           .execution_options(synchronize_session=False))
    group = existing or PriceGroup(partner_id=partner.id)
    group.name, group.percent, group.is_default = name, fields.percent, fields.is_default
    if existing is None:
        db.session.add(group)
    db.session.flush()
    db.session.execute(delete(PriceGroupPrice).where(PriceGroupPrice.partner_id == partner.id,
                                                     PriceGroupPrice.group_id == group.id))
    for tld, (register, renew, transfer) in sorted(prices.items()):
        db.session.add(PriceGroupPrice(partner_id=partner.id, group_id=group.id, tld=tld,
                                       register_minor=register, renew_minor=renew,
                                       transfer_minor=transfer))
    db.session.execute(delete(SubscriberPriceGroup).where(
        SubscriberPriceGroup.partner_id == partner.id,
        (SubscriberPriceGroup.group_id == group.id)
        | SubscriberPriceGroup.subscriber_id.in_([member.id for member in members])))
    for member in members:
        db.session.add(SubscriberPriceGroup(partner_id=partner.id, subscriber_id=member.id,
                                            group_id=group.id))
    db.session.flush()
    return group
