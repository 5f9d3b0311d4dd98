"""What a subscriber sees around the cart: adding from the search results keeps them there, with a
notice and the row saying "In cart"; the header shows the cart's count and who is logged in, and
a page kept by the page cache for visitors without cookies never shows either. A premium name goes
into the cart at the registry's price, or is refused when the registry quoted none."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from storefront.caches import caches_of
from storefront.db import db
from storefront.registrars.sandbox import SandboxBackend
from storefront.services import catalog, subscribers
from storefront.services.catalog import format_price

ACME = "acme.localhost"
PASSWORD = "a long password"


@pytest.fixture
def shop(two_partners, host_client):
    catalog.import_demo_catalogue()
    for tld in ("pl", "com", "eu"):
        catalog.set_retail_prices(two_partners["acme"], tld, register="100", renew="100",
                                  transfer="77")
    db.session.commit()
    return two_partners["acme"]


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def row_of(html: str, domain: str) -> str:
    """The search results' row of `domain` (its <tr>)."""
    for row in re.findall(r"<tr class=\"domain-offer.*?</tr>", html, re.S):
        if f'<span class="domain-name">{domain}</span>' in row:
            return row
    raise AssertionError(f"no row for {domain}")


def header_of(html: str) -> str:
    return re.search(r'<nav class="site-account".*?</nav>', html, re.S).group(0)


def add_from_search(client, domain: str, **back: str):
    return client.post("/cart/add", data={"domain": domain, "years": "1", "from": "search",
                                          **back})


# -- back to the search results ------------------------------------------------------------------


def test_adding_from_the_search_results_comes_back_to_them_and_the_row_says_in_cart(
        shop, host_client):
    acme = host_client(ACME)
    results = page(acme, "/search?q=%C5%BC%C3%B3%C5%82w-free.pl")  # żółw-free.pl
    form = re.search(r'<form method="post" action="/cart/add".*?</form>',
                     row_of(results, "żółw-free.pl"), re.S).group(0)
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form))
    assert fields["from"] == "search" and fields["q"] == "żółw-free.pl"

    response = acme.post("/cart/add", data=fields)
    assert response.status_code == 303
    target = urlsplit(response.headers["Location"])
    assert target.netloc in ("", ACME) and target.path == "/search"
    assert parse_qs(target.query) == {"q": ["żółw-free.pl"]}

    back = page(acme, response.headers["Location"])
    assert "żółw-free.pl is in your cart." in back
    row = row_of(back, "żółw-free.pl")
    assert "In cart" in row and 'href="/cart/"' in row and "Add to cart" not in row
    assert "Cart (1)" in header_of(back)
    # Another search shows it in the cart too; other names still have their button.
    other = page(acme, "/search?q=%C5%BC%C3%B3%C5%82w-free&group=")
    assert "In cart" in row_of(other, "żółw-free.pl")
    assert "Add to cart" in row_of(other, "żółw-free.com")
    assert "is in your cart" not in other  # the notice was shown once
    # The cart page works as before.
    cart_page = page(acme, "/cart/")
    assert "żółw-free.pl" in cart_page and format_price(10000, "PLN") in cart_page


def test_adding_the_same_name_twice_keeps_one_line(shop, host_client):
    acme = host_client(ACME)
    for _ in range(2):
        assert add_from_search(acme, "free-abc.pl", q="free-abc.pl").status_code == 303
    assert "Cart (1)" in header_of(page(acme, "/cart/"))
    assert page(acme, "/cart/").count("<td>free-abc.pl") == 1


def test_the_group_and_extension_of_the_search_come_back_too(shop, host_client):
    catalog.create_group(shop, "Polish", ["pl"])
    db.session.commit()
    acme = host_client(ACME)
    results = page(acme, "/search?q=free-abc&group=polish&tld=pl")
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"',
                             row_of(results, "free-abc.pl")))
    assert fields["group"] == "polish" and fields["tld"] == "pl"
    response = acme.post("/cart/add", data=fields)
    target = urlsplit(response.headers["Location"])
    assert target.path == "/search"
    assert parse_qs(target.query) == {"q": ["free-abc"], "group": ["polish"], "tld": ["pl"]}


@pytest.mark.parametrize("forged", [
    {"q": "free-abc.pl", "group": "https://evil.example/", "tld": "//evil.example"},
    {"q": "free-abc.pl", "next": "https://evil.example/", "return": "//evil.example/x"},
    {"q": "https://evil.example/", "group": "../../evil", "tld": "pl\r\nLocation: x"},
])
def test_a_forged_return_address_stays_on_this_storefronts_search(shop, host_client, forged):
    acme = host_client(ACME)
    response = add_from_search(acme, "free-abc.pl", **forged)
    assert response.status_code == 303
    location = response.headers["Location"]
    target = urlsplit(location)
    assert target.netloc in ("", ACME) and target.path == "/search", location
    assert "evil.example/" not in target.netloc and "\n" not in location
    query = parse_qs(target.query)
    assert set(query) <= {"q"} or query.get("group") is None
    assert page(acme, location)  # and it is a page that works


def test_without_the_search_the_add_goes_to_the_cart_as_before(shop, host_client):
    acme = host_client(ACME)
    response = acme.post("/cart/add", data={"domain": "free-abc.pl", "years": "1",
                                            "q": "free-abc.pl"})
    assert response.status_code == 303 and urlsplit(response.headers["Location"]).path == "/cart/"


# -- the header ----------------------------------------------------------------------------------


@pytest.mark.parametrize("theme", ["classic", "minimal"])
def test_the_header_shows_the_cart_count_and_who_is_logged_in(shop, host_client, theme):
    shop.theme = theme
    db.session.commit()
    acme = host_client(ACME)
    header = header_of(page(acme, "/"))
    assert "Cart (" not in header and "Log out" not in header
    add_from_search(acme, "free-abc.pl", q="free-abc.pl")
    add_from_search(acme, "free-abc.com", q="free-abc.pl")
    header = header_of(page(acme, "/"))
    assert "Cart (2)" in header and "Log out" not in header

    subscribers.register(shop, "ann@example.com", PASSWORD, "Ann Kowalska")
    db.session.commit()
    assert acme.post("/account/login", data={"email": "ann@example.com",
                                             "password": PASSWORD}).status_code == 302
    header = header_of(page(acme, "/"))
    assert "Ann Kowalska" in header and 'title="ann@example.com"' in header
    assert "Cart (2)" in header
    logout = re.search(r'<form method="post" action="/account/logout".*?</form>', header, re.S)
    assert logout and 'name="csrf_token"' in logout.group(0) and "Log out" in logout.group(0)
    assert acme.post("/account/logout").status_code == 302
    header = header_of(page(acme, "/"))
    assert "Ann Kowalska" not in header and "Log out" not in header


def test_a_cached_page_never_shows_a_visitors_cart_or_login(shop, host_client, app):
    subscribers.register(shop, "ann@example.com", PASSWORD, "Ann Kowalska")
    db.session.commit()
    pages = caches_of(app).pages
    # A visitor with a cart and a login comes first: what they see is theirs alone...
    ann = host_client(ACME)
    add_from_search(ann, "free-abc.pl", q="free-abc.pl")
    ann.post("/account/login", data={"email": "ann@example.com", "password": PASSWORD})
    header = header_of(page(ann, "/"))
    assert "Cart (1)" in header and "Ann Kowalska" in header
    assert len(pages) == 0  # ...and not kept for anyone
    # A visitor without cookies gets the page everybody gets, now kept and served from memory.
    for _ in range(2):
        stranger = host_client(ACME)
        header = header_of(page(stranger, "/"))
        assert "Cart (" not in header and "Ann Kowalska" not in header
        assert "Log out" not in header
    assert len(pages) == 1
    # With that page kept, a visitor with a cart still sees their own count, not the kept page.
    bo = host_client(ACME)
    add_from_search(bo, "free-abc.pl", q="free-abc.pl")
    add_from_search(bo, "free-abc.eu", q="free-abc.pl")
    assert "Cart (2)" in header_of(page(bo, "/"))
    assert "Cart (1)" in header_of(page(ann, "/"))
    assert "Ann Kowalska" not in page(bo, "/")


# -- premium names -------------------------------------------------------------------------------


def test_a_premium_name_goes_into_the_cart_at_the_registrys_price(shop, host_client):
    acme = host_client(ACME)
    quoted = SandboxBackend().answer_for("premium-abc.pl")
    assert quoted.price_minor and quoted.price_minor != 10000
    premium_price = format_price(quoted.price_minor, quoted.currency)
    row = row_of(page(acme, "/search?q=premium-abc.pl"), "premium-abc.pl")
    assert "Premium" in row and premium_price in row and "Add to cart" in row

    response = add_from_search(acme, "premium-abc.pl", q="premium-abc.pl")
    assert response.status_code == 303
    assert "In cart" in row_of(page(acme, response.headers["Location"]), "premium-abc.pl")
    cart_page = page(acme, "/cart/")
    assert "premium-abc.pl" in cart_page and "(premium)" in cart_page
    assert premium_price in cart_page and format_price(10000, "PLN") not in cart_page
    # Two years of a premium name cost the registry's price twice, never the catalogue's renewal.
    acme.post("/cart/update", data={"domain": "premium-abc.pl", "years": "2",
                                    "action": "update"})
    assert format_price(2 * quoted.price_minor, quoted.currency) in page(acme, "/cart/")


def test_a_premium_name_without_a_quoted_price_is_refused(shop, extra_app):
    unpriced = extra_app(REGISTRAR_BACKENDS={
        name: {"kind": "sandbox", "premium_price_minor": None} for name in ("sandbox", "epp")})
    acme = unpriced.test_client()
    response = acme.post("/cart/add", data={"domain": "premium-abc.pl", "years": "1",
                                            "from": "search", "q": "premium-abc.pl"},
                         headers={"Host": ACME})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert ("premium-abc.pl is a premium name; its price is set by the registry: "
            "contact us to order it.") in body
    cart_page = acme.get("/cart/", headers={"Host": ACME}).get_data(as_text=True)
    assert "Your cart is empty" in cart_page
    # The order frame refuses it the same way, in Polish too.
    frame = acme.get("/frames/order?add=premium-abc.pl&locale=pl", headers={"Host": ACME})
    text = frame.get_data(as_text=True)
    assert frame.status_code == 400 and "premium-abc.pl to nazwa premium" in text
    assert format_price(10000, "PLN") not in text


def test_the_order_frame_prices_a_premium_name_at_the_registrys_price(shop, host_client):
    quoted = SandboxBackend().answer_for("premium-abc.pl")
    frame = host_client(ACME).get("/frames/order?add=premium-abc.pl")
    text = frame.get_data(as_text=True)
    assert frame.status_code == 200
    assert "premium-abc.pl" in text and "100.00" not in text
    assert format_price(quoted.price_minor, quoted.currency) in text


def test_the_frame_search_says_in_cart_for_names_in_its_cart(shop, host_client):
    frame = host_client(ACME).get("/frames/domain-search?q=free-abc.pl&items=free-abc.pl:1"
                                  "&locale=pl")
    text = frame.get_data(as_text=True)
    offer = re.search(r'<li class="offer[^"]*">\s*<span class="offer-name">free-abc.pl<.*?</li>',
                      text, re.S).group(0)
    assert "W koszyku" in offer and "Dodaj" not in offer
