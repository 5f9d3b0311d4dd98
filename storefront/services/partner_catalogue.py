"""What a partner sells, as the storefront and its frames read it: cached per process, plain values.

A storefront serves many searches a second, so the partner's offered TLDs (with prices, years, IDN
rule and backend) and TLD groups are loaded in one scoped query and kept by
`tenancy.partner_cached` until they expire or the partner's catalogue (or a TLD it sells) changes.
Nothing here is an ORM object, so a cached catalogue is safe to share between requests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import idna
from sqlalchemy import (
    Boolean,
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


@dataclass(frozen=True)
class Catalogue:
    """One partner's enabled offers by ASCII TLD name, its groups (each with its offered TLDs in
    group order) and every offered TLD ranked by popularity."""

    tlds: dict[str, dict[str, Any]]
    groups: tuple[tuple[GroupView, tuple[str, ...]], ...]
    popular: tuple[str, ...]
    idn_allowed: dict[str, bool]

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
    rows = read_committed(_CATALOGUE, {"partner_id": partner_id})
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
    return Catalogue(tlds=tlds, groups=groups, popular=_by_popularity(tlds, default_tlds),
                     idn_allowed={name: row["idn_allowed"] for name, row in tlds.items()})


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


_CATALOGUE = prepared(union_all(_offers(), _groups(), _items()))


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
