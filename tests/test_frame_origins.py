"""A partner's frame origins matched as the browser matches `frame-ancestors`: a listed
`https://*.example.com` lets any subdomain embed the frames (and hand a login over), never the bare
domain, another scheme or port, or an origin forged to look like a subdomain."""

from __future__ import annotations

import pytest

from storefront.db import db
from storefront.services import branding, subscribers
from widgets.origins import canonical_origin, origin_allowed, parse_origin

WILDCARD = "https://*.acme-shop.example"
PASSWORD = "a long password"

FORGED = [
    "https://acme-shop.example",  # the bare domain is not its own subdomain
    "http://www.acme-shop.example",  # the scheme must be the same
    "https://www.acme-shop.example:8443",  # and the port
    "https://x/.acme-shop.example",
    "https://evil.com#.acme-shop.example",
    "https://evil.com?.acme-shop.example",
    "https://evil.com\\.acme-shop.example",
    "https://www.acme-shop.example.evil.com",
    "https://evilacme-shop.example",
    "https://user@www.acme-shop.example",
    "https://www.acme-shop.example@evil.com",
    "https://*.acme-shop.example",
    "https://www.acme-shop.example/path",
    "https://www.acme-shop.example.",
    "https://a_b.acme-shop.example",
    "https://-a.acme-shop.example",
    "https://a..acme-shop.example",
    "https://.acme-shop.example",
    "https://www.acme-shop.ex\u0430mple",  # a Cyrillic a
    "https://www.acme-shop.example:",
    "https://www.acme-shop.example:0",
    "https://www.acme-shop.example:99999",
    "//www.acme-shop.example",
    "www.acme-shop.example",
    "null",
]


# -- the matcher --------------------------------------------------------------------------------


@pytest.mark.parametrize("origin", [
    "https://a.example.com",
    "https://a.b.example.com",
    "https://xn--bcher-kva.example.com",
    "https://a.example.com:443",  # the default port, written out
    "https://A.Example.COM",
    " https://a.example.com/",  # the spaces and trailing slash the old check forgave
])
def test_a_wildcard_matches_every_subdomain_at_any_depth(origin):
    assert origin_allowed(origin, ["https://*.example.com"])


@pytest.mark.parametrize("origin", [
    "https://example.com",
    "http://a.example.com",
    "https://a.example.com:8443",
    "https://x/.example.com",
    "https://evil.com#.example.com",
    "https://evil.com?.example.com",
    "https://a.example.com.evil.com",
    "https://evil-example.com",
    "https://aexample.com",
    "https://user@a.example.com",
    "https://user:pw@a.example.com",
    "https://a.example.com:443@evil.com",
    "https://a.example.com/.",
    "https://a.example.com/x",
    "https://a.example.com.",
    "https://a_b.example.com",
    "https://a-.example.com",
    "https://a..example.com",
    "https://*.example.com",
    "https://a.example.co\u212a",  # a Kelvin sign, which lower() makes a "k"
    "https://" + "a" * 64 + ".example.com",
    "https://" + "a." * 125 + "example.com",  # longer than 253
    "ftp://a.example.com",
    "null",
    "",
])
def test_a_wildcard_matches_nothing_else(origin):
    assert not origin_allowed(origin, ["https://*.example.com"])


def test_a_listed_port_must_be_the_port():
    listed = ["https://*.example.com:8443"]
    assert origin_allowed("https://a.example.com:8443", listed)
    assert not origin_allowed("https://a.example.com", listed)
    assert not origin_allowed("https://a.example.com:443", listed)
    assert not origin_allowed("https://example.com:8443", listed)


def test_an_origin_listed_without_a_wildcard_matches_only_itself():
    listed = ["https://www.example.com", "http://localhost:8000"]
    for origin in ("https://www.example.com", "https://www.example.com:443",
                   "http://localhost:8000"):
        assert origin_allowed(origin, listed), origin
    for origin in ("https://a.www.example.com", "http://www.example.com", "https://example.com",
                   "http://localhost", "http://localhost:8001", "https://localhost:8000"):
        assert not origin_allowed(origin, listed), origin
    assert not origin_allowed("https://a.example.com", [])


def test_every_origin_the_panel_stores_is_understood():
    text = ["https://WWW.Example.com/", "http://localhost:8000", "https://shop.example.com:443",
            "https://*.partner.pl", "https://bücher.de", "https://*.shop.co.uk:8443",
            "http://127.0.0.1:5000"]
    stored = [branding.normalise_origin(line) for line in text]
    for origin in stored:
        assert parse_origin(origin, wildcard=True) is not None, origin
    assert origin_allowed("https://xn--bcher-kva.de", stored)
    assert origin_allowed("https://a.b.partner.pl", stored)
    assert origin_allowed("https://www.shop.co.uk:8443", stored)
    assert origin_allowed("http://127.0.0.1:5000", stored)


def test_the_canonical_origin_is_the_one_the_panel_would_store():
    assert canonical_origin("https://A.Example.com:443/") == "https://a.example.com"
    assert canonical_origin("http://localhost:8000") == "http://localhost:8000"
    assert canonical_origin("http://localhost:80") == "http://localhost"
    assert canonical_origin("https://*.example.com") is None
    assert canonical_origin("https://x/.example.com") is None


# -- frames and the hand-off --------------------------------------------------------------------


@pytest.fixture
def acme(two_partners):
    partner = two_partners["acme"]
    branding.set_frame_origins(partner, WILDCARD)
    subscribers.register(partner, "ann@example.com", PASSWORD, "Ann")
    db.session.commit()
    return partner


@pytest.fixture
def shop(acme, host_client):
    return host_client("acme.localhost")


@pytest.mark.parametrize("origin,echoed", [
    ("https://www.acme-shop.example", "https://www.acme-shop.example"),
    ("https://a.b.acme-shop.example", "https://a.b.acme-shop.example"),
    ("https://Shop.acme-shop.example:443", "https://shop.acme-shop.example"),
])
def test_a_subdomain_of_a_wildcard_origin_may_embed_the_frames(shop, acme, origin, echoed):
    assert acme.frame_origins == [WILDCARD]
    response = shop.get("/frames/domain-search", query_string={"parent_origin": origin})
    assert response.status_code == 200, response.text
    assert response.headers["Content-Security-Policy"].endswith(f"frame-ancestors {WILDCARD}")
    body = response.get_data(as_text=True)
    # frame.js posts its height and the hand-off to exactly this origin.
    assert f'data-parent-origin="{echoed}"' in body
    # Its search form keeps it, so the frame stays embeddable as it navigates.
    assert f'<input type="hidden" name="parent_origin" value="{echoed}">' in body


@pytest.mark.parametrize("origin", FORGED)
def test_the_bare_domain_and_forged_origins_are_refused(shop, origin):
    response = shop.get("/frames/pricing", query_string={"parent_origin": origin})
    assert response.status_code == 400, origin
    assert "not allowed to show this frame" in response.get_data(as_text=True)


def test_a_login_in_a_frame_on_a_subdomain_is_handed_over_without_a_click(shop, acme):
    token = subscribers.issue_token(subscribers.find(acme, "ann@example.com"), "handoff")
    db.session.commit()
    arrived = shop.post("/account/handoff/arrive", data={"token": token},
                        headers={"Origin": "https://www.acme-shop.example"})
    assert shop.get(arrived.headers["Location"]).headers["Location"] == "/account/"
    assert "Hello, Ann" in shop.get("/account/", follow_redirects=True).text


@pytest.mark.parametrize("origin", ["https://acme-shop.example",
                                    "https://www.acme-shop.example.evil.com",
                                    "https://evil.com#.acme-shop.example"])
def test_a_hand_off_from_a_page_outside_the_wildcard_proves_nothing(shop, acme, origin):
    token = subscribers.issue_token(subscribers.find(acme, "ann@example.com"), "handoff")
    db.session.commit()
    arrived = shop.post("/account/handoff/arrive", data={"token": token},
                        headers={"Origin": origin})
    landed = shop.get(arrived.headers["Location"])
    assert landed.headers["Location"] == "/account/login"  # no token, no proof cookie
    assert "Hello, Ann" not in shop.get("/account/", follow_redirects=True).text

