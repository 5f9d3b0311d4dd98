"""The order frame and the storefront's cart check items the same way (services/cart.check):
a malformed name is refused with a message, and a taken name is never a registration. Only a POST
changes the storefront's cart: adding from the search results and the order frame's hand-off."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from storefront.db import db
from storefront.services import cart, catalog, domains

ACME = "acme.localhost"


@pytest.fixture
def shops(two_partners, host_client):
    catalog.import_demo_catalogue()
    for partner in (two_partners["acme"], two_partners["globex"]):
        for tld in ("pl", "com", "eu"):
            catalog.set_retail_prices(partner, tld, register="100", renew="100", transfer="77")
    db.session.commit()
    return {"acme": host_client(ACME), "partner": two_partners["acme"]}


def order(client, query: str):
    response = client.get(f"/frames/order?{query}")
    return response.status_code, response.get_data(as_text=True)


def token_in(frame: str) -> str:
    return re.search(r'name="c" value="([^"]+)"', frame).group(1)


def items_in(frame: str) -> str:
    found = re.search(r'name="items" value="([^"]*)"', frame)
    return found.group(1) if found else ""


def cart_of(client, host: str = ACME) -> str:
    return client.get("/cart/", headers={"Host": host}).get_data(as_text=True)


# -- the order frame checks every item as the cart does -----------------------------------------


@pytest.mark.parametrize(("domain", "says"), [
    ("-bad-.pl", "start or end with a hyphen"),
    ("a b.pl", "can&#39;t contain spaces"),
    ("xn--zz.pl", "not a valid internationalised"),
    ("shop.free-abc.pl", "without a sub-domain"),
    ("free-abc.xyz", "offer .xyz"),
])
def test_the_order_frame_refuses_a_malformed_item_wherever_it_comes_from(shops, domain, says):
    for query in (f"add={quote(domain)}", f"items={quote(domain)}:1"):
        status, frame = order(shops["acme"], query)
        assert status == 400 and says in frame, (query, frame)
        assert items_in(frame) == "" and "Your cart is empty." in frame
    # Beside a good item, only the good one is priced, kept and handed to the checkout.
    status, frame = order(shops["acme"], f"items=free-abc.pl:1,{quote(domain)}:2")
    assert status == 400 and says in frame and "100.00" in frame and "200.00" not in frame
    assert items_in(frame) == "free-abc.pl:1"
    assert cart.open_cart(shops["partner"], token_in(frame))[0] == [
        ("free-abc.pl", 1, "register")]


def test_a_taken_name_is_offered_for_transfer_not_registration(shops):
    status, frame = order(shops["acme"], "add=google.com&years=1")
    assert status == 400 and "google.com is already registered" in frame
    assert "100.00" not in frame and items_in(frame) == ""
    transfer = re.search(r'href="([^"]*add=google.com[^"]*)"', frame).group(1)
    assert "operation=transfer" in transfer
    status, frame = order(shops["acme"], transfer.split("?", 1)[1].replace("&amp;", "&"))
    assert status == 200 and "(transfer)" in frame and "77.00" in frame
    assert items_in(frame) == "google.com:1:transfer"
    # A hand-edited address gets the same answer.
    status, frame = order(shops["acme"], "items=free-abc.pl:1,google.com:1")
    assert status == 400 and "google.com is already registered" in frame
    assert items_in(frame) == "free-abc.pl:1"


def test_a_name_the_registry_did_not_answer_for_is_not_priced(shops, extra_app):
    broken = extra_app(REGISTRAR_BACKENDS={name: {"kind": "sandbox", "failure_rate": 1.0}
                                           for name in ("sandbox", "epp")})
    response = broken.test_client().get("/frames/order?add=free-abc.com",
                                        headers={"Host": ACME})
    frame = response.get_data(as_text=True)
    assert response.status_code == 400 and "couldn&#39;t check whether free-abc.com" in frame
    assert "100.00" not in frame


@pytest.mark.parametrize("promo", ["ＰＲＯＭＯ", "٦٩", "PROMO²"])
def test_a_promotion_code_is_ascii(shops, promo):
    status, frame = order(shops["acme"], f"add=free-abc.pl&promo={quote(promo)}")
    assert status == 400 and "promotion code is not valid" in frame


def test_the_frame_refusals_speak_polish(shops):
    status, frame = order(shops["acme"], "add=google.com&locale=pl")
    assert status == 400 and "google.com jest już zarejestrowana" in frame
    assert "Przenieś google.com" in frame
    status, frame = order(shops["acme"], "add=a%20b.pl&locale=pl")
    assert "Nazwy domen nie mogą zawierać spacji." in frame
    status, frame = order(shops["acme"], "add=shop.free-abc.pl&locale=pl")
    assert "Podaj jedną nazwę domeny" in frame


# -- no GET changes the cart ---------------------------------------------------------------------


def test_adding_from_the_search_results_is_a_post(shops):
    acme = shops["acme"]
    results = acme.get("/search?q=free-abc.pl").get_data(as_text=True)
    assert re.search(r'<form method="post" action="/cart/add"', results)
    assert acme.get("/cart/add?domain=free-abc.pl&years=1").status_code == 405
    assert "Your cart is empty" in cart_of(acme)
    assert acme.post("/cart/add", data={"domain": "free-abc.pl", "years": "1"}).status_code == 303
    assert "free-abc.pl" in cart_of(acme)
    taken = acme.post("/cart/add", data={"domain": "google.com", "years": "1"})
    assert taken.status_code == 400 and "google.com is already registered" in taken.text
    assert acme.post("/cart/add", data={"domain": "google.com", "operation": "transfer"}
                     ).status_code == 303
    assert "google.com" in cart_of(acme) and "77.00" in cart_of(acme)


def test_adding_needs_the_sessions_csrf_token(shops, extra_app):
    guarded = extra_app(WTF_CSRF_ENABLED=True).test_client()
    forged = guarded.post("/cart/add", data={"domain": "free-abc.pl", "years": "1"},
                          headers={"Host": ACME})
    assert forged.status_code == 400
    assert "Your cart is empty" in cart_of(guarded)
    results = guarded.get("/search?q=free-abc.pl", headers={"Host": ACME}).get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', results).group(1)
    added = guarded.post("/cart/add", data={"domain": "free-abc.pl", "years": "1",
                                            "csrf_token": csrf}, headers={"Host": ACME})
    assert added.status_code == 303 and "free-abc.pl" in cart_of(guarded)


def test_the_signed_cart_is_shown_on_a_get_and_added_only_by_a_post(shops, extra_app):
    token = token_in(order(shops["acme"], "add=free-abc.pl&years=2")[1])
    top = extra_app(WTF_CSRF_ENABLED=True).test_client()
    link = top.get(f"/cart/import?c={token}", headers={"Host": ACME})
    page = link.get_data(as_text=True)
    assert link.status_code == 200 and "Add these domains to your cart?" in page
    assert "free-abc.pl" in page and "200.00" in page
    assert "Your cart is empty" in cart_of(top)
    # A post from another site (a page that submits someone's token) only shows it, too.
    stranger = top.post("/cart/import", data={"c": token},
                        headers={"Host": ACME, "Origin": "https://evil.example"})
    assert stranger.status_code == 200 and "Your cart is empty" in cart_of(top)
    # The page's own button posts with the session's CSRF token.
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    confirmed = top.post("/cart/import", data={"c": token, "csrf_token": csrf},
                         headers={"Host": ACME})
    assert confirmed.status_code == 303 and "free-abc.pl" in cart_of(top)


def test_the_frames_checkout_post_is_added_at_once(shops, extra_app):
    """The frame has no cookie here (third-party), so no CSRF token: its Origin, one of the
    partner's own hosts, is what proves the post came from the frame."""
    domains.add_domain(shops["partner"], "shop.acme.test", verified=True)
    db.session.commit()
    token = token_in(order(shops["acme"], "add=free-abc.pl&years=2")[1])
    guarded = extra_app(WTF_CSRF_ENABLED=True)
    for origin in ("http://acme.localhost", "https://shop.acme.test"):
        top = guarded.test_client()
        sent = top.post("/cart/import", data={"c": token},
                        headers={"Host": ACME, "Origin": origin})
        assert sent.status_code == 303 and "200.00" in cart_of(top), origin
    other = top.post("/cart/import", data={"c": token},
                     headers={"Host": ACME, "Origin": "http://globex.localhost"})
    assert other.status_code == 200  # another partner's pages: shown, not added


def test_an_import_drops_what_can_no_longer_be_ordered(shops):
    with shops["acme"].application.test_request_context():
        token = cart.sign_cart(shops["partner"], [("free-abc.pl", 1, "register"),
                                                  ("google.com", 1, "register"),
                                                  ("-bad-.pl", 1, "register")])
    top = shops["acme"].application.test_client()
    assert top.post("/cart/import", data={"c": token},
                    headers={"Host": ACME, "Origin": "http://acme.localhost"}).status_code == 303
    page = cart_of(top)
    assert "free-abc.pl" in page and "google.com is already registered" in page
    assert "-bad-.pl: A domain name can&#39;t start or end with a hyphen." in page
    assert "<td>free-abc.pl" in page  # the lines: only the one that can be ordered
    assert "<td>google.com" not in page and "<td>-bad-.pl" not in page
