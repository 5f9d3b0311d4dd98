"""The cold path: a storefront nobody visited in this process lately costs few queries, and a page's
HTML is made when the page is saved, not on every request."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import event, select, update

from cms_pages import rendering, services
from cms_pages.models import Page
from storefront.caches import caches_of
from storefront.db import db
from storefront.services import ads, catalog
from storefront.services.catalog import format_price

CSV = ("tld,kind,register,renew,transfer,currency,min_years,max_years,idn,backend,enabled\n"
       "com,generic,1.00,1.00,1.00,PLN,1,10,1,sandbox,1\n"
       "pl,generic,1.00,1.00,1.00,PLN,1,10,1,sandbox,1\n"
       "eu,generic,1.00,1.00,1.00,PLN,1,10,0,sandbox,1\n")


@pytest.fixture
def statements(app):
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    yield seen
    event.remove(db.engine, "before_cursor_execute", record)


@pytest.fixture
def shop(two_partners):
    """Acme sells three TLDs in a default group, has an ad today and one that ended."""
    acme = two_partners["acme"]
    catalog.import_catalogue(io.StringIO(CSV))
    for name, price in (("com", "59.00"), ("pl", "19.00"), ("eu", "29.00")):
        catalog.set_retail_prices(acme, name, register=price, renew="80.00", transfer="50.00")
    catalog.create_group(acme, "Popular", ["pl", "com"])
    ads.create_ad(acme, ads.AdInput(kind="text", title="Winter sale", body="All .pl for less"))
    ads.create_ad(acme, ads.AdInput(kind="text", title="Old news", body="Gone",
                                    ends_on=date.today() - timedelta(days=1)))
    db.session.commit()
    return two_partners


def _cold(app) -> None:
    for cache in (caches_of(app).hosts, caches_of(app).content, caches_of(app).pages):
        cache.forget_partner(None, {"site", "content", "catalogue"})
        for partner_id in list(cache._keys_of):
            cache.forget_partner(partner_id, {"site", "content", "catalogue"})


@pytest.mark.parametrize("path", ["/", "/contact"])
def test_a_cold_page_takes_at_most_three_queries(app, shop, host_client, statements, path):
    site = host_client("acme.localhost")
    _cold(app)
    assert len(caches_of(app).content) == 0 and len(caches_of(app).hosts) == 0
    statements.clear()
    page = site.get(path)
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert len(statements) <= 3, statements
    # What the queries brought is all there: menu, footer, today's ad and not the old one.
    assert 'href="/contact"' in body and 'href="/terms"' in body
    assert "Winter sale" in body and "Old news" not in body
    if path == "/":  # the price table of the default group, in group order
        assert body.index(".pl") < body.index(".com") and "Acme Hosting" in body
        assert format_price(1900, "PLN") in body and format_price(5900, "PLN") in body
        assert ".eu" not in body.split("Prices", 1)[1].split("</table>", 1)[0]


def test_an_unknown_slug_on_a_cold_storefront_is_404_in_three_queries(app, shop, host_client,
                                                                       statements):
    site = host_client("acme.localhost")
    _cold(app)
    statements.clear()
    assert site.get("/no-such-page").status_code == 404
    assert len(statements) <= 3, statements


def test_the_body_html_is_made_when_the_page_is_saved(app, shop):
    acme = shop["acme"]
    page = services.create_page(acme, services.PageFields(
        title="Offer", slug="offer", body="# Big *news*\n\n[[tld-prices]]\n\n<script>x()</script>"))
    stored = page.body_html
    assert "<h1>Big <em>news</em></h1>" in stored and "script" not in stored
    assert rendering.module_marker("tld-prices") in stored
    services.update_page(acme, page, services.PageFields(title="Offer", slug="offer",
                                                         body="Just text"))
    assert page.body_html == "<p>Just text</p>\n"


def test_a_page_saved_before_body_html_existed_still_shows(app, shop, host_client):
    """Rows from before the column: rendered from the Markdown until `flask render-pages`."""
    acme = shop["acme"]
    db.session.execute(update(Page).where(Page.partner_id == acme.id).values(body_html=""))
    db.session.commit()
    body = host_client("acme.localhost").get("/").get_data(as_text=True)
    assert "Why Acme Hosting" in body and format_price(1900, "PLN") in body
    runner = app.test_cli_runner()
    result = runner.invoke(args=["render-pages"])
    assert result.exit_code == 0, result.output
    stored = db.session.scalars(select(Page.body_html).where(Page.partner_id == acme.id)).all()
    assert all(stored) and any(rendering.module_marker("tld-prices") in s for s in stored)


def test_a_body_cannot_forge_a_module_marker(app, shop, host_client):
    """The marker is an HTML comment, which the sanitiser strips from what an editor writes."""
    acme = shop["acme"]
    marker = rendering.module_marker("login-box")
    page = services.create_page(acme, services.PageFields(
        title="Sneaky", slug="sneaky", body=f"Hello {marker}\n\n<p>{marker}</p>\n\n`{marker}`"))
    services.set_published(acme, page, True)
    db.session.commit()
    body = host_client("acme.localhost").get("/sneaky").get_data(as_text=True)
    assert "Hello" in body and "Log in to your account" not in body
