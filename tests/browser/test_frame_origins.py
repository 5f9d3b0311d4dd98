"""A wildcard frame origin in headless Chromium: a page on a subdomain of the listed name gets the
frame (embed.js or a plain <iframe>) and its messages, the bare name gets no frame; and frame.js's
matcher answers as widgets/origins.py does.

The panel takes a wildcard only with https; these pages are served over http on *.localhost, so the
test lists `http://*.partner.localhost:<port>` itself. The rules are the same for either scheme."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from storefront.db import db
from widgets.origins import origin_allowed

from .test_frames import content_frame, fitted_height, frame_ancestors_violations, wait_until

pytestmark = pytest.mark.browser

FRAME_JS = Path(__file__).parents[2] / "widgets" / "static" / "frame.js"
# What a browser may call an origin (lower case, no trailing slash), against listed origins.
SOURCES = ["https://*.example.com", "https://*.example.com:8443", "https://www.example.com",
           "http://localhost:8000"]
ORIGINS = ["https://a.example.com", "https://a.b.example.com", "https://a.example.com:443",
           "https://a.example.com:8443", "https://example.com", "http://a.example.com",
           "https://x/.example.com", "https://evil.com#.example.com",
           "https://evil.com?.example.com", "https://a.example.com.evil.com",
           "https://user@a.example.com", "https://evil-example.com", "https://*.example.com",
           "https://www.example.com", "https://a.www.example.com", "http://localhost:8000",
           "http://localhost", "https://a_b.example.com", "https://a..example.com", "null", ""]


@pytest.fixture
def wildcard_shop(shop):
    """Acme lists only `http://*.partner.localhost:<port>`: www.partner.localhost is a subdomain,
    partner.localhost (the fixture's usual partner site) is not."""
    port = shop.site.server_address[1]
    shop.acme.frame_origins = [f"http://*.partner.localhost:{port}"]
    db.session.commit()
    shop.hosts["www"] = f"http://www.partner.localhost:{port}"
    return shop


def test_a_page_on_a_subdomain_gets_the_frames_and_their_messages(wildcard_shop, page: Page):
    shop = wildcard_shop
    plain = shop.url("acme", "/frames/pricing?group=everything")
    page.goto(shop.page("/", shop.embed("domain-search", group="popular")
                        + f'<iframe src="{plain}" title="Prices"></iframe>'
                        + "<script>window.heard = []; addEventListener('message', e => "
                          "heard.push([e.origin, e.data && e.data.type,"
                          " e.source === document.querySelector('iframe[title=Prices]')"
                          ".contentWindow]));</script>", host="www"))

    search = page.frame_locator("iframe[src*='/frames/domain-search']")
    expect(search.get_by_label("Domain name")).to_be_editable()
    # embed.js's frame was told this origin, and its height messages arrive.
    frame = content_frame(page, "/frames/domain-search")
    assert frame.evaluate("document.body.dataset.parentOrigin") == shop.url("www", "")
    assert fitted_height(page, "/frames/domain-search") < 160
    # The plain iframe has no parent_origin: frame.js matched the embedding page itself against
    # the wildcard and posts its height to it.
    expect(page.frame_locator("iframe[title=Prices]").locator("tbody tr")).to_have_count(20)
    wait_until(page, lambda: [shop.url("acme", ""), "storefront:resize", True]
               in page.evaluate("heard"))


def test_the_bare_name_of_a_wildcard_gets_no_frame(wildcard_shop, page: Page):
    shop = wildcard_shop
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.goto(shop.page("/", shop.embed("pricing")))  # on partner.localhost itself
    wait_until(page, lambda: frame_ancestors_violations(console))
    wait_until(page, lambda: page.frames[1].url.startswith("chrome-error://"))


def test_frame_js_matches_origins_as_the_server_does(page: Page):
    source = FRAME_JS.read_text()
    matcher = source[source.index("  var LABEL"):source.index("  var parentOrigin")]
    cases = [[origin, listed] for origin in ORIGINS for listed in SOURCES]
    answers = page.evaluate(
        f"cases => {{ {matcher} return cases.map(c => matches(c[0], c[1])); }}", cases)
    expected = [origin_allowed(origin, [listed]) for origin, listed in cases]
    assert sum(expected) == 8  # both sides admit some, and refuse the rest
    assert [case for case, js, py in zip(cases, answers, expected, strict=True) if js != py] == []
