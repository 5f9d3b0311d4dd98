"""The storefront as a visitor sees it: pages, menu, ads, assets, theme and colours, per partner."""

import hashlib
import io
import re
from datetime import date, timedelta

import pytest
from PIL import Image
from sqlalchemy import event, select

from cms_pages.models import Page
from storefront.db import db
from storefront.models import Ad, Asset
from tests.conftest import page_with_palette

ACME_PALETTE = {"primary": "#aa0011", "header": "#aa0011", "link": "#aa0011"}
GLOBEX_PALETTE = {"primary": "#00bb22", "header": "#00bb22", "link": "#00bb22"}
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f"
    b"\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x03\x00\x08\xfc\x02\xfe\xa7\x9a\xa0\xa0"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture
def shops(two_partners):
    acme, globex = two_partners["acme"], two_partners["globex"]
    acme.palette, acme.theme = ACME_PALETTE, "classic"
    globex.palette, globex.theme = GLOBEX_PALETTE, "minimal"
    acme.contact_email, acme.contact_phone = "sales@acme.example.com", "+48 22 100 20 30"
    db.session.add(Page(partner_id=acme.id, slug="hosting", title="Hosting plans",
                        menu_title="Hosting", menu_position=15, body="Fast **SSD** hosting.",
                        seo_title="Acme hosting plans", seo_description="Hosting from Acme.",
                        published=True))
    db.session.commit()
    return two_partners


def add_asset(partner, data: bytes = PNG, content_type: str = "image/png") -> str:
    sha = hashlib.sha256(data).hexdigest()
    db.session.add(Asset(partner_id=partner.id, sha256=sha, content_type=content_type, data=data))
    db.session.commit()
    return sha


def text_of(response) -> str:
    return response.get_data(as_text=True)


def test_each_partner_home_shows_its_own_name_theme_and_colours(shops, host_client):
    acme = page_with_palette(host_client("acme.localhost"))
    globex = page_with_palette(host_client("globex.localhost"))
    assert "Acme Hosting" in acme and "Globex" not in acme
    assert "Globex Domains" in globex and "Acme" not in globex
    assert "--primary:#aa0011" in acme and "#00bb22" not in acme
    assert "--primary:#00bb22" in globex and "#aa0011" not in globex
    assert "/static/classic/style." in acme and "/static/minimal/" not in acme
    assert "/static/minimal/style." in globex and "/static/classic/" not in globex


def test_home_page_has_seo_title_and_description(shops, host_client):
    body = text_of(host_client("acme.localhost").get("/"))
    assert "<title>Acme Hosting: domains, SSL certificates and hosting</title>" in body
    description = "Domains, SSL certificates and hosting from Acme Hosting."
    assert f'<meta name="description" content="{description}">' in body


def test_cms_page_is_served_with_its_seo_fields(shops, host_client):
    page = host_client("acme.localhost").get("/hosting")
    assert page.status_code == 200
    body = text_of(page)
    assert "<title>Acme hosting plans</title>" in body
    assert '<meta name="description" content="Hosting from Acme.">' in body
    assert "Fast <strong>SSD</strong> hosting." in body


def test_a_partners_page_is_404_on_another_partners_host(shops, host_client):
    assert host_client("globex.localhost").get("/hosting").status_code == 404
    missing = host_client("globex.localhost").get("/hosting")
    assert "Hosting plans" not in text_of(missing) and "Acme" not in text_of(missing)


def test_unpublished_page_is_404_and_missing_from_the_menu(shops, host_client):
    page = db.session.scalar(select(Page).where(Page.slug == "hosting"))
    page.published = False
    db.session.commit()
    site = host_client("acme.localhost")
    assert site.get("/hosting").status_code == 404
    assert 'href="/hosting"' not in text_of(site.get("/"))


def test_menu_lists_published_menu_pages_in_order_and_legal_pages_in_footer(shops, host_client):
    body = text_of(host_client("acme.localhost").get("/"))
    menu = body[body.index('class="site-menu"'):body.index("</nav>")]
    assert menu.index(">Home<") < menu.index(">Hosting<") < menu.index(">Contact<")
    assert "/terms" not in menu
    footer = body[body.index('class="site-footer"'):]
    assert 'href="/terms"' in footer and 'href="/privacy"' in footer
    assert "sales@acme.example.com" in footer and "+48 22 100 20 30" in footer


def test_menu_hides_pages_not_shown_in_the_menu(shops, host_client):
    page = db.session.scalar(select(Page).where(Page.slug == "hosting"))
    page.show_in_menu = False
    db.session.commit()
    site = host_client("acme.localhost")
    assert 'href="/hosting"' not in text_of(site.get("/"))
    assert site.get("/hosting").status_code == 200


def menu_links(body: str) -> list[str]:
    """The hrefs in the page's main menu (both themes mark it class="site-menu")."""
    menu = body[body.index('class="site-menu"'):]
    return re.findall(r'href="([^"]+)"', menu[:menu.index("</nav>")])


def test_menus_never_cross_partners(shops, host_client):
    globex, acme = (text_of(host_client(f"{slug}.localhost").get("/")) for slug in ("globex",
                                                                                    "acme"))
    assert 'href="/hosting"' not in globex
    # the positive control: each storefront shows its own menu, Acme's with its own page
    assert menu_links(globex) == ["/", "/contact"]
    assert menu_links(acme) == ["/", "/hosting", "/contact"]


@pytest.mark.parametrize("host", ["acme.localhost", "globex.localhost"])
def test_the_404_page_has_the_storefronts_menu_and_footer(shops, host_client, host):
    response = host_client(host).get("/no-such-page")
    body = text_of(response)
    assert response.status_code == 404 and "Page not found." in body
    expected = ["/", "/hosting", "/contact"] if host.startswith("acme") else ["/", "/contact"]
    assert menu_links(body) == expected
    footer = body[body.index('class="site-footer"'):]
    assert 'href="/terms"' in footer and 'href="/privacy"' in footer


def test_active_ads_show_in_their_placement_and_others_do_not(shops, host_client):
    acme, globex = shops["acme"], shops["globex"]
    today = date.today()
    ads = [
        Ad(partner_id=acme.id, title="Banner sale", placement="banner",
           link_url="https://acme.example.com/sale"),
        Ad(partner_id=acme.id, title="Sidebar offer", placement="sidebar",
           starts_on=today - timedelta(days=1), ends_on=today + timedelta(days=1)),
        Ad(partner_id=acme.id, title="Switched off", placement="banner", enabled=False),
        Ad(partner_id=acme.id, title="Already over", placement="sidebar",
           ends_on=today - timedelta(days=1)),
        Ad(partner_id=acme.id, title="Not yet", placement="sidebar",
           starts_on=today + timedelta(days=1)),
        Ad(partner_id=acme.id, title="For subscribers", placement="account"),
        Ad(partner_id=acme.id, title="Bad link", placement="banner",
           link_url="javascript:alert(1)"),
        Ad(partner_id=globex.id, title="Globex promo", placement="banner"),
    ]
    db.session.add_all(ads)
    db.session.commit()
    body = text_of(host_client("acme.localhost").get("/"))
    banner = body[body.index('class="banner-ads"'):body.index('class="wrap layout')]
    sidebar = body[body.index('<aside class="sidebar"'):body.index("</aside>", body.index(
        '<aside class="sidebar"'))]
    assert "Banner sale" in banner and 'href="https://acme.example.com/sale"' in banner
    assert "Sidebar offer" in sidebar
    for hidden in ("Switched off", "Already over", "Not yet", "For subscribers", "Globex promo"):
        assert hidden not in body
    assert "Bad link" in body and "javascript:" not in body
    assert "Banner sale" not in text_of(host_client("globex.localhost").get("/"))


def test_image_ad_and_logo_use_the_partners_assets(shops, host_client):
    acme = shops["acme"]
    sha = add_asset(acme)
    acme.logo_sha = sha
    acme.favicon_sha = sha
    db.session.add(Ad(partner_id=acme.id, kind="image", image_sha=sha, title="Pic",
                      placement="sidebar"))
    db.session.commit()
    body = text_of(host_client("acme.localhost").get("/"))
    assert f'<img src="/assets/{sha}" alt="Acme Hosting">' in body
    assert f'<link rel="icon" href="/assets/{sha}">' in body
    assert f'<img src="/assets/{sha}" alt="Pic">' in body
    globex = text_of(host_client("globex.localhost").get("/"))
    assert sha not in globex
    assert '<span class="logo-text">Globex Domains</span>' in globex


def test_the_platform_host_serves_its_favicon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.mimetype == "image/x-icon"
    assert response.headers["Cache-Control"] == "public, max-age=86400"
    with Image.open(io.BytesIO(response.data)) as icon:
        assert icon.format == "ICO" and icon.size[0] >= 16
    again = client.get("/favicon.ico", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_a_storefront_serves_the_partners_own_favicon_or_none(shops, host_client):
    acme = shops["acme"]
    acme.favicon_sha = add_asset(acme)
    db.session.commit()
    response = host_client("acme.localhost").get("/favicon.ico")
    assert response.status_code == 200 and response.data == PNG
    assert response.content_type == "image/png"
    assert response.headers["Cache-Control"] == "public, max-age=86400"
    # Globex has none: never the platform's icon (white-label), and its pages say so, so
    # browsers do not ask for /favicon.ico on every page.
    assert host_client("globex.localhost").get("/favicon.ico").status_code == 404
    assert '<link rel="icon" href="data:,">' in text_of(host_client("globex.localhost").get("/"))
    assert host_client("nobody.localhost").get("/favicon.ico").status_code == 404


def test_asset_is_served_with_immutable_caching(shops, host_client):
    sha = add_asset(shops["acme"])
    site = host_client("acme.localhost")
    response = site.get(f"/assets/{sha}")
    assert response.status_code == 200
    assert response.data == PNG
    assert response.content_type == "image/png"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["ETag"] == f'"{sha}"'
    again = site.get(f"/assets/{sha}", headers={"If-None-Match": f'"{sha}"'})
    assert again.status_code == 304


def test_another_partners_asset_is_404(shops, host_client):
    sha = add_asset(shops["globex"])
    assert host_client("acme.localhost").get(f"/assets/{sha}").status_code == 404
    assert host_client("globex.localhost").get(f"/assets/{sha}").status_code == 200


@pytest.mark.parametrize("bad", ["nothex", "A" * 64, "0" * 63, "../../etc/passwd"])
def test_malformed_asset_names_are_404(shops, host_client, bad):
    assert host_client("acme.localhost").get(f"/assets/{bad}").status_code == 404


def test_svg_asset_is_sandboxed(shops, host_client):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>'
    sha = add_asset(shops["acme"], svg, "image/svg+xml")
    response = host_client("acme.localhost").get(f"/assets/{sha}")
    assert response.mimetype == "image/svg+xml"
    assert response.headers["Content-Security-Policy"] == (
        "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    )


def test_pages_hold_no_inline_script_or_style_attribute(shops, host_client):
    for host in ("acme.localhost", "globex.localhost"):
        response = host_client(host).get("/")
        body = text_of(response)
        assert "<script" not in body and "style=" not in body and "<style" not in body
        # Without an inline <style>, the page needs no nonce and the page cache may keep it.
        assert "'nonce-" not in response.headers["Content-Security-Policy"]


def test_palette_stylesheet_is_cached_for_good_and_changes_address_with_the_colours(
        shops, host_client):
    acme = host_client("acme.localhost")
    link = re.search(r'href="(/palette/[0-9a-f]+\.css)"', text_of(acme.get("/"))).group(1)
    response = acme.get(link)
    assert response.mimetype == "text/css" and "--primary:#aa0011" in response.text
    assert "immutable" in response.headers["Cache-Control"]
    shops["acme"].palette = {**ACME_PALETTE, "primary": "#123456"}
    db.session.commit()
    newer = re.search(r'href="(/palette/[0-9a-f]+\.css)"', text_of(acme.get("/"))).group(1)
    assert newer != link and "--primary:#123456" in acme.get(newer).text
    assert acme.get(link).headers["Cache-Control"] == "no-cache"


def test_search_escapes_the_query(shops, host_client):
    response = host_client("acme.localhost").get("/search?q=<script>alert(1)</script>.com")
    assert response.status_code == 200
    body = text_of(response)
    assert 'role="alert"' in body  # refused with a message; tests/test_domain_search.py has more
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.com" in body and "<script>" not in body


def test_search_and_pages_are_not_served_on_the_platform_host(shops, client):
    assert client.get("/hosting").status_code == 404
    assert client.get("/search?q=x").status_code == 404


def test_warm_storefront_pages_run_no_query(shops, host_client):
    seen = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    site = host_client("acme.localhost")
    site.get("/")
    site.get("/hosting")
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert site.get("/").status_code == 200
        assert site.get("/hosting").status_code == 200
        assert site.get("/missing").status_code == 404
        assert site.get("/missing").status_code == 404
        assert site.get("/also-missing").status_code == 404
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    # The first miss reads the page, then the partner's published slugs; other misses read nothing.
    assert len(seen) <= 2


def test_editing_a_page_shows_at_once(shops, host_client):
    site = host_client("acme.localhost")
    assert "Fast" in text_of(site.get("/hosting"))
    page = db.session.scalar(select(Page).where(Page.slug == "hosting"))
    page.body = "Now even faster."
    db.session.commit()
    assert "Now even faster." in text_of(site.get("/hosting"))
