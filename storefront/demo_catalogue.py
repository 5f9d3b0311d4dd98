"""Demo TLD catalogue and what each demo partner sells: its retail prices and TLD groups; and the
platform's demo products (two SSL certificates, two hosting plans) with wholesale prices per term.

Run by `flask demo` (storefront/demo.py). Idempotent: the platform catalogue is re-imported from
storefront/data/tlds.csv (unchanged rows stay as they are), and a partner's offer is set up only
while it sells nothing, so prices and groups its owner has edited since are never overwritten.
A demo product is added only while no product has its code, so the admin's edits stay too.
"""

from __future__ import annotations

import math
from decimal import Decimal

from babel.numbers import get_currency_precision
from sqlalchemy import func, select

from storefront.db import db
from storefront.models import Partner
from storefront.models.catalog import OPERATIONS, PartnerTld, Tld
from storefront.services import catalog, products

# Per partner: the markup over wholesale, how prices end (.99 or .00), and groups in order (the
# first is the default). What a partner sells is the union of its groups. Acme's "Popular" has
# exactly 20 TLDs: the domain search benchmark searches a 20-TLD group.
OFFERS: dict[str, dict] = {
    "acme": {
        "markup": Decimal("1.20"),
        "ending": "99",
        "groups": [
            ("Popular", ["pl", "com", "net", "eu", "com.pl", "org", "info", "biz", "net.pl",
                         "org.pl", "io", "app", "dev", "online", "shop", "store", "de",
                         "cloud", "tech", "xyz"]),
            ("Poland", ["pl", "com.pl", "net.pl", "org.pl", "info.pl", "biz.pl", "waw.pl",
                        "krakow.pl", "wroclaw.pl", "gda.pl", "poznan.pl"]),
            ("Europe", ["eu", "de", "fr", "it", "es", "cz", "pl"]),
            ("Tech", ["io", "dev", "app", "tech", "cloud", "online", "site"]),
        ],
    },
    "globex": {
        "markup": Decimal("1.35"),
        "ending": "00",
        "groups": [
            ("Popular", ["com", "pl", "net", "org", "eu", "com.pl", "online", "shop", "xyz",
                         "site", "info", "biz", "xn--80asehdb"]),
            ("Regional PL", ["waw.pl", "krakow.pl", "gda.pl", "poznan.pl", "lodz.pl",
                             "katowice.pl", "szczecin.pl", "lublin.pl"]),
            ("Business", ["com", "biz", "com.pl", "biz.pl", "shop.pl", "sklep.pl", "store",
                          "email"]),
        ],
    },
}
# The platform's demo products: (kind, code, name, description, {months: wholesale price in PLN}).
PRODUCTS = [
    ("ssl", "ssl-dv", "SSL DV", "Domain-validated certificate, issued in minutes.",
     {12: "39.00", 24: "69.00"}),
    ("ssl", "ssl-ov", "SSL OV", "Organisation-validated certificate: the company is checked.",
     {12: "189.00", 24: "339.00"}),
    ("hosting", "hosting-start", "Hosting Start", "10 GB, one site, daily backups.",
     {1: "9.00", 12: "99.00", 24: "179.00"}),
    ("hosting", "hosting-business", "Hosting Business", "100 GB, unlimited sites, daily backups.",
     {1: "29.00", 12: "299.00", 24: "549.00"}),
]
# A free wholesale operation (e.g. a .uk transfer) still costs a partner's time: charge this much.
MIN_RETAIL = Decimal(9)


def load_demo_catalogue() -> list[str]:
    """Import the demo catalogue and set up the demo partners' offers; lines for the CLI."""
    result = catalog.import_demo_catalogue()
    total = db.session.scalar(select(func.count()).select_from(Tld))
    lines = [f"TLD catalogue:   {total} TLDs (created {len(result.created)}, "
             f"updated {len(result.updated)})"]
    for slug, offer in OFFERS.items():
        partner = db.session.scalar(select(Partner).where(Partner.slug == slug))
        if partner is None or _sells_anything(partner):
            continue
        sold = _sell(partner, offer)
        for name, tld_names in offer["groups"]:
            catalog.create_group(partner, name, [t for t in tld_names if t in sold])
        lines.append(f"{partner.name + ':':<16} sells {len(sold)} TLDs in "
                     f"{len(offer['groups'])} groups")
    lines.append(load_demo_products())
    return lines


def load_demo_products() -> str:
    """Add the demo products the catalogue lacks; a line for the CLI."""
    added = 0
    for kind, code, name, description, prices in PRODUCTS:
        if products.get_product(code) is not None:
            continue
        product = products.create_product(code, products.ProductDetails(kind, name, description))
        for months, price in prices.items():
            products.set_term_price(product, months, price, "PLN")
        added += 1
    return f"Products:        {len(products.list_products())} (added {added})"


def _sells_anything(partner: Partner) -> bool:
    sold = db.session.scalar(
        select(func.count(PartnerTld.id)).where(PartnerTld.partner_id == partner.id))
    return bool(sold)


def _sell(partner: Partner, offer: dict) -> set[str]:
    """Sell every TLD of the partner's groups that the catalogue offers; the names sold."""
    sold: set[str] = set()
    for _, tld_names in offer["groups"]:
        for name in tld_names:
            tld = catalog.get_tld(name)
            if name in sold or tld is None or not tld.enabled:
                continue  # a catalogue edited by the admin may lack a demo TLD
            prices = {op: retail_price(tld.wholesale_price(op), tld.currency, offer["markup"],
                                       offer["ending"]) for op in OPERATIONS}
            catalog.set_retail_prices(partner, name, **prices)
            sold.add(name)
    return sold


def retail_price(wholesale_minor: int, currency: str, markup: Decimal, ending: str) -> str:
    """The lowest price ending in `ending` ("99" or "00") at or above wholesale × markup, as
    typed: 2900 PLN × 1.20 = 34.80 → "34.99"; × 1.35 = 39.15 → "40.00"."""
    precision = get_currency_precision(currency)
    target = max(Decimal(wholesale_minor).scaleb(-precision) * markup, MIN_RETAIL)
    whole = math.ceil(target)
    if ending == "99" and precision == 2:
        price = Decimal(whole) - Decimal("0.01")
        if price < target:
            price += 1
    else:
        price = Decimal(whole)
    return f"{price:.{precision}f}"
