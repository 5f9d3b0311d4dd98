"""What a partner sells, as the storefront and its frames read it: cached per process, plain values.

A storefront serves many searches a second, so the partner's offered TLDs (with prices, years, IDN
rule and backend), TLD groups, promotions not yet ended and price groups (with their own TLD
prices; `billing.pricing` applies them) are loaded in one scoped query and kept by
`tenancy.partner_cached` until they expire or the partner's catalogue (or a TLD it sells) changes.
Nothing here is an ORM object, so a cached catalogue is safe to share between requests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import idna
from sqlalchemy import (
    Boolean,
    Date,
    Integer,
    Row,
    Select,
    String,
    bindparam,
    cast,
    literal_column,
    null,
    select,
    union_all,
)

from billing.pricing_models import PriceGroup, PriceGroupPrice, Promotion
from storefront.caches import CATALOGUE
from storefront.db import prepared, read_committed
from storefront.models.catalog import PartnerTld, Tld, TldGroup, TldGroupItem
from storefront.tenancy import Tenant, partner_cached

CACHE_KEY = "domain-search:catalogue"
_FROM_CATALOGUE = frozenset({CATALOGUE})

# The extensions visitors ask for most, most wanted first. A partner's "popular" TLDs are its
# default group's, then these, then the rest by name: there is no sales data to rank by yet.
POPULAR_TLDS = ("com", "pl", "eu", "net", "org", "com.pl", "io", "shop", "online", "info",
                "store", "app", "dev", "de", "xyz")


@dataclass(frozen=True)
class GroupView:
    slug: str
    name: str
    is_default: bool


def percent_of(amount: int, percent: int) -> int:
    """`percent` % of `amount` minor units, rounded half up."""
    return (amount * percent * 2 + 100) // 200


@dataclass(frozen=True)
class PromotionView:
    """A promotion of one TLD's registrations (`billing.pricing_models.Promotion`)."""

    id: int
    tld: str
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
class PriceGroupView:
    """A price group (`billing.pricing_models.PriceGroup`) with its own TLD prices."""

    id: int
    name: str
    percent: int
    is_default: bool
    prices: dict[str, tuple[int, int, int]]  # tld → (register, renew, transfer)


@dataclass(frozen=True)
class Catalogue:
    """One partner's enabled offers by ASCII TLD name, its groups (each with its offered TLDs in
    group order), every offered TLD ranked by popularity, and its price lists: promotions not
    yet ended and price groups."""

    tlds: dict[str, dict[str, Any]]
    groups: tuple[tuple[GroupView, tuple[str, ...]], ...]
    popular: tuple[str, ...]
    idn_allowed: dict[str, bool]
    promotions: tuple[PromotionView, ...] = ()
    price_groups: tuple[PriceGroupView, ...] = ()

    @property
    def group_views(self) -> tuple[GroupView, ...]:
        return tuple(view for view, _ in self.groups)

    def group(self, slug: str | None) -> tuple[GroupView, tuple[str, ...]] | None:
        """The group with this slug, or the default one for None; None when there is none."""
        for view, tlds in self.groups:
            if (view.slug == slug) if slug else view.is_default:
                return view, tlds
        return None


def catalogue(partner: Tenant) -> Catalogue:
    return partner_cached(partner.id, CACHE_KEY, lambda: load_catalogue(partner.id),
                          _FROM_CATALOGUE)


def load_catalogue(partner_id: int) -> Catalogue:
    """The partner's catalogue in one query: its offers, its groups and their items, as rows of
    one shape told apart by `kind` (a storefront nobody visited lately pays one round trip)."""
    from billing.documents import local_today  # the partner's date, not the server's

    rows = read_committed(_CATALOGUE, {"partner_id": partner_id, "today": local_today()})
    tlds = {
        row.name: {
            "tld": row.name,
            "tld_unicode": to_unicode(row.name),
            "register_minor": row.n3,
            "renew_minor": row.n4,
            "transfer_minor": row.n5,
            "currency": row.text3,
            "min_years": row.n1,
            "max_years": row.n2,
            "idn_allowed": bool(row.flag),
            "backend": row.text2,
        }
        for row in sorted((r for r in rows if r.kind == "offer"), key=lambda r: r.name)
    }
    groups = _group_views(
        sorted((r for r in rows if r.kind == "group"), key=lambda r: (r.n2, r.n1)),
        sorted((r for r in rows if r.kind == "item"), key=lambda r: (r.n2, r.n3)),
        tlds,
    )
    default_tlds = next((names for view, names in groups if view.is_default), ())
    promotions = tuple(
        PromotionView(row.n1, row.name, _day(row.text2), _day(row.text3), row.n3, row.n2,
                      bool(row.flag))
        for row in sorted((r for r in rows if r.kind == "promotion"), key=lambda r: r.n1))
    prices: dict[int, dict[str, tuple[int, int, int]]] = {}
    for row in rows:
        if row.kind == "group_price":
            prices.setdefault(row.n1, {})[row.name] = (row.n3, row.n4, row.n5)
    price_groups = tuple(
        PriceGroupView(row.n1, row.name, row.n2, bool(row.flag), prices.get(row.n1, {}))
        for row in sorted((r for r in rows if r.kind == "price_group"), key=lambda r: r.name))
    return Catalogue(tlds=tlds, groups=groups, popular=_by_popularity(tlds, default_tlds),
                     idn_allowed={name: row["idn_allowed"] for name, row in tlds.items()},
                     promotions=promotions, price_groups=price_groups)


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _offers() -> Select:
    """The partner's TLDs the platform has enabled; a disabled one is simply not offered."""
    return (
        select(literal_column("'offer'").label("kind"), Tld.name.label("name"),
               Tld.backend.label("text2"), PartnerTld.currency.label("text3"),
               Tld.min_years.label("n1"), Tld.max_years.label("n2"),
               PartnerTld.register_price.label("n3"), PartnerTld.renew_price.label("n4"),
               PartnerTld.transfer_price.label("n5"), Tld.idn_allowed.label("flag"))
        .join(Tld, PartnerTld.tld_id == Tld.id)
        .where(PartnerTld.partner_id == bindparam("partner_id"), Tld.enabled.is_(True))
    )


def _groups() -> Select:
    return select(
        literal_column("'group'"), TldGroup.slug, TldGroup.name, cast(null(), String),
        TldGroup.id, TldGroup.position, cast(null(), Integer), cast(null(), Integer),
        cast(null(), Integer), TldGroup.is_default,
    ).where(TldGroup.partner_id == bindparam("partner_id"))


def _items() -> Select:
    return (
        select(literal_column("'item'"), Tld.name, cast(null(), String), cast(null(), String),
               TldGroupItem.group_id, TldGroupItem.position, TldGroupItem.id,
               cast(null(), Integer), cast(null(), Integer), cast(null(), Boolean))
        .join(Tld, TldGroupItem.tld_id == Tld.id)
        .where(TldGroupItem.partner_id == bindparam("partner_id"))
    )


def _promotions() -> Select:
    """Promotions not yet ended (their dates as ISO text, which both databases write)."""
    return select(
        literal_column("'promotion'"), Promotion.tld, cast(Promotion.starts_on, String),
        cast(Promotion.ends_on, String), Promotion.id, Promotion.percent,
        cast(Promotion.price_minor, Integer), cast(null(), Integer), cast(null(), Integer),
        Promotion.first_term_only,
    ).where(Promotion.partner_id == bindparam("partner_id"), Promotion.enabled.is_(True),
            Promotion.ends_on >= bindparam("today", type_=Date))


def _price_groups() -> Select:
    return select(
        literal_column("'price_group'"), PriceGroup.name, cast(null(), String),
        cast(null(), String), PriceGroup.id, PriceGroup.percent, cast(null(), Integer),
        cast(null(), Integer), cast(null(), Integer), PriceGroup.is_default,
    ).where(PriceGroup.partner_id == bindparam("partner_id"))


def _group_prices() -> Select:
    return select(
        literal_column("'group_price'"), PriceGroupPrice.tld, cast(null(), String),
        cast(null(), String), PriceGroupPrice.group_id, cast(null(), Integer),
        cast(PriceGroupPrice.register_minor, Integer), cast(PriceGroupPrice.renew_minor, Integer),
        cast(PriceGroupPrice.transfer_minor, Integer), cast(null(), Boolean),
    ).where(PriceGroupPrice.partner_id == bindparam("partner_id"))


_CATALOGUE = prepared(union_all(_offers(), _groups(), _items(), _promotions(), _price_groups(),
                                _group_prices()))


def _group_views(groups: list[Row], items: list[Row], tlds: dict[str, dict[str, Any]]
                 ) -> tuple[tuple[GroupView, tuple[str, ...]], ...]:
    """Each group (by position) with its offered TLDs (by position)."""
    names: dict[int, list[str]] = {}
    for item in items:
        if item.name in tlds:  # a TLD the platform disabled (or the partner stopped selling) drops
            names.setdefault(item.n1, []).append(item.name)
    # Without a flagged default the first group serves, as catalog.default_group has it.
    default_id = next((g.n1 for g in groups if g.flag), groups[0].n1 if groups else None)
    return tuple(
        (GroupView(slug=g.name, name=g.text2, is_default=g.n1 == default_id),
         tuple(names.get(g.n1, ())))
        for g in groups
    )


def _by_popularity(tlds: dict[str, dict[str, Any]], first: tuple[str, ...]) -> tuple[str, ...]:
    def rank(name: str) -> tuple[int, int, str]:
        in_default = first.index(name) if name in first else len(first)
        known = POPULAR_TLDS.index(name) if name in POPULAR_TLDS else len(POPULAR_TLDS)
        return in_default, known, name

    return tuple(sorted(tlds, key=rank))


def to_unicode(domain: str) -> str:
    """An ASCII domain or TLD as a visitor reads it ("xn--w-uga1v8h.pl" → "żółw.pl")."""
    if "xn--" not in domain:
        return domain
    labels = []
    for label in domain.split("."):
        try:
            labels.append(idna.decode(label) if label.startswith("xn--") else label)
        except (idna.IDNAError, UnicodeError):
            labels.append(label)
    return ".".join(labels)
