"""The per-process caches: a change clears its own partner's entries built from the data it
changed and nothing else; another process sees it within HOST_CACHE_SECONDS; every cache is
bounded by its entry count and drops the least recently used entry first."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from sqlalchemy import delete, event, select, update

from cms_pages.models import Page
from storefront import caches
from storefront.caches import FEEDS, FEEDS_NOTHING, Lru, caches_of
from storefront.db import db
from storefront.models import Ad, PartnerTld, ProductTerm, Tld
from storefront.services import catalog, domains, products
from storefront.services.partner_catalogue import CACHE_KEY, catalogue
from tests.conftest import HostClient

PAGE_CACHE = pytest.mark.parametrize(
    "app_config", [{"PAGE_CACHE_SECONDS": 10}, {"PAGE_CACHE_SECONDS": 0}], indirect=True,
    ids=["page cache on", "page cache off"],
)


class Queries:
    """The SQL one app runs while `counting` (its engine only: another app has its own)."""

    def __init__(self, app: Flask) -> None:
        with app.app_context():
            self.engine = db.engine
        self.seen: list[str] = []

    def record(self, conn, cursor, statement, *args) -> None:
        self.seen.append(statement)

    def during(self, action: Callable[[], object]) -> list[str]:
        self.seen = []
        event.listen(self.engine, "before_cursor_execute", self.record)
        try:
            action()
        finally:
            event.remove(self.engine, "before_cursor_execute", self.record)
        return self.seen


@pytest.fixture
def queries(app) -> Queries:
    return Queries(app)


def client_of(app: Flask, host: str) -> HostClient:
    app.test_client_class = HostClient
    client = app.test_client()
    client.host = host
    return client


def home_of(client: HostClient, status: int = 200) -> str:
    response = client.get("/")
    assert response.status_code == status
    return response.get_data(as_text=True)


@pytest.fixture
def visitors(two_partners, host_client) -> dict[str, HostClient]:
    """Anonymous visitors of Acme's and Globex's storefronts, whose home pages are warm."""
    found = {"acme": host_client("acme.localhost"), "globex": host_client("globex.localhost")}
    for visitor in found.values():
        home_of(visitor)
    return found


def warm_homes_run_no_query(visitors: dict[str, HostClient], queries: Queries) -> bool:
    return queries.during(lambda: [home_of(v) for v in visitors.values()]) == []


class Clock:
    """Stands in for time.monotonic in the caches, so a test can let entries expire at once."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Iterator[Clock]:
    fake = Clock()
    monkeypatch.setattr(caches, "monotonic", fake)
    yield fake


# --- a change clears its own partner's entries, for what it changed -----------------------------


@PAGE_CACHE
def test_subscribers_signing_up_logging_in_and_resetting_clear_nothing(visitors, host_client,
                                                                       queries):
    subscriber = host_client("acme.localhost")
    response = subscriber.post("/account/register", data={
        "name": "Ann", "email": "ann@example.com", "password": "a long password"})
    assert response.status_code == 302
    subscriber.post("/account/logout")
    response = subscriber.post("/account/login", data={
        "email": "ann@example.com", "password": "a long password"})
    assert response.status_code == 302
    subscriber.post("/account/reset", data={"email": "ann@example.com"})

    assert warm_homes_run_no_query(visitors, queries)


@PAGE_CACHE
def test_editing_a_page_clears_that_partners_content_only(two_partners, visitors, make_user,
                                                          client, login, queries, app):
    acme = two_partners["acme"]
    catalogue(acme)
    login(client, make_user("editor@acme.example.com", acme, role="editor"))
    home = db.session.scalar(select(Page).where(Page.partner_id == acme.id, Page.slug == ""))
    response = client.post(f"/panel/acme/pages/{home.id}", data={
        "title": home.title, "slug": "", "menu_title": "Home", "menu_position": "10",
        "show_in_menu": "y", "seo_title": "Acme, edited", "seo_description": "",
        "body": "Freshly edited."})
    assert response.status_code == 302

    seen = queries.during(lambda: home_of(visitors["acme"]))
    assert "Freshly edited." in home_of(visitors["acme"])
    # Acme's host and catalogue were not built from its pages: still cached.
    assert seen and not any("FROM partner" in sql or "partner_tld" in sql for sql in seen)
    assert caches_of(app).content.get((acme.id, CACHE_KEY)) is not None
    assert queries.during(lambda: home_of(visitors["globex"])) == []


@pytest.mark.parametrize("statement", ["update", "delete"])
def test_a_bulk_statement_clears_the_partner_its_where_clause_names(two_partners, visitors,
                                                                   queries, statement):
    acme = two_partners["acme"]
    db.session.add(Ad(partner_id=acme.id, title="Spring sale", body="Half price .pl"))
    db.session.commit()
    assert "Spring sale" in home_of(visitors["acme"])
    home_of(visitors["globex"])

    if statement == "update":
        db.session.execute(update(Ad).where(Ad.partner_id == acme.id).values(title="Summer sale"))
    else:
        db.session.execute(delete(Ad).where(Ad.partner_id.in_([acme.id])))
    db.session.commit()

    assert ("Summer sale" in home_of(visitors["acme"])) == (statement == "update")
    assert "Spring sale" not in home_of(visitors["acme"])
    assert queries.during(lambda: home_of(visitors["globex"])) == []


def test_a_bulk_update_naming_no_partner_clears_the_partners_whose_rows_it_changes(
        two_partners, visitors, queries):
    acme = two_partners["acme"]
    home = db.session.scalar(select(Page).where(Page.partner_id == acme.id, Page.slug == ""))
    db.session.execute(update(Page).where(Page.id == home.id).values(seo_title="Renamed home"))
    db.session.commit()
    assert "<title>Renamed home</title>" in home_of(visitors["acme"])
    assert queries.during(lambda: home_of(visitors["globex"])) == []


def test_a_rolled_back_change_clears_nothing(two_partners, visitors, queries):
    acme = two_partners["acme"]
    db.session.scalar(select(Page).where(Page.partner_id == acme.id)).title = "Never"
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert warm_homes_run_no_query(visitors, queries)


def test_verifying_a_domain_serves_it_at_once_though_it_was_cached_as_unknown(
        two_partners, visitors, host_client, queries):
    shop = host_client("shop.example.com")
    assert shop.get("/").status_code == 404  # now cached as an unknown host
    domains.add_domain(two_partners["acme"], "shop.example.com", verified=True)
    db.session.commit()
    response = shop.get("/")
    assert response.status_code == 301
    assert response.headers["Location"] == "http://acme.localhost/"
    domains.set_primary(two_partners["acme"], two_partners["acme"].domains[-1])
    db.session.commit()
    assert "Acme Hosting" in home_of(shop)
    assert queries.during(lambda: home_of(visitors["globex"])) == []


def test_a_tld_change_clears_the_catalogue_of_the_partners_selling_it(two_partners, app):
    acme, globex = two_partners["acme"], two_partners["globex"]
    catalog.import_demo_catalogue()
    catalog.set_retail_prices(acme, "pl", register="100.00", renew="100.00", transfer="100.00")
    catalog.set_retail_prices(globex, "com", register="100.00", renew="100.00",
                              transfer="100.00")
    db.session.commit()
    assert "pl" in catalogue(acme).tlds and "com" in catalogue(globex).tlds
    db.session.scalar(select(Tld).where(Tld.name == "pl")).enabled = False
    db.session.commit()

    content = caches_of(app).content
    assert content.get((acme.id, CACHE_KEY)) is None
    assert content.get((globex.id, CACHE_KEY)) is not None
    assert "pl" not in catalogue(acme).tlds
    db.session.execute(update(PartnerTld).where(PartnerTld.partner_id == globex.id)
                       .values(register_price=20000))
    db.session.commit()
    assert catalogue(globex).tlds["com"]["register_minor"] == 20000


# --- other processes: within HOST_CACHE_SECONDS ------------------------------------------------


def test_suspension_shows_at_once_here_and_within_host_cache_seconds_in_another_process(
        two_partners, host_client, extra_app, clock):
    other = extra_app()  # another app: caches of its own, as another process
    here, there = host_client("acme.localhost"), client_of(other, "acme.localhost")
    assert "Acme Hosting" in home_of(here) and "Acme Hosting" in home_of(there)

    two_partners["acme"].status = "suspended"
    db.session.commit()

    assert "Acme" not in home_of(here, 503)
    clock.now += 5
    assert "Acme Hosting" in home_of(there)  # nobody told that process
    clock.now += 5  # HOST_CACHE_SECONDS since it was cached
    assert "Acme" not in home_of(there, 503)
    assert "Globex" in home_of(client_of(other, "globex.localhost"))


@pytest.mark.parametrize("app_config", [{"PAGE_CACHE_SECONDS": 60}], indirect=True)
def test_no_cache_outlives_host_cache_seconds(two_partners, visitors, extra_app, clock):
    other = extra_app(PAGE_CACHE_SECONDS=60)
    there = client_of(other, "acme.localhost")
    home_of(there)
    db.session.execute(update(Page).where(Page.partner_id == two_partners["acme"].id,
                                          Page.slug == "").values(seo_title="Moved on"))
    db.session.commit()
    clock.now += 10
    assert "<title>Moved on</title>" in home_of(there)


# --- bounded, least recently used out first ----------------------------------------------------


def test_least_recently_used_entries_go_first():
    cache = Lru(max_entries=3, seconds=10)
    for key in "abc":
        cache.put(key, key.upper(), None, frozenset(), cache.generation)
    assert cache.get("a") == "A"  # a is now the most recently used
    cache.put("d", "D", None, frozenset(), cache.generation)
    assert len(cache) == 3
    assert cache.get("b") is None
    assert [cache.get(key) for key in "acd"] == ["A", "C", "D"]


def test_a_value_loaded_before_a_forget_is_not_kept():
    cache = Lru(max_entries=3, seconds=10)
    generation = cache.generation
    cache.forget_partner(1, {"content"})  # a commit while the value was being loaded
    cache.put("menu", "stale", 1, frozenset({"content"}), generation)
    assert cache.get("menu") is None


@pytest.mark.parametrize("app_config", [{"HOST_CACHE_ENTRIES": 3}], indirect=True)
def test_the_host_cache_keeps_the_hosts_in_use_and_drops_the_oldest(two_partners, host_client,
                                                                   queries, app):
    acme = host_client("acme.localhost")

    def lookups(host: str) -> int:
        return len(queries.during(lambda: host_client(host).get("/")))

    home_of(acme)
    lookups("nobody-1.localhost")
    lookups("nobody-2.localhost")
    assert queries.during(lambda: home_of(acme)) == []  # acme: the most recently used
    lookups("nobody-3.localhost")  # the cache is full: nobody-1 goes, not acme
    assert queries.during(lambda: home_of(acme)) == []
    assert lookups("nobody-1.localhost") == 1
    assert lookups("nobody-3.localhost") == 0
    assert len(caches_of(app).hosts) == 3


def test_unknown_page_slugs_are_not_kept_one_by_one(visitors, queries, app, clock):
    acme = visitors["acme"]
    assert acme.get("/no-such-page").status_code == 404
    content, pages = caches_of(app).content, caches_of(app).pages
    before = len(content), len(pages)

    def many_misses() -> None:
        for _ in range(2000):
            assert acme.get(f"/{secrets.token_hex(8)}").status_code == 404

    assert queries.during(many_misses) == []
    assert (len(content), len(pages)) == before


def test_addresses_with_a_query_string_are_not_kept_as_pages(visitors, app):
    for n in range(50):
        assert visitors["acme"].get(f"/?utm_source={n}").status_code == 200
    assert len(caches_of(app).pages) == 2  # the two warm home pages


def test_every_table_says_which_cache_it_feeds():
    models = {mapper.class_ for mapper in db.Model.registry.mappers}
    assert models == set(FEEDS) | FEEDS_NOTHING
    assert not set(FEEDS) & FEEDS_NOTHING


def test_a_product_change_clears_every_partners_catalogue(two_partners, app):
    """Products name no partner: what each partner sells will be built from them."""
    acme, globex = two_partners["acme"], two_partners["globex"]
    catalog.import_demo_catalogue()
    catalog.set_retail_prices(acme, "pl", register="100.00", renew="100.00", transfer="100.00")
    db.session.commit()
    catalogue(acme), catalogue(globex)
    content = caches_of(app).content
    assert content.get((acme.id, CACHE_KEY)) is not None
    product = products.create_product("ssl-dv", products.ProductDetails("ssl", "SSL DV"))
    products.set_term_price(product, 12, "39.00", "PLN")
    db.session.commit()
    assert content.get((acme.id, CACHE_KEY)) is None and content.get((globex.id, CACHE_KEY)) is None
    catalogue(acme), catalogue(globex)
    db.session.execute(update(ProductTerm).values(wholesale_price=4900))
    db.session.commit()
    assert content.get((acme.id, CACHE_KEY)) is None and content.get((globex.id, CACHE_KEY)) is None
