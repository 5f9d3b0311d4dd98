"""The TLD catalogue: importing it, the TLDs a partner sells at its own prices, and TLD groups.

Functions take the partner first, flush and never commit; bad input raises InvalidInput and leaves
the session as it was. Prices come in as the text a person typed ("39.00", "39,99") and are stored
as integers in minor units, converted exactly with Decimal and the currency's precision.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from babel.numbers import is_currency
from sqlalchemy import func, select, update

from storefront.db import db
from storefront.domain_names import DomainQueryError, to_ascii_label
from storefront.models.catalog import (
    OPERATIONS,
    TLD_KINDS,
    PartnerTld,
    Tld,
    TldGroup,
    TldGroupItem,
)
from storefront.money import Money
from storefront.numbers import whole_number
from storefront.services.errors import InvalidInput
from storefront.tenancy import Tenant

DEMO_CATALOGUE = Path(__file__).resolve().parent.parent / "data" / "tlds.csv"
CSV_COLUMNS = ("tld", "kind", "register", "renew", "transfer", "currency", "min_years",
               "max_years", "idn", "backend", "enabled")
MAX_YEARS = 10
_BOOLEANS = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}
_BACKEND = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")


# -- money ---------------------------------------------------------------------------------------


def parse_price(text: str, currency: str, field: str = "price", *, allow_zero: bool = False) -> int:
    """A typed price ("39", "39.00", "39,99", "1 299.00") in minor units of `currency`, for a
    price column; the rules are `Money.parse`'s."""
    return Money.parse(text, currency, field, allow_zero=allow_zero).minor


def format_price(amount_minor: int, currency: str, locale: str = "en") -> str:
    """Minor units as a person reads them in `locale`, e.g. 3900 PLN → "PLN 39.00" / "39,00 zł"
    (`Money.format`, for templates that hold a price column and its currency)."""
    return Money(amount_minor, currency).format(locale)


# -- the platform catalogue ----------------------------------------------------------------------


@dataclass
class CatalogueImport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)


class CatalogueError(InvalidInput):
    """A catalogue file with bad rows; `errors` lists them all, each starting with its line."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("The catalogue was not imported:\n" + "\n".join(errors), "file")
        self.errors = errors

    def field_errors(self) -> list[tuple[str | None, str]]:
        return [("file", line) for line in self.errors]


def import_catalogue(source: str | Path | TextIO,
                     backends: Collection[str] | None = None) -> CatalogueImport:
    """Create or update TLDs (by name) from a CSV file or stream. Every row is checked first;
    if any is bad, CatalogueError lists them all and nothing changes. TLDs missing from the file
    stay as they are. `backends`, when given, are the registrar backend names that exist."""
    if isinstance(source, str | Path):
        with open(source, encoding="utf-8-sig", newline="") as stream:
            return import_catalogue(stream, backends)
    reader = csv.DictReader(source)
    missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise CatalogueError([f"line 1: missing column(s) {', '.join(missing)}"])
    rows: dict[str, dict] = {}
    errors: list[str] = []
    for row in reader:
        line = reader.line_num
        try:
            values = _catalogue_row(row, backends)
        except InvalidInput as error:
            errors.append(f"line {line}: {error.message}")
            continue
        if values["name"] in rows:
            errors.append(f"line {line}: .{values['name']} appears twice in the file")
        rows[values["name"]] = values
    if errors:
        raise CatalogueError(errors)
    if not rows:
        raise CatalogueError(["the file has no TLDs"])
    existing = {t.name: t for t in db.session.scalars(select(Tld).where(Tld.name.in_(rows)))}
    result = CatalogueImport()
    for name, values in rows.items():
        tld = existing.get(name)
        if tld is None:
            db.session.add(Tld(**values))
            result.created.append(name)
        elif any(getattr(tld, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(tld, key, value)
            result.updated.append(name)
    db.session.flush()
    return result


def import_demo_catalogue() -> CatalogueImport:
    return import_catalogue(DEMO_CATALOGUE)


def _catalogue_row(row: dict[str, str | None], backends: Collection[str] | None) -> dict:
    cell = {key: (row.get(key) or "").strip() for key in CSV_COLUMNS}
    name = normalise_tld(cell["tld"])
    kind = cell["kind"].lower()
    if kind not in TLD_KINDS:
        raise InvalidInput(f"unknown kind “{cell['kind']}” (use one of {', '.join(TLD_KINDS)})")
    if kind == "idn" and "xn--" not in name:
        raise InvalidInput(f".{name} is of kind idn but is not an internationalised name")
    currency = cell["currency"].upper()
    if not is_currency(currency):
        raise InvalidInput(f"unknown currency “{cell['currency']}”")
    values: dict = {"name": name, "kind": kind, "currency": currency}
    for operation in OPERATIONS:
        try:
            values[f"{operation}_price"] = parse_price(cell[operation], currency, allow_zero=True)
        except InvalidInput as error:
            raise InvalidInput(f"{operation} price “{cell[operation]}”: {error.message}") from None
    years = {}
    for key in ("min_years", "max_years"):
        value = whole_number(cell[key], max_digits=2)
        if value is None or not 1 <= value <= MAX_YEARS:
            raise InvalidInput(f"{key} must be a whole number from 1 to {MAX_YEARS}")
        years[key] = value
    if years["min_years"] > years["max_years"]:
        raise InvalidInput(f"min_years ({years['min_years']}) is more than max_years "
                           f"({years['max_years']})")
    flags = {}
    for key, column in (("idn_allowed", "idn"), ("enabled", "enabled")):
        if cell[column].lower() not in _BOOLEANS:
            raise InvalidInput(f"{column} must be 1 or 0, not “{cell[column]}”")
        flags[key] = _BOOLEANS[cell[column].lower()]
    backend = cell["backend"].lower()
    if not _BACKEND.match(backend) or (backends is not None and backend not in backends):
        raise InvalidInput(f"unknown registrar backend “{cell['backend']}”")
    return values | years | flags | {"backend": backend}


def normalise_tld(text: str) -> str:
    """A TLD as stored: lower case, no leading dot, IDN in punycode ("рф" → "xn--p1ai")."""
    raw = text.strip().lstrip(".")
    if not raw:
        raise InvalidInput("the TLD is empty", "tld")
    try:
        return ".".join(to_ascii_label(label) for label in raw.split("."))
    except DomainQueryError as error:
        raise InvalidInput(f"invalid TLD “{text.strip()}”: {error.message}", "tld") from None


def get_tld(name: str) -> Tld | None:
    try:
        ascii_name = normalise_tld(name)
    except InvalidInput:
        return None
    return db.session.scalar(select(Tld).where(Tld.name == ascii_name))


# -- what a partner sells ------------------------------------------------------------------------


def offered_tlds(partner: Tenant) -> list[PartnerTld]:
    """The partner's TLDs that the platform has enabled, by name."""
    return list(db.session.scalars(
        select(PartnerTld).join(PartnerTld.tld)
        .where(PartnerTld.partner_id == partner.id, Tld.enabled.is_(True))
        .order_by(Tld.name)
    ))


def get_partner_tld(partner: Tenant, tld_name: str) -> PartnerTld | None:
    tld = get_tld(tld_name)
    if tld is None:
        return None
    return db.session.scalar(select(PartnerTld).where(
        PartnerTld.partner_id == partner.id, PartnerTld.tld_id == tld.id))


def set_retail_prices(partner: Tenant, tld_name: str, *, register: str, renew: str,
                      transfer: str, locale: str = "en") -> PartnerTld:
    """Sell a TLD (or change its prices). Each price is refused below the wholesale price, and
    the message shows that price."""
    tld = get_tld(tld_name)
    if tld is None or not tld.enabled:
        raise InvalidInput(f"The platform doesn't offer .{tld_name.strip().lstrip('.')}.", "tld")
    typed = {"register": register, "renew": renew, "transfer": transfer}
    prices: dict[str, int] = {}
    for operation, text in typed.items():
        price = Money.parse(text, tld.currency, operation)
        wholesale = Money(tld.wholesale_price(operation), tld.currency)
        if price < wholesale:
            raise InvalidInput(
                f"The {operation} price of .{tld.unicode_name} can't be below the wholesale "
                f"price, {wholesale.format(locale)}.",
                operation,
            )
        prices[f"{operation}_price"] = price.minor
    offer = get_partner_tld(partner, tld.name)
    if offer is None:
        offer = PartnerTld(partner_id=partner.id, tld=tld, currency=tld.currency, **prices)
        db.session.add(offer)
    else:
        for key, value in prices.items():
            setattr(offer, key, value)
        offer.currency = tld.currency
    db.session.flush()
    return offer


def stop_selling(partner: Tenant, tld_name: str) -> None:
    """Stop selling a TLD; it leaves the partner's TLD groups too."""
    offer = get_partner_tld(partner, tld_name)
    if offer is None:
        return
    for group in groups(partner):
        group.items = [item for item in group.items if item.tld_id != offer.tld_id]
    db.session.delete(offer)
    db.session.flush()


# -- TLD groups ----------------------------------------------------------------------------------


def groups(partner: Tenant) -> list[TldGroup]:
    return list(db.session.scalars(
        select(TldGroup).where(TldGroup.partner_id == partner.id)
        .order_by(TldGroup.position, TldGroup.id)
    ))


def get_group(partner: Tenant, slug: str | None) -> TldGroup | None:
    """The partner's group with this slug; None for another partner's slug or an unknown one."""
    if not slug:
        return None
    return db.session.scalar(select(TldGroup).where(
        TldGroup.partner_id == partner.id, TldGroup.slug == slug))


def default_group(partner: Tenant) -> TldGroup | None:
    found = db.session.scalar(select(TldGroup).where(
        TldGroup.partner_id == partner.id, TldGroup.is_default.is_(True)))
    return found or next(iter(groups(partner)), None)


def create_group(partner: Tenant, name: str, tld_names: Sequence[str] = (),
                 slug: str | None = None) -> TldGroup:
    """A new group at the end of the list; the partner's first group becomes the default."""
    name = _group_name(name)
    slug = slugify(slug or name)
    if not slug:
        raise InvalidInput("Give the group a name with letters or digits.", "name")
    if get_group(partner, slug) is not None:
        raise InvalidInput(f"There is already a group “{slug}”.", "slug")
    last = db.session.scalar(
        select(func.max(TldGroup.position)).where(TldGroup.partner_id == partner.id))
    wanted = _sold_tlds(partner, tld_names)
    group = TldGroup(partner_id=partner.id, slug=slug, name=name,
                     position=(last if last is not None else -1) + 1,
                     is_default=default_group(partner) is None)
    group.items = [TldGroupItem(partner_id=partner.id, tld=tld, position=position)
                   for position, tld in enumerate(wanted)]
    db.session.add(group)
    db.session.flush()
    return group


def rename_group(partner: Tenant, slug: str, name: str) -> TldGroup:
    """Only the display name changes: the slug stays, so embedded frames keep working."""
    group = _own_group(partner, slug)
    group.name = _group_name(name)
    db.session.flush()
    return group


def set_group_tlds(partner: Tenant, slug: str, tld_names: Sequence[str]) -> TldGroup:
    """Replace the group's extensions with these, in this order. Each must be one the partner
    sells; this is also how the panel reorders a group."""
    group = _own_group(partner, slug)
    wanted = _sold_tlds(partner, tld_names)
    current = {item.tld_id: item for item in group.items}
    group.items = []
    for position, tld in enumerate(wanted):
        item = current.get(tld.id) or TldGroupItem(partner_id=partner.id, tld=tld)
        item.position = position
        group.items.append(item)
    db.session.flush()
    return group


def _sold_tlds(partner: Tenant, tld_names: Sequence[str]) -> list[Tld]:
    sold = {offer.tld.name: offer.tld for offer in offered_tlds(partner)}
    wanted: list[Tld] = []
    for raw in tld_names:
        try:
            tld_name = normalise_tld(raw)
        except InvalidInput:
            raise InvalidInput(f"“{raw}” is not a TLD.", "tlds") from None
        if tld_name not in sold:
            raise InvalidInput(f"You don't sell .{raw.strip().lstrip('.')}; set its prices "
                               f"first.", "tlds")
        if sold[tld_name] in wanted:
            raise InvalidInput(f".{raw.strip().lstrip('.')} is in the list twice.", "tlds")
        wanted.append(sold[tld_name])
    return wanted


def set_default_group(partner: Tenant, slug: str) -> TldGroup:
    group = _own_group(partner, slug)
    # Clear the old default before setting the new one: one default per partner is a unique index.
    db.session.execute(update(TldGroup).where(
        TldGroup.partner_id == partner.id, TldGroup.id != group.id).values(is_default=False))
    db.session.flush()
    group.is_default = True
    db.session.flush()
    return group


def reorder_groups(partner: Tenant, slugs: Sequence[str]) -> list[TldGroup]:
    """Put the partner's groups in this order; the list must name each group once."""
    existing = {group.slug: group for group in groups(partner)}
    if sorted(slugs) != sorted(existing):
        raise InvalidInput("List each of your TLD groups exactly once.", "groups")
    for position, slug in enumerate(slugs):
        existing[slug].position = position
    db.session.flush()
    return [existing[slug] for slug in slugs]


def delete_group(partner: Tenant, slug: str) -> None:
    """Delete a group; if it was the default, the first remaining group becomes the default."""
    group = _own_group(partner, slug)
    was_default = group.is_default
    db.session.delete(group)
    db.session.flush()
    if was_default:
        remaining = groups(partner)
        if remaining:
            set_default_group(partner, remaining[0].slug)


def slugify(text: str) -> str:
    """ "Polska – popularne" → "polska-popularne"; ł and other letters NFKD keeps are mapped."""
    text = text.replace("ł", "l").replace("Ł", "L")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:63].strip("-")


def _group_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise InvalidInput("Give the group a name.", "name")
    if len(name) > 80:
        raise InvalidInput("A group name is at most 80 characters long.", "name")
    return name


def _own_group(partner: Tenant, slug: str) -> TldGroup:
    group = get_group(partner, slug)
    if group is None:
        raise InvalidInput("There is no such TLD group.", "group")
    return group

