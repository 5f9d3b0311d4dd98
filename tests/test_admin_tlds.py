"""The platform admin's TLD catalogue at /admin/tlds: who may enter, the list, editing a TLD,
adding one and importing a CSV file; every bad input is shown and changes nothing."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from storefront.db import db
from storefront.models.catalog import Tld
from storefront.services import catalog

HEADER = "tld,kind,register,renew,transfer,currency,min_years,max_years,idn,backend,enabled\n"
SMALL = (HEADER
         + "pl,country,29.00,69.00,49.00,PLN,1,10,1,sandbox,1\n"
         + "com.pl,functional,25.00,55.00,45.00,PLN,1,10,0,sandbox,1\n"
         + "com,generic,55.00,59.00,55.00,PLN,1,10,1,sandbox,1\n"
         + "xn--p1ai,idn,29.00,29.00,29.00,PLN,1,10,1,sandbox,1\n")
GOOD_TERMS = {"register": "39.00", "renew": "79,99", "transfer": "0", "min_years": "1",
              "max_years": "5", "idn_allowed": "y", "backend": "sandbox", "enabled": "y"}
PAGES = ["/admin/tlds", "/admin/tlds?q=pl&kind=country&page=2", "/admin/tlds/pl/edit"]
POSTS = ["/admin/tlds/pl/edit", "/admin/tlds/add", "/admin/tlds/import"]


@pytest.fixture
def catalogue(app):
    catalog.import_catalogue(io.StringIO(SMALL, newline=""))
    db.session.commit()


@pytest.fixture
def admin(client, make_user, login, catalogue):
    login(client, make_user("root@platform.example", admin=True))
    return client


def body(response) -> str:
    return response.get_data(as_text=True)


def tld(name: str) -> Tld | None:
    db.session.expire_all()
    return db.session.scalar(select(Tld).where(Tld.name == name))


def snapshot() -> list[tuple]:
    db.session.expire_all()
    return [(t.name, t.kind, t.register_price, t.renew_price, t.transfer_price, t.currency,
             t.min_years, t.max_years, t.idn_allowed, t.backend, t.enabled)
            for t in db.session.scalars(select(Tld).order_by(Tld.name))]


def csv_upload(text: str | bytes, name: str = "tlds.csv") -> dict:
    raw = text.encode() if isinstance(text, str) else text
    return {"file": (io.BytesIO(raw), name)}


# --- who may enter ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_visitors_are_sent_to_login(client, catalogue, path):
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("path", PAGES)
def test_partner_staff_get_403(client, two_partners, login, catalogue, path):
    login(client, two_partners["acme_owner"])
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", POSTS)
def test_partner_staff_cannot_change_the_catalogue(client, two_partners, login, catalogue, path):
    login(client, two_partners["globex_owner"])
    before = snapshot()
    data = {**GOOD_TERMS, "register": "1.00", "name": "evil", "kind": "generic",
            "currency": "PLN", **csv_upload(HEADER + "pl,country,1,1,1,PLN,1,10,1,sandbox,1\n")}
    assert client.post(path, data=data).status_code == 403
    assert snapshot() == before


def test_the_admin_nav_links_to_the_tlds(admin):
    assert 'href="/admin/tlds"' in body(admin.get("/admin/"))


def test_not_on_partner_hosts(host_client, two_partners, catalogue):
    assert host_client("acme.localhost").get("/admin/tlds").status_code == 404


# --- the list ---------------------------------------------------------------------------------


def test_the_list_shows_every_tld_with_its_terms(admin):
    page = body(admin.get("/admin/tlds"))
    assert ".рф" in page and "(xn--p1ai)" in page
    assert ".com.pl" in page and "functional" in page
    assert "PLN\xa029.00" in page and "PLN\xa069.00" in page and "1–10" in page
    assert 'href="/admin/tlds/xn--p1ai/edit"' in page


def test_the_list_filters_by_text_and_kind(admin):
    page = body(admin.get("/admin/tlds?q=pl"))
    assert ".com.pl" in page and ">.pl<" in page and ">.com<" not in page
    page = body(admin.get("/admin/tlds?q=pl&kind=functional"))
    assert ".com.pl" in page and ">.pl<" not in page
    page = body(admin.get("/admin/tlds?q=рф"))  # typed in its own script
    assert ".рф" in page and ".com" not in page
    assert "No TLD matches “zz”" in body(admin.get("/admin/tlds?q=zz"))
    # Odd input is just a filter that matches nothing, never an error.
    for query in ("?q=%25", "?q=-", "?kind=bogus", "?q=" + "x" * 500, "?page=-3", "?page=abc"):
        assert admin.get("/admin/tlds" + query).status_code == 200


def test_a_long_list_is_paginated(admin):
    rows = "".join(f"t{i:03d},generic,1,1,1,PLN,1,10,0,sandbox,1\n" for i in range(120))
    catalog.import_catalogue(io.StringIO(HEADER + rows, newline=""))
    db.session.commit()
    first = body(admin.get("/admin/tlds"))
    assert "Page 1 of 3" in first and ".com.pl" in first and ".t100" not in first
    third = body(admin.get("/admin/tlds?page=3"))
    assert ".t119" in third and ".com.pl" not in third


# --- editing a TLD ----------------------------------------------------------------------------


def test_the_edit_page_shows_the_current_terms(admin):
    page = body(admin.get("/admin/tlds/pl/edit"))
    assert 'value="29.00"' in page and 'value="69.00"' in page and 'value="49.00"' in page
    assert '<option selected value="sandbox">' in page
    assert admin.get("/admin/tlds/nosuch/edit").status_code == 404
    assert admin.get("/admin/tlds/-bad/edit").status_code == 404
    assert admin.get("/admin/tlds/рф/edit").status_code == 200


def test_the_admin_edits_a_tld(admin):
    response = admin.post("/admin/tlds/pl/edit", data=GOOD_TERMS, follow_redirects=True)
    assert response.status_code == 200 and "Saved .pl." in body(response)
    pl = tld("pl")
    assert (pl.register_price, pl.renew_price, pl.transfer_price) == (3900, 7999, 0)
    assert (pl.min_years, pl.max_years, pl.idn_allowed, pl.enabled) == (1, 5, True, True)
    admin.post("/admin/tlds/pl/edit", data={**GOOD_TERMS, "enabled": "", "idn_allowed": ""})
    assert tld("pl").enabled is False and tld("pl").idn_allowed is False


def test_raising_wholesale_above_retail_warns(admin, two_partners):
    catalog.set_retail_prices(two_partners["acme"], "pl", register="35.00", renew="79.00",
                              transfer="59.00")
    db.session.commit()
    response = admin.post("/admin/tlds/pl/edit", data={**GOOD_TERMS, "register": "40"},
                          follow_redirects=True)
    assert "1 partner(s) now sell .pl below the wholesale price" in body(response)


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"register": "-5"}, "can&#39;t be negative"),
        ({"renew": "abc"}, "“abc” is not a price"),
        ({"transfer": "39.999"}, "at most 2 decimal places"),
        ({"register": ""}, "Enter a price as a number"),
        ({"register": "1e5"}, "is not a price"),
        ({"min_years": "5", "max_years": "2"}, "minimum period can&#39;t be longer"),
        ({"max_years": "11"}, "from 1 to 10"),
        ({"min_years": "0"}, "from 1 to 10"),
        ({"min_years": "two"}, "from 1 to 10"),
        ({"backend": "nope"}, "no registrar backend “nope”"),
        ({"backend": ""}, "no registrar backend"),
    ],
)
def test_bad_terms_are_refused_and_nothing_changes(admin, change, says):
    before = snapshot()
    response = admin.post("/admin/tlds/pl/edit", data={**GOOD_TERMS, **change})
    assert response.status_code == 400
    page = body(response)
    assert says in page, page
    assert 'class="error"' in page
    assert snapshot() == before


def test_a_backend_no_longer_configured_may_be_kept_but_not_chosen(admin, app):
    tld("pl").backend = "retired"
    db.session.commit()
    page = body(admin.get("/admin/tlds/pl/edit"))
    assert "retired (not configured)" in page
    response = admin.post("/admin/tlds/pl/edit", data={**GOOD_TERMS, "backend": "retired"})
    assert response.status_code == 302 and tld("pl").backend == "retired"
    # …but another TLD can't be moved to it.
    response = admin.post("/admin/tlds/com/edit", data={**GOOD_TERMS, "backend": "retired"})
    assert response.status_code == 400 and tld("com").backend == "sandbox"


def test_configured_backends_are_the_choices(admin, app):
    app.config["REGISTRAR_BACKENDS"] = {"sandbox": {"kind": "sandbox"},
                                        "dns-pl": {"kind": "sandbox"}}
    assert '<option value="dns-pl">' in body(admin.get("/admin/tlds/pl/edit"))
    response = admin.post("/admin/tlds/pl/edit", data={**GOOD_TERMS, "backend": "dns-pl"})
    assert response.status_code == 302 and tld("pl").backend == "dns-pl"


# --- adding a TLD -----------------------------------------------------------------------------


NEW = {**GOOD_TERMS, "name": "shop", "kind": "generic", "currency": "pln"}


def test_the_admin_adds_a_tld(admin):
    response = admin.post("/admin/tlds/add", data=NEW)
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/tlds/shop/edit"
    shop = tld("shop")
    assert (shop.kind, shop.currency, shop.register_price, shop.renew_price) == (
        "generic", "PLN", 3900, 7999)
    assert "Added .shop" in body(admin.get("/admin/tlds/shop/edit"))


def test_an_idn_tld_is_added_in_its_own_script(admin):
    response = admin.post("/admin/tlds/add", data={**NEW, "name": ".ею", "kind": "idn"})
    assert response.status_code == 302
    assert tld("xn--e1a4c").unicode_name == "ею"


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"name": "pl"}, ".pl is already in the catalogue"),
        ({"name": ".COM.pl"}, ".com.pl is already in the catalogue"),
        ({"name": "рф"}, ".xn--p1ai is already in the catalogue"),
        ({"name": "-bad"}, "hyphen"),
        ({"name": "a..b"}, "empty part between dots"),
        ({"name": "a b"}, "only letters, digits and hyphens"),
        ({"name": ""}, "Enter the extension"),
        ({"name": "."}, "Enter the extension"),
        ({"name": "x" * 64}, "at most 63 characters"),
        ({"kind": "brand"}, "Choose a kind"),
        ({"kind": "idn"}, "not an internationalised name"),
        ({"currency": "XYZ"}, "not a currency code"),
        ({"currency": ""}, "Enter a currency code"),
        ({"register": "-1"}, "can&#39;t be negative"),
        ({"renew": "abc"}, "is not a price"),
        ({"transfer": "1.234"}, "decimal places"),
        ({"min_years": "4", "max_years": "3"}, "can&#39;t be longer"),
        ({"backend": "retired"}, "no registrar backend “retired”"),
    ],
)
def test_bad_new_tlds_are_refused_and_nothing_changes(admin, change, says):
    before = snapshot()
    response = admin.post("/admin/tlds/add", data={**NEW, **change})
    assert response.status_code == 400
    page = body(response)
    assert says in page, page
    assert "<details id=\"add-tld\" class=\"card\" open>" in page  # the form stays in view
    assert snapshot() == before


# --- importing a CSV file ---------------------------------------------------------------------


def test_importing_a_good_file(admin):
    text = (HEADER + "pl,country,35.00,69.00,49.00,PLN,1,10,1,sandbox,1\n"
            + "waw.pl,regional,19.00,39.00,39.00,PLN,1,10,0,sandbox,1\n")
    response = admin.post("/admin/tlds/import", data=csv_upload(text), follow_redirects=True)
    assert response.status_code == 200
    assert "created 1, updated 1" in body(response)
    assert tld("pl").register_price == 3500 and tld("waw.pl").kind == "regional"
    assert tld("com") is not None  # TLDs missing from the file stay


def test_importing_the_demo_catalogue_with_windows_line_ends_and_a_bom(admin, app):
    app.config["REGISTRAR_BACKENDS"] = {"sandbox": {"kind": "sandbox"}, "epp": {"kind": "epp"}}
    raw = catalog.DEMO_CATALOGUE.read_text(encoding="utf-8").replace("\n", "\r\n")
    response = admin.post("/admin/tlds/import", data=csv_upload("\ufeff" + raw),
                          follow_redirects=True)
    # 4 of the 52 were there; .pl and .com.pl move to "epp"
    assert "created 48, updated 2" in body(response)


def test_a_bad_file_shows_every_bad_line_and_imports_nothing(admin):
    before = snapshot()
    text = (HEADER
            + "pl,country,1.00,1.00,1.00,PLN,1,10,1,sandbox,1\n"       # 2: fine alone
            + "net,generic,-5,59.00,55.00,PLN,1,10,1,sandbox,1\n"      # 3
            + "org,generic,abc,5,5,PLN,1,10,1,sandbox,1\n"             # 4
            + "a..b,generic,5,5,5,PLN,1,10,1,sandbox,1\n"              # 5
            + "eu,country,5,5,5,PLN,4,2,1,sandbox,1\n"                 # 6
            + "de,country,5,5,5,PLN,1,10,1,nope,1\n")                  # 7
    response = admin.post("/admin/tlds/import", data=csv_upload(text))
    assert response.status_code == 400
    page = body(response)
    assert "Nothing was imported" in page
    for line in (3, 4, 5, 6, 7):
        assert f"<li>line {line}:" in page
    assert "line 2:" not in page
    assert "unknown registrar backend “nope”" in page
    assert snapshot() == before


@pytest.mark.parametrize(
    ("upload", "says"),
    [
        (csv_upload(b"\x89PNG\r\n\x1a\n\x00\x00"), "not UTF-8 text"),
        (csv_upload("tld,kind\npl,country\n"), "missing column(s)"),
        (csv_upload(HEADER), "the file has no TLDs"),
        (csv_upload(""), "missing column(s)"),
        ({}, "Choose a CSV file"),
    ],
)
def test_files_that_are_not_catalogues_are_refused(admin, upload, says):
    before = snapshot()
    response = admin.post("/admin/tlds/import", data=upload)
    assert response.status_code == 400
    assert says in body(response)
    assert snapshot() == before


def test_every_bad_field_is_shown_at_once(admin):
    before = snapshot()
    response = admin.post("/admin/tlds/add", data={
        **NEW, "name": "a..b", "currency": "XYZ", "register": "-1", "renew": "abc",
        "min_years": "5", "max_years": "2", "backend": "nope"})
    assert response.status_code == 400
    page = body(response)
    for says in ("empty part between dots", "not a currency code", "can&#39;t be negative",
                 "“abc” is not a price", "can&#39;t be longer", "no registrar backend “nope”"):
        assert says in page
    response = admin.post("/admin/tlds/pl/edit", data={
        **GOOD_TERMS, "register": "-1", "transfer": "1.999", "max_years": "0"})
    page = body(response)
    assert "can&#39;t be negative" in page and "decimal places" in page and "from 1 to 10" in page
    assert snapshot() == before
