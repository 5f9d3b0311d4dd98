"""`flask demo` fills the TLD catalogue and gives acme and globex different offers and groups."""

from __future__ import annotations

import csv
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from storefront.db import db
from storefront.demo_catalogue import retail_price
from storefront.models import Partner
from storefront.models.catalog import OPERATIONS, PartnerTld, Tld, TldGroup, TldGroupItem
from storefront.services import catalog


@pytest.fixture
def demo(app):
    runner = app.test_cli_runner()

    def run():
        result = runner.invoke(args=["demo"])
        assert result.exit_code == 0, result.output
        return result

    return run


def partner(slug: str) -> Partner:
    return db.session.scalar(select(Partner).where(Partner.slug == slug))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def group_tlds(slug: str) -> dict[str, list[str]]:
    return {group.name: group.tld_names for group in catalog.groups(partner(slug))}


def test_the_demo_csv_covers_every_kind_of_tld():
    with open(catalog.DEMO_CATALOGUE, encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    assert len(rows) >= 40
    by_kind = {row["kind"] for row in rows}
    assert by_kind == {"generic", "country", "functional", "regional", "idn"}
    names = {row["tld"] for row in rows}
    assert {"com", "pl", "eu", "com.pl", "net.pl", "waw.pl", "krakow.pl", "xn--p1ai"} <= names
    assert sum(row["idn"] == "1" for row in rows) >= 10


def test_demo_twice_is_idempotent(demo):
    first = demo()
    assert "TLD catalogue:   52 TLDs (created 52, updated 0)" in first.output
    assert "Acme Hosting:" in first.output and "sells" in first.output
    snapshot = (count(Tld), count(PartnerTld), count(TldGroup), count(TldGroupItem))
    prices = sorted(db.session.execute(select(
        PartnerTld.partner_id, PartnerTld.tld_id, PartnerTld.register_price)).all())
    second = demo()
    assert "created 0, updated 0" in second.output
    assert (count(Tld), count(PartnerTld), count(TldGroup), count(TldGroupItem)) == snapshot
    assert sorted(db.session.execute(select(
        PartnerTld.partner_id, PartnerTld.tld_id, PartnerTld.register_price)).all()) == prices


def test_a_partners_own_changes_survive_another_demo_run(demo):
    demo()
    acme = partner("acme")
    catalog.set_retail_prices(acme, "pl", register="99.00", renew="99.00", transfer="99.00")
    catalog.stop_selling(acme, "io")
    db.session.commit()
    demo()
    assert catalog.get_partner_tld(acme, "pl").register_price == 9900
    assert catalog.get_partner_tld(acme, "io") is None


def test_partners_sell_above_wholesale_and_differ(demo):
    demo()
    acme, globex = partner("acme"), partner("globex")
    offers = {p.slug: {o.tld.name: o for o in catalog.offered_tlds(p)} for p in (acme, globex)}
    assert 28 <= len(offers["acme"]) <= 34 and 22 <= len(offers["globex"]) <= 28
    assert set(offers["acme"]) != set(offers["globex"])
    for slug, markup in (("acme", Decimal("1.20")), ("globex", Decimal("1.35"))):
        for offer in offers[slug].values():
            for op in OPERATIONS:
                wholesale = offer.tld.wholesale_price(op)
                retail = offer.retail_price(op)
                assert retail >= wholesale * markup and retail > wholesale, (slug, offer.tld.name)
                assert retail < wholesale * markup + 100 or wholesale == 0
    assert offers["acme"]["pl"].register_price == 3499  # 29.00 × 1.20 = 34.80 → 34.99
    assert offers["globex"]["pl"].register_price == 4000  # 29.00 × 1.35 = 39.15 → 40.00
    assert {o.register_price % 100 for o in offers["acme"].values()} == {99}
    assert {o.register_price % 100 for o in offers["globex"].values()} == {0}


def test_the_demo_groups(demo):
    demo()
    acme, globex = group_tlds("acme"), group_tlds("globex")
    assert list(acme) == ["Popular", "Poland", "Europe", "Tech"]
    assert list(globex) == ["Popular", "Regional PL", "Business"]
    assert catalog.default_group(partner("acme")).slug == "popular"
    assert catalog.default_group(partner("globex")).slug == "popular"
    assert len(acme["Popular"]) == 20  # the size the domain search benchmark searches
    assert {"pl", "com", "net", "eu", "com.pl", "org"} <= set(acme["Popular"])
    assert {"pl", "com.pl", "net.pl", "org.pl", "waw.pl", "krakow.pl"} <= set(acme["Poland"])
    assert {"io", "dev", "app", "tech"} <= set(acme["Tech"])
    assert all(name.endswith(".pl") for name in globex["Regional PL"])
    assert acme["Popular"] != globex["Popular"]
    # Every grouped TLD is one the partner sells.
    for slug, groups in (("acme", acme), ("globex", globex)):
        sold = {o.tld.name for o in catalog.offered_tlds(partner(slug))}
        assert set().union(*groups.values()) == sold


def test_groups_are_scoped_to_their_partner(demo):
    demo()
    assert catalog.get_group(partner("acme"), "tech") is not None
    assert catalog.get_group(partner("globex"), "tech") is None
    assert catalog.get_group(partner("acme"), "regional-pl") is None


@pytest.mark.parametrize(
    ("wholesale", "markup", "ending", "typed"),
    [
        (2900, "1.20", "99", "34.99"),
        (2500, "1.20", "99", "30.99"),  # 30.00 exactly: 29.99 would be below it
        (2900, "1.35", "00", "40.00"),
        (18900, "1.35", "00", "256.00"),
        (0, "1.20", "99", "9.99"),  # a free transfer still costs a little
        (0, "1.35", "00", "9.00"),
    ],
)
def test_retail_price_rounding(wholesale, markup, ending, typed):
    assert retail_price(wholesale, "PLN", Decimal(markup), ending) == typed
