"""Numbers and prices are read in the digits 0-9 only: "٦٩" (Arabic-Indic) is not a price and "２"
(full-width) is not a number of years, though Python's int(), Decimal() and `\\d` take them."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from cms_pages.models import Page
from storefront.db import db
from storefront.models.catalog import PartnerTld, Tld
from storefront.numbers import decimal_number, whole_number
from storefront.services import catalog
from storefront.services.errors import InvalidInput

CATALOGUE = (
    "tld,kind,register,renew,transfer,currency,min_years,max_years,idn,backend,enabled\n"
    "pl,country,29.00,29.00,29.00,PLN,1,10,1,sandbox,1\n"
    "com,generic,29.00,29.00,29.00,PLN,1,10,1,sandbox,1\n"
)
TERMS = {"register": "39.00", "renew": "79.00", "transfer": "39.00", "min_years": "1",
         "max_years": "5", "idn_allowed": "y", "backend": "sandbox", "enabled": "y"}
OTHER_DIGITS = ["٦٩", "６９", "۶۹", "६९", "²"]
DIGITS_MESSAGE = "Type numbers with the digits 0-9"


@pytest.fixture
def catalogue(app):
    catalog.import_catalogue(io.StringIO(CATALOGUE, newline=""))
    db.session.commit()


def text(response) -> str:
    return response.get_data(as_text=True)


def test_the_shared_readers_take_only_ascii_digits():
    assert whole_number(" 12 ") == 12 and whole_number("-3", signed=True) == -3
    assert decimal_number("39,99") == decimal_number("39.99") and decimal_number(".5") is not None
    for typed in [*OTHER_DIGITS, "１٢", "-3", "1e5", "", "12345678901"]:
        assert whole_number(typed) is None, typed
    for typed in [*OTHER_DIGITS, "3٩.00", "1e5", "Infinity", "NaN"]:
        assert decimal_number(typed) is None, typed


@pytest.mark.parametrize("typed", OTHER_DIGITS)
def test_a_partner_price_in_other_digits_is_refused(client, two_partners, login, catalogue,
                                                    typed):
    login(client, two_partners["acme_owner"])
    response = client.post("/panel/acme/tlds/pl",
                           data={"register": typed, "renew": "79.00", "transfer": "59.00"})
    assert response.status_code == 400 and DIGITS_MESSAGE in text(response)
    assert db.session.scalars(select(PartnerTld)).all() == []
    markup = client.post("/panel/acme/tlds/markup",
                         data={"percent": typed, "tld": ["pl"], "scope": "selected"})
    assert markup.status_code == 400 and DIGITS_MESSAGE in text(markup)
    assert db.session.scalars(select(PartnerTld)).all() == []


@pytest.mark.parametrize(("field", "typed"), [("register", "٦٩"), ("min_years", "２"),
                                              ("max_years", "٥"), ("min_years", "²")])
def test_the_admin_catalogue_refuses_other_digits(client, make_user, login, catalogue, field,
                                                  typed):
    login(client, make_user("root@platform.example", admin=True))
    response = client.post("/admin/tlds/pl/edit", data={**TERMS, field: typed})
    assert response.status_code == 400 and DIGITS_MESSAGE in text(response)
    db.session.expire_all()
    pl = db.session.scalar(select(Tld).where(Tld.name == "pl"))
    assert (pl.register_price, pl.min_years, pl.max_years) == (2900, 1, 10)
    added = client.post("/admin/tlds/add", data={**TERMS, "name": "eu", "kind": "country",
                                                  "currency": "PLN", field: typed})
    assert added.status_code == 400 and DIGITS_MESSAGE in text(added)
    assert db.session.scalar(select(Tld).where(Tld.name == "eu")) is None


@pytest.mark.parametrize("row", ["eu,country,٢٩.00,29.00,29.00,PLN,1,10,1,sandbox,1",
                                 "eu,country,29.00,29.00,29.00,PLN,２,10,1,sandbox,1"])
def test_a_catalogue_file_with_other_digits_is_refused(app, row):
    with pytest.raises(catalog.CatalogueError):
        catalog.import_catalogue(io.StringIO(CATALOGUE + row + "\n", newline=""))
    db.session.rollback()
    assert db.session.scalar(select(Tld).where(Tld.name == "eu")) is None


def test_a_price_in_other_digits_never_reaches_the_catalogue_service(app):
    with pytest.raises(InvalidInput, match=DIGITS_MESSAGE):
        catalog.parse_price("٦٩", "PLN")


def test_a_menu_position_in_other_digits_is_refused(client, two_partners, login):
    login(client, two_partners["acme_owner"])
    form = {"title": "About us", "slug": "about-us", "menu_position": "５٠", "body": "Hi."}
    response = client.post("/panel/acme/pages/new", data=form)
    assert response.status_code == 400 and DIGITS_MESSAGE in text(response)
    assert db.session.scalar(select(Page).where(Page.slug == "about-us")) is None
    assert client.post("/panel/acme/pages/new",
                       data={**form, "menu_position": "50"}).status_code == 302


def test_ids_in_addresses_are_ascii_digits(client, two_partners, login):
    login(client, two_partners["acme_owner"])
    page = db.session.scalar(select(Page).where(Page.partner_id == two_partners["acme"].id))
    arabic = "".join(chr(0x0660 + int(d)) for d in str(page.id))
    assert client.get(f"/panel/acme/pages/{page.id}").status_code == 200
    assert client.get(f"/panel/acme/pages/{arabic}").status_code == 404


@pytest.fixture
def shop(two_partners, host_client):
    catalog.import_demo_catalogue()
    catalog.set_retail_prices(two_partners["acme"], "pl", register="100", renew="100",
                              transfer="100")
    db.session.commit()
    return host_client("acme.localhost")


@pytest.mark.parametrize("years", ["２", "٢", "²"])
def test_years_in_other_digits_are_refused_by_the_frames_and_the_cart(shop, years):
    for path in (f"/frames/order?add=free-abc.pl&years={years}",
                 f"/frames/domain-search?q=free-abc&years={years}"):
        response = shop.get(path)
        assert response.status_code == 400 and DIGITS_MESSAGE in text(response), path
        assert "200.00" not in text(response)
    polish = shop.get(f"/frames/order?add=free-abc.pl&years={years}&locale=pl")
    assert "Wpisuj liczby cyframi 0-9" in text(polish)
    # A hand-edited order keeps only what it can read.
    kept = text(shop.get(f"/frames/order?items=free-abc.pl:{years}"))
    assert "free-abc.pl" not in kept and "Your cart is empty." in kept
    added = shop.post("/cart/add", data={"domain": "free-abc.pl", "years": years})
    assert added.status_code == 400 and DIGITS_MESSAGE in text(added)
    assert "Your cart is empty" in text(shop.get("/cart/"))
