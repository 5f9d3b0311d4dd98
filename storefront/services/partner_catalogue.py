"""What a partner sells, as the storefront and its frames read it: cached per process, plain values.

A storefront serves many searches a second, so the partner's offered TLDs (with prices, years, IDN
rule and backend) and TLD groups are loaded in three scoped queries and kept by
`tenancy.partner_cached` until they expire or the partner's catalogue (or a TLD it sells) changes.
Nothing here is an ORM object, so a cached catalogue is safe to share between requests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import idna
from sqlalchemy import select

from storefront.caches import CATALOGUE
from storefront.db import db
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
    tlds = _offers(partner_id)
    groups = _groups(partner_id, tlds)
    default_tlds = next((names for view, names in groups if view.is_default), ())
    return Catalogue(tlds=tlds, groups=groups, popular=_by_popularity(tlds, default_tlds),
                     idn_allowed={name: row["idn_allowed"] for name, row in tlds.items()})


def _offers(partner_id: int) -> dict[str, dict[str, Any]]:
    """The partner's TLDs the platform has enabled; a disabled one is simply not offered."""
    query = (
        select(Tld.name, Tld.min_years, Tld.max_years, Tld.idn_allowed, Tld.backend,
               PartnerTld.register_price, PartnerTld.renew_price, PartnerTld.transfer_price,
               PartnerTld.currency)
        .join(Tld, PartnerTld.tld_id == Tld.id)
        .where(PartnerTld.partner_id == partner_id, Tld.enabled.is_(True))
        .order_by(Tld.name)
    )
    return {
        row.name: {
            "tld": row.name,
            "tld_unicode": to_unicode(row.name),
            "register_minor": row.register_price,
            "renew_minor": row.renew_price,
            "transfer_minor": row.transfer_price,
            "currency": row.currency,
            "min_years": row.min_years,
            "max_years": row.max_years,
            "idn_allowed": row.idn_allowed,
            "backend": row.backend,
        }
        for row in db.session.execute(query)
    }


def _groups(partner_id: int,
            tlds: dict[str, dict[str, Any]]) -> tuple[tuple[GroupView, tuple[str, ...]], ...]:
    rows = db.session.execute(
        select(TldGroup.id, TldGroup.slug, TldGroup.name, TldGroup.is_default)
        .where(TldGroup.partner_id == partner_id)
        .order_by(TldGroup.position, TldGroup.id)
    ).all()
    items: dict[int, list[str]] = {}
    for group_id, name in db.session.execute(
        select(TldGroupItem.group_id, Tld.name)
        .join(Tld, TldGroupItem.tld_id == Tld.id)
        .where(TldGroupItem.partner_id == partner_id)
        .order_by(TldGroupItem.position, TldGroupItem.id)
    ):
        if name in tlds:  # a TLD the platform disabled (or the partner stopped selling) drops out
            items.setdefault(group_id, []).append(name)
    # Without a flagged default the first group serves, as catalog.default_group has it.
    default_id = next((row.id for row in rows if row.is_default), rows[0].id if rows else None)
    return tuple(
        (GroupView(slug=row.slug, name=row.name, is_default=row.id == default_id),
         tuple(items.get(row.id, ())))
        for row in rows
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
