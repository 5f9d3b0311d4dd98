"""Frames over HTTP: who may embed them, their deep-link parameters, their forms' own CSRF defence,
the login hand-off and the signed cart. What a browser does with them: tests/browser/."""

from __future__ import annotations

import re

import pytest

from storefront.db import db
from storefront.services import catalog, subscribers

PARTNER_SITE = "https://www.acme-shop.example"
PASSWORD = "a long password"


@pytest.fixture
def shops(two_partners, host_client):
    catalog.import_demo_catalogue()
    for partner, price in ((two_partners["acme"], "100"), (two_partners["globex"], "200")):
        for tld in ("pl", "com", "com.pl", "eu"):
            catalog.set_retail_prices(partner, tld, register=price, renew=price, transfer=price)
    catalog.create_group(two_partners["acme"], "Popular", ["pl", "com", "eu"])
    catalog.create_group(two_partners["globex"], "Globex only", ["pl", "com"])
    two_partners["acme"].frame_origins = [PARTNER_SITE]
    db.session.commit()
    return {"acme": host_client("acme.localhost"), "globex": host_client("globex.localhost"),
            "platform": host_client("localhost"), **{f"{k}_partner": v
                                                     for k, v in two_partners.items()}}


FRAMES = ["/frames/user-login", "/frames/user-register", "/frames/domain-search",
          "/frames/order", "/frames/pricing"]


@pytest.mark.parametrize("path", FRAMES)
def test_frames_may_be_embedded_only_by_the_allowed_origins(shops, path):
    response = shops["acme"].get(path)
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"].endswith(f"frame-ancestors {PARTNER_SITE}")
    assert "X-Frame-Options" not in response.headers
    # Globex allows no origin: its frames can be embedded nowhere.
    assert "frame-ancestors 'none'" in shops["globex"].get(path).headers["Content-Security-Policy"]


@pytest.mark.parametrize("path", FRAMES)
def test_a_parent_origin_not_on_the_list_is_refused(shops, path):
    response = shops["acme"].get(f"{path}?parent_origin=https://evil.example")
    assert response.status_code == 400
    assert "not allowed to show this frame" in response.get_data(as_text=True)


def test_frames_do_not_exist_on_the_platform_host(shops):
    assert shops["platform"].get("/frames/domain-search").status_code == 404
    assert shops["platform"].get("/widgets/embed.js").status_code == 404


def test_embed_js_is_served_on_partner_hosts(shops):
    response = shops["acme"].get("/widgets/embed.js")
    assert response.status_code == 200 and "javascript" in response.content_type
    assert "storefront:resize" in response.get_data(as_text=True)


def test_domain_search_frame_searches_the_group_with_the_partner_prices(shops):
    body = shops["acme"].get(
        f"/frames/domain-search?q=free-abc&group=popular&parent_origin={PARTNER_SITE}"
    ).get_data(as_text=True)
    for domain in ("free-abc.pl", "free-abc.com", "free-abc.eu"):
        assert domain in body
    assert "100.00" in body and "200.00" not in body
    # The parent origin is kept on every link, so the frame stays embeddable as it navigates.
    assert "parent_origin=https://www.acme-shop.example" in body
    assert "<script" in body and "script src=\"/static/widgets/frame." in body


def test_another_partners_group_is_404(shops):
    assert shops["acme"].get("/frames/domain-search?group=globex-only").status_code == 404
    assert shops["acme"].get("/frames/pricing?group=globex-only").status_code == 404
    assert shops["globex"].get("/frames/pricing?group=globex-only").status_code == 200


@pytest.mark.parametrize("years", ["abc", "0", "11", "-1", "1.5"])
def test_bad_years_are_refused(shops, years):
    response = shops["acme"].get(f"/frames/domain-search?q=free-abc&years={years}")
    assert response.status_code == 400
    assert "years" in response.get_data(as_text=True)


def test_html_in_the_query_is_shown_escaped(shops):
    body = shops["acme"].get("/frames/domain-search?q=<script>alert(1)</script>").get_data(
        as_text=True)
    assert "<script>alert(1)" not in body and "&lt;script&gt;" in body


def test_pricing_frame_shows_the_group_prices(shops):
    body = shops["acme"].get("/frames/pricing?group=popular").get_data(as_text=True)
    assert ".pl" in body and ".eu" in body and ".com.pl" not in body


def _token(body: str) -> str:
    return re.search(r'name="frame_token" value="([^"]+)"', body).group(1)


def test_login_frame_hands_a_single_use_token_to_the_storefront(shops):
    subscribers.register(shops["acme_partner"], "ann@example.com", PASSWORD, "Ann")
    db.session.commit()
    frame = shops["acme"].get(f"/frames/user-login?parent_origin={PARTNER_SITE}")
    done = shops["acme"].post(
        f"/frames/user-login?parent_origin={PARTNER_SITE}",
        data={"email": "ann@example.com", "password": PASSWORD,
              "frame_token": _token(frame.get_data(as_text=True))},
        headers={"Origin": "http://acme.localhost"},
    )
    body = done.get_data(as_text=True)
    assert done.status_code == 200 and "Welcome, Ann" in body
    url = re.search(r'data-handoff="([^"]+)"', body).group(1)
    assert url == "http://acme.localhost/account/handoff/arrive"
    token = re.search(r'data-token="([^"]+)"', body).group(1)
    # The top window: no cookie of the frame's. embed.js posts the token from the partner's page.
    top = shops["acme"].application.test_client()
    arrived = top.post("/account/handoff/arrive", data={"token": token},
                       headers={"Host": "acme.localhost", "Origin": PARTNER_SITE})
    landed = top.get(arrived.headers["Location"], headers={"Host": "acme.localhost"})
    assert landed.headers["Location"] == "/account/"
    panel = top.get("/account/", headers={"Host": "acme.localhost"})
    assert "Hello, Ann" in panel.get_data(as_text=True)


def test_login_frame_refuses_a_wrong_password_in_the_frame(shops):
    subscribers.register(shops["acme_partner"], "ann@example.com", PASSWORD, "Ann")
    db.session.commit()
    frame = shops["acme"].get("/frames/user-login")
    wrong = shops["acme"].post("/frames/user-login", data={
        "email": "ann@example.com", "password": "nope", "frame_token": _token(frame.text)})
    assert wrong.status_code == 400 and "Wrong e-mail or password" in wrong.text
    assert 'value="ann@example.com"' in wrong.text


def test_frame_forms_without_their_token_or_from_another_origin_are_refused(shops):
    subscribers.register(shops["acme_partner"], "ann@example.com", PASSWORD, "Ann")
    db.session.commit()
    good = {"email": "ann@example.com", "password": PASSWORD}
    assert shops["acme"].post("/frames/user-login", data=good).status_code == 403
    token = _token(shops["acme"].get("/frames/user-login").text)
    forged = shops["acme"].post("/frames/user-login", data={**good, "frame_token": token},
                                headers={"Origin": "https://evil.example"})
    assert forged.status_code == 403
    # A token made for Globex's frame does not work at Acme.
    globex_token = _token(shops["globex"].get("/frames/user-login").text)
    assert shops["acme"].post("/frames/user-login",
                              data={**good, "frame_token": globex_token}).status_code == 403


def test_register_frame_creates_the_account_or_says_what_is_wrong(shops):
    token = _token(shops["acme"].get("/frames/user-register").text)
    bad = shops["acme"].post("/frames/user-register", data={
        "name": "Bo", "email": "bo@example.com", "password": "short", "frame_token": token})
    assert bad.status_code == 400 and "at least 10" in bad.text
    ok = shops["acme"].post("/frames/user-register", data={
        "name": "Bo", "email": "bo@example.com", "password": PASSWORD, "frame_token": token})
    assert ok.status_code == 200 and "data-handoff" in ok.text


def checkout_token(frame_text: str) -> str:
    """The signed cart of the order frame's "Go to checkout" form, which posts to the top window."""
    form = re.search(r'<form method="post" action="http://acme.localhost/cart/import" '
                     r'target="_top"[^>]*>\s*<input type="hidden" name="c" value="([^"]+)">',
                     frame_text)
    assert form is not None, frame_text
    return form.group(1)


def hand_off(client, token: str, host: str = "acme.localhost", origin: str | None = None):
    """The frame's checkout post, sent from the frame's own page (its Origin) unless told."""
    return client.post("/cart/import", data={"c": token}, headers={
        "Host": host, "Origin": origin or f"http://{host}"})


def test_order_frame_hands_a_signed_cart_to_the_storefront(shops):
    frame = shops["acme"].get("/frames/order?add=free-abc.pl&years=2")
    assert "free-abc.pl" in frame.text and "200.00" in frame.text  # 2 years at 100
    assert "form-action 'self' http://acme.localhost;" in frame.headers["Content-Security-Policy"]
    token = checkout_token(frame.text)
    top = shops["acme"].application.test_client()
    assert hand_off(top, token).status_code == 303
    cart = top.get("/cart/", headers={"Host": "acme.localhost"})
    assert "free-abc.pl" in cart.text and "200.00" in cart.text
    # The same token means nothing at another partner.
    elsewhere = shops["globex"].application.test_client()
    assert hand_off(elsewhere, token, "globex.localhost").status_code == 302
    other = elsewhere.get("/cart/", headers={"Host": "globex.localhost"})
    assert "free-abc.pl" not in other.text and "expired" in other.text


def test_order_frame_refuses_years_out_of_range_and_unsold_tlds(shops):
    too_long = shops["acme"].get("/frames/order?add=free-abc.pl&years=20")
    assert too_long.status_code == 400 and "1 to 10 years" in too_long.text
    unsold = shops["acme"].get("/frames/order?add=free-abc.xyz")
    assert unsold.status_code == 400 and "offer .xyz" in unsold.text


def test_a_taken_domain_is_offered_for_transfer_at_the_transfer_price(shops):
    acme = shops["acme_partner"]
    catalog.set_retail_prices(acme, "eu", register="100", renew="100", transfer="77")
    db.session.commit()
    search = shops["acme"].get("/frames/domain-search?q=taken-abc.eu").text
    assert "operation=transfer" in search and "77.00" in search
    frame = shops["acme"].get("/frames/order?add=taken-abc.eu&years=1&operation=transfer")
    assert "(transfer)" in frame.text and "77.00" in frame.text
    assert "taken-abc.eu:1:transfer" in frame.text
    top = shops["acme"].application.test_client()
    hand_off(top, checkout_token(frame.text))
    cart = top.get("/cart/", headers={"Host": "acme.localhost"}).text
    assert "taken-abc.eu" in cart and "(transfer)" in cart and "77.00" in cart


def test_storefront_cart_adds_changes_and_removes(shops):
    acme = shops["acme"]
    assert acme.post("/cart/add", data={"domain": "free-abc.pl", "years": "3"}).status_code == 303
    assert "300.00" in acme.get("/cart/").text  # 3 years at 100
    bad = acme.post("/cart/add", data={"domain": "free-abc.pl", "years": "x"})
    assert bad.status_code == 400 and "not a number of years" in bad.text
    acme.post("/cart/update", data={"domain": "free-abc.pl", "years": "1", "action": "update"})
    assert "100.00" in acme.get("/cart/").text
    acme.post("/cart/update", data={"domain": "free-abc.pl", "action": "remove"})
    assert "Your cart is empty" in acme.get("/cart/").text
    # Globex's cart never shows Acme's.
    assert "free-abc" not in shops["globex"].get("/cart/").text


def test_cart_and_promo_bad_input_is_refused_cleanly(shops):
    acme = shops["acme"]
    missing = acme.post("/cart/update", data={"domain": "free-zzz.pl", "years": "2",
                                              "action": "update"})
    assert missing.status_code == 400 and "not in your cart" in missing.text
    assert "Your cart is empty" in acme.get("/cart/").text
    promo = acme.get("/frames/order?promo=<script>")
    assert promo.status_code == 400 and "promotion code is not valid" in promo.text
    assert "<script>" not in promo.text
