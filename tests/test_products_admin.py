"""The platform admin's product catalogue at /admin/products: SSL certificates and hosting plans
with wholesale prices per term (1, 12, 24 months). Who may enter, adding, editing, disabling; every
bad input answers 400 with its message and changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from storefront.db import db
from storefront.models.catalog import Product, ProductTerm
from storefront.services import products

NEW = {"kind": "ssl", "code": "ssl-dv", "name": "SSL DV", "description": "Domain-validated."}
EDIT = {"kind": "ssl", "name": "SSL DV", "description": "Domain-validated.", "currency": "PLN",
        "price_1": "", "price_12": "39.00", "price_24": "69,00"}


@pytest.fixture
def product(app):
    made = products.create_product("ssl-ov", products.ProductDetails("ssl", "SSL OV", "Checked."))
    products.set_term_price(made, 12, "189.00", "PLN")
    db.session.commit()
    return made


@pytest.fixture
def admin(client, make_user, login, product):
    login(client, make_user("root@platform.example", admin=True))
    return client


def body(response) -> str:
    return response.get_data(as_text=True)


def snapshot() -> list[tuple]:
    db.session.expire_all()
    rows = [(p.kind, p.code, p.name, p.description, p.enabled,
             [(t.months, t.wholesale_price, t.currency) for t in p.terms])
            for p in db.session.scalars(select(Product).order_by(Product.code))]
    return rows


def terms_of(code: str) -> dict[int, int]:
    db.session.expire_all()
    found = products.get_product(code)
    assert found is not None
    return {term.months: term.wholesale_price for term in found.terms}


# --- who may enter ----------------------------------------------------------------------------

PAGES = ["/admin/products", "/admin/products/new", "/admin/products/ssl-ov/edit"]
POSTS = ["/admin/products/new", "/admin/products/ssl-ov/edit", "/admin/products/ssl-ov/enabled"]


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_visitors_are_sent_to_login(client, product, path):
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("path", PAGES)
def test_partner_owners_get_403(client, two_partners, login, product, path):
    login(client, two_partners["acme_owner"])
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", POSTS)
def test_partner_owners_cannot_change_products(client, two_partners, login, product, path):
    login(client, two_partners["globex_owner"])
    before = snapshot()
    response = client.post(path, data={**NEW, **EDIT, "code": "evil", "price_12": "1.00",
                                       "enabled": "0"})
    assert response.status_code == 403
    assert snapshot() == before


def test_the_admin_nav_links_to_the_products(admin):
    assert 'href="/admin/products"' in body(admin.get("/admin/"))


def test_not_on_partner_hosts(host_client, two_partners, product):
    assert host_client("acme.localhost").get("/admin/products").status_code == 404


# --- adding, listing, editing, disabling -------------------------------------------------------


def test_the_admin_adds_an_ssl_product_with_prices_and_sees_them_listed(admin):
    response = admin.post("/admin/products/new", data=NEW)
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/products/ssl-dv/edit"
    response = admin.post("/admin/products/ssl-dv/edit", data=EDIT, follow_redirects=True)
    assert response.status_code == 200 and "Saved SSL DV." in body(response)
    assert terms_of("ssl-dv") == {12: 3900, 24: 6900}
    page = body(admin.get("/admin/products"))
    assert "SSL DV" in page and "ssl-dv" in page and "SSL certificate" in page
    assert "PLN\xa039.00" in page and "PLN\xa069.00" in page
    assert "PLN\xa0189.00" in page  # the other product's 12 months
    assert "not offered" in page  # no 1-month term


def test_the_edit_page_shows_the_current_prices_and_changes_them(admin):
    page = body(admin.get("/admin/products/ssl-ov/edit"))
    assert 'value="189.00"' in page and "PLN\xa0189.00" in page
    data = {**EDIT, "name": "SSL OV", "price_12": "199.99", "price_24": ""}
    assert admin.post("/admin/products/ssl-ov/edit", data=data).status_code == 302
    assert terms_of("ssl-ov") == {12: 19999}
    # An emptied price stops offering the term; a new one starts it.
    data = {**data, "price_12": "", "price_1": "19"}
    assert admin.post("/admin/products/ssl-ov/edit", data=data).status_code == 302
    assert terms_of("ssl-ov") == {1: 1900}
    assert admin.get("/admin/products/nosuch/edit").status_code == 404
    assert admin.get("/admin/products/Bad%20Code!/edit").status_code == 404


def test_disabling_keeps_the_product_and_its_prices(admin):
    response = admin.post("/admin/products/ssl-ov/enabled", data={"enabled": "0"},
                          follow_redirects=True)
    assert response.status_code == 200 and "SSL OV is no longer offered." in body(response)
    db.session.expire_all()
    found = products.get_product("ssl-ov")
    assert found is not None and found.enabled is False
    assert terms_of("ssl-ov") == {12: 18900}
    assert "disabled" in body(admin.get("/admin/products"))
    admin.post("/admin/products/ssl-ov/enabled", data={"enabled": "1"})
    db.session.expire_all()
    assert products.get_product("ssl-ov").enabled is True


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"kind": "vps"}, "Choose a kind: ssl, hosting."),
        ({"price_6": "10.00"}, "offered for 1, 12 or 24 months"),
        ({"price_12": "٣٩"}, "digits 0-9"),
        ({"price_12": "-1"}, "can&#39;t be negative"),
        ({"price_12": "0"}, "more than zero"),
        ({"price_12": "1e309"}, "is not a price"),
        ({"price_12": "39.999"}, "at most 2 decimal places"),
        ({"currency": "XXY"}, "not a currency code"),
        ({"name": ""}, "Enter the product&#39;s name"),
        ({"name": "x" * 121}, "at most 120 characters"),
        ({"description": "x" * 501}, "at most 500 characters"),
    ],
)
def test_bad_edits_are_refused_and_nothing_changes(admin, change, says):
    before = snapshot()
    response = admin.post("/admin/products/ssl-ov/edit", data={**EDIT, **change})
    assert response.status_code == 400
    page = body(response)
    assert says in page, page
    assert 'class="error"' in page
    assert snapshot() == before


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"kind": "vps"}, "Choose a kind: ssl, hosting."),
        ({"code": "Bad Code!"}, "lower-case letters a-z"),
        ({"code": ""}, "Enter a code"),
        ({"code": "a" * 41}, "at most 40 characters"),
        ({"code": "ssl-ov"}, "already is a product “ssl-ov”"),
        ({"name": ""}, "Enter the product&#39;s name"),
    ],
)
def test_bad_new_products_are_refused_and_nothing_changes(admin, change, says):
    before = snapshot()
    response = admin.post("/admin/products/new", data={**NEW, **change})
    assert response.status_code == 400
    page = body(response)
    assert says in page, page
    assert snapshot() == before


@pytest.mark.parametrize("path", ["/admin/products/new", "/admin/products/ssl-ov/edit"])
def test_a_nul_byte_is_refused(admin, path):
    before = snapshot()
    response = admin.post(path, data={**NEW, **EDIT, "name": "SSL\x00DV"})
    assert response.status_code == 400
    assert snapshot() == before


def test_every_bad_field_is_shown_at_once(admin):
    response = admin.post("/admin/products/ssl-ov/edit",
                          data={**EDIT, "kind": "vps", "name": "", "price_24": "-1"})
    page = body(response)
    assert response.status_code == 400
    assert "Choose a kind" in page and "Enter the product" in page and "negative" in page


def test_the_service_refuses_a_term_that_is_not_offered(app, product):
    with pytest.raises(products.InvalidInput, match="1, 12 or 24 months"):
        products.set_term_price(product, 6, "10.00", "PLN")
    with pytest.raises(products.InvalidInput, match="more than zero"):
        products.set_term_price(product, 1, "0", "PLN")
    products.remove_term(product, 12)
    db.session.commit()
    left = select(ProductTerm).where(ProductTerm.product_id == product.id)
    assert db.session.scalar(left) is None
