"""The TLD catalogue: CSV import, parsing prices, a partner's retail prices, and TLD groups."""

import io

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

import storefront.models.catalog  # noqa: F401  (registers the tables before the schema is built)
from storefront.db import db
from storefront.models.catalog import PartnerTld, Tld, TldGroup
from storefront.services import catalog
from storefront.services.errors import InvalidInput
from storefront.tenancy import enter_tenant

HEADER = "tld,kind,register,renew,transfer,currency,min_years,max_years,idn,backend,enabled\n"
SMALL = HEADER + (
    "pl,country,29.00,69.00,49.00,PLN,1,10,1,epp,1\n"
    "com.pl,functional,25.00,55.00,45.00,PLN,1,10,0,epp,1\n"
    "waw.pl,regional,19.00,39.00,39.00,PLN,1,10,0,epp,1\n"
    "com,generic,55.00,59.00,55.00,PLN,1,10,1,sandbox,1\n"
    "eu,country,29.00,35.00,29.00,PLN,1,10,1,sandbox,1\n"
    "рф,idn,29.00,29.00,29.00,PLN,1,10,1,sandbox,1\n"
    "xyz,generic,9.00,75.00,75.00,PLN,1,10,1,sandbox,0\n"
)


def import_text(text: str, **kwargs) -> catalog.CatalogueImport:
    return catalog.import_catalogue(io.StringIO(text), **kwargs)


def tld_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Tld))


@pytest.fixture
def small_catalogue(app):
    import_text(SMALL)
    db.session.commit()


# -- parse_price -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("39", "PLN", 3900),
        ("39.00", "PLN", 3900),
        ("39.9", "PLN", 3990),
        ("39,99", "PLN", 3999),
        (" 1 299.00 ", "PLN", 129900),
        ("1\u00a0299,50", "PLN", 129950),
        ("0.01", "PLN", 1),
        (".50", "EUR", 50),
        ("39.000", "PLN", 3900),  # exact, so no precision is lost
        ("500", "JPY", 500),
        ("1.234", "BHD", 1234),
    ],
)
def test_parse_price(text, currency, minor):
    assert catalog.parse_price(text, currency) == minor


@pytest.mark.parametrize(
    ("text", "currency", "says"),
    [
        ("-1", "PLN", "negative"),
        ("-0.01", "PLN", "negative"),
        ("0", "PLN", "more than zero"),
        ("0.00", "PLN", "more than zero"),
        ("", "PLN", "Enter a price"),
        ("abc", "PLN", "not a price"),
        ("NaN", "PLN", "not a price"),
        ("Infinity", "PLN", "not a price"),
        ("1e3", "PLN", "not a price"),
        ("1,299.00", "PLN", "not a price"),
        ("39.999", "PLN", "at most 2 decimal places"),
        ("39.001", "PLN", "at most 2 decimal places"),
        ("500.5", "JPY", "no decimal places"),
        ("1.2345", "BHD", "at most 3 decimal places"),
        ("99999999", "PLN", "too large"),
        ("9" * 5000, "PLN", "Enter a price"),
    ],
)
def test_parse_price_refuses(text, currency, says):
    with pytest.raises(InvalidInput) as caught:
        catalog.parse_price(text, currency, "register")
    assert says in caught.value.message
    assert caught.value.field == "register"


def test_parse_price_may_allow_zero():
    assert catalog.parse_price("0.00", "PLN", allow_zero=True) == 0


# -- the catalogue CSV -------------------------------------------------------------------------


def test_the_demo_catalogue_imports(app):
    result = catalog.import_demo_catalogue()
    assert len(result.created) >= 40 and result.updated == []
    tlds = {t.name: t for t in db.session.scalars(select(Tld))}
    assert {t.kind for t in tlds.values()} == {"generic", "country", "functional", "regional",
                                                "idn"}
    for name in ("com", "pl", "de", "co.uk", "com.pl", "sklep.pl", "waw.pl", "krakow.pl", "eu"):
        assert name in tlds
    assert tlds["pl"].backend == "epp" and tlds["com"].backend == "sandbox"
    assert tlds["pl"].register_price == 2900 and tlds["pl"].currency == "PLN"
    assert tlds["xn--p1ai"].unicode_name == "рф" and tlds["xn--p1ai"].kind == "idn"
    assert all(tlds[n].idn_allowed for n in ("pl", "de", "eu", "com"))
    assert tlds["de"].max_years == 1
    assert catalog.import_demo_catalogue().created == []  # importing twice changes nothing


def test_import_normalises_names_and_values(small_catalogue):
    rf = catalog.get_tld("рф")
    assert rf is not None and rf.name == "xn--p1ai" and rf.unicode_name == "рф"
    assert catalog.get_tld(".PL").name == "pl"
    assert catalog.get_tld("xn--p1ai") is rf
    com_pl = catalog.get_tld("com.pl")
    assert (com_pl.register_price, com_pl.renew_price, com_pl.transfer_price) == (2500, 5500, 4500)
    assert com_pl.idn_allowed is False and com_pl.enabled is True
    assert com_pl.wholesale_price("renew") == 5500
    assert catalog.get_tld("xyz").enabled is False
    assert catalog.get_tld("no such!") is None


def test_bad_rows_are_all_reported_by_line_and_nothing_is_imported(app):
    text = HEADER + (
        "pl,country,29.00,69.00,49.00,PLN,1,10,1,epp,1\n"      # line 2: fine
        "com,generic,abc,59.00,55.00,PLN,1,10,1,sandbox,1\n"  # 3: bad price
        "net,generic,55.00,59.00,55.00,PLN,5,2,1,sandbox,1\n"  # 4: min > max
        "org,brand,55.00,59.00,55.00,PLN,1,10,1,sandbox,1\n"  # 5: unknown kind
        "ex_ample,generic,5.00,5.00,5.00,PLN,1,10,1,sandbox,1\n"  # 6: invalid label
        "-bad,generic,5.00,5.00,5.00,PLN,1,10,1,sandbox,1\n"  # 7: leading hyphen
        "info,generic,15.001,5.00,5.00,PLN,1,10,1,sandbox,1\n"  # 8: too many decimals
        "biz,generic,-5.00,5.00,5.00,PLN,1,10,1,sandbox,1\n"  # 9: negative
        "io,generic,5.00,5.00,5.00,XXQ,1,10,1,sandbox,1\n"  # 10: unknown currency
        "app,generic,5.00,5.00,5.00,PLN,0,10,1,sandbox,1\n"  # 11: zero years
        "dev,generic,5.00,5.00,5.00,PLN,1,10,maybe,sandbox,1\n"  # 12: bad flag
        "pl,country,29.00,69.00,49.00,PLN,1,10,1,epp,1\n"  # 13: twice
        "tech,idn,5.00,5.00,5.00,PLN,1,10,1,sandbox,1\n"  # 14: idn kind without xn--
    )
    with pytest.raises(catalog.CatalogueError) as caught:
        import_text(text)
    errors = caught.value.errors
    assert [e.split(":")[0] for e in errors] == [f"line {n}" for n in range(3, 15)]
    assert "register price “abc”" in errors[0]
    assert "min_years (5) is more than max_years (2)" in errors[1]
    assert "unknown kind “brand”" in errors[2]
    assert "invalid TLD “ex_ample”" in errors[3]
    assert "invalid TLD “-bad”" in errors[4]
    assert "at most 2 decimal places" in errors[5]
    assert "negative" in errors[6]
    assert "unknown currency" in errors[7]
    assert "min_years must be a whole number" in errors[8]
    assert "idn must be 1 or 0" in errors[9]
    assert ".pl appears twice" in errors[10]
    assert "kind idn" in errors[11]
    assert "line 3" in caught.value.message
    assert tld_count() == 0


def test_a_bad_reimport_leaves_the_catalogue_as_it_was(small_catalogue):
    text = SMALL.replace("pl,country,29.00", "pl,country,19.00") + (
        "net,generic,55.00,59.00,55.00,PLN,5,2,1,sandbox,1\n"
    )
    with pytest.raises(catalog.CatalogueError) as caught:
        import_text(text)
    assert caught.value.errors == ["line 9: min_years (5) is more than max_years (2)"]
    assert catalog.get_tld("pl").register_price == 2900
    assert catalog.get_tld("net") is None


def test_reimport_updates_by_name_and_keeps_other_tlds(small_catalogue):
    result = import_text(HEADER + "pl,country,19.99,69.00,49.00,PLN,1,5,1,epp,0\n"
                                  "de,country,25.00,25.00,25.00,PLN,1,1,1,sandbox,1\n")
    assert result.created == ["de"] and result.updated == ["pl"]
    pl = catalog.get_tld("pl")
    assert (pl.register_price, pl.max_years, pl.enabled) == (1999, 5, False)
    assert catalog.get_tld("com") is not None  # TLDs missing from the file stay
    assert import_text(HEADER + "pl,country,19.99,69.00,49.00,PLN,1,5,1,epp,0\n").updated == []


def test_a_file_without_the_columns_or_rows_is_refused(app):
    with pytest.raises(catalog.CatalogueError) as caught:
        import_text("tld,kind,register\npl,country,29.00\n")
    assert "missing column(s) renew" in caught.value.errors[0]
    with pytest.raises(catalog.CatalogueError, match="no TLDs"):
        import_text(HEADER)
    assert tld_count() == 0


def test_only_known_backends_when_the_caller_names_them(app):
    with pytest.raises(catalog.CatalogueError, match="unknown registrar backend “epp”"):
        import_text(SMALL, backends={"sandbox"})
    assert len(import_text(SMALL, backends={"sandbox", "epp"}).created) == 7


def test_import_from_a_path(app, tmp_path):
    path = tmp_path / "tlds.csv"
    path.write_text("\ufeff" + SMALL, encoding="utf-8")  # a BOM, as spreadsheets write
    assert len(catalog.import_catalogue(path).created) == 7


# -- retail prices -----------------------------------------------------------------------------


def sell(partner, tld="pl", register="39.00", renew="79.00", transfer="59.00", **kw):
    return catalog.set_retail_prices(partner, tld, register=register, renew=renew,
                                     transfer=transfer, **kw)


def test_a_partner_sells_a_tld_at_its_own_prices(small_catalogue, two_partners):
    acme, globex = two_partners["acme"], two_partners["globex"]
    offer = sell(acme, ".PL", register="39,99")
    assert (offer.register_price, offer.renew_price, offer.transfer_price) == (3999, 7900, 5900)
    assert offer.currency == "PLN" and offer.retail_price("register") == 3999
    assert sell(acme, "pl", register="35.00").id == offer.id  # changing prices, not a second row
    assert offer.register_price == 3500
    assert [o.tld.name for o in catalog.offered_tlds(acme)] == ["pl"]
    assert catalog.offered_tlds(globex) == []
    assert catalog.get_partner_tld(globex, "pl") is None


def test_retail_equal_to_wholesale_is_allowed(small_catalogue, two_partners):
    offer = sell(two_partners["acme"], "pl", register="29.00", renew="69.00", transfer="49.00")
    assert offer.register_price == 2900


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("register", "-10", "negative"),
        ("renew", "0", "more than zero"),
        ("transfer", "lots", "not a price"),
        ("register", "39.999", "at most 2 decimal places"),
        ("register", "28.99", "below the wholesale price, PLN\xa029.00"),
        ("renew", "50.00", "below the wholesale price, PLN\xa069.00"),
        ("transfer", "1", "below the wholesale price, PLN\xa049.00"),
    ],
)
def test_bad_retail_prices_are_refused_and_nothing_changes(small_catalogue, two_partners,
                                                           field, value, says):
    acme = two_partners["acme"]
    prices = {"register": "39.00", "renew": "79.00", "transfer": "59.00", field: value}
    with pytest.raises(InvalidInput) as caught:
        catalog.set_retail_prices(acme, "pl", **prices)
    assert says in caught.value.message
    assert caught.value.field == field
    assert catalog.get_partner_tld(acme, "pl") is None


def test_the_wholesale_price_is_shown_in_the_partners_locale(small_catalogue, two_partners):
    with pytest.raises(InvalidInput) as caught:
        sell(two_partners["acme"], "pl", register="10", locale="pl_PL")
    assert "29,00\xa0zł" in caught.value.message


def test_a_refused_change_keeps_the_old_prices(small_catalogue, two_partners):
    acme = two_partners["acme"]
    sell(acme, "pl")
    with pytest.raises(InvalidInput):
        sell(acme, "pl", register="39.00", renew="1.00")
    assert catalog.get_partner_tld(acme, "pl").renew_price == 7900


def test_tlds_the_platform_does_not_offer_cannot_be_sold(small_catalogue, two_partners):
    for name in ("xyz", "nope", "ex ample"):  # disabled, unknown, invalid
        with pytest.raises(InvalidInput, match="doesn't offer"):
            sell(two_partners["acme"], name)


def test_a_tld_the_platform_disables_is_no_longer_offered(small_catalogue, two_partners):
    acme = two_partners["acme"]
    sell(acme, "pl")
    sell(acme, "eu")
    catalog.get_tld("pl").enabled = False
    assert [o.tld.name for o in catalog.offered_tlds(acme)] == ["eu"]


# -- TLD groups --------------------------------------------------------------------------------


@pytest.fixture
def selling(small_catalogue, two_partners):
    for partner in (two_partners["acme"], two_partners["globex"]):
        for tld in ("pl", "com.pl", "waw.pl", "com", "eu"):
            sell(partner, tld, register="99", renew="99", transfer="99")
    db.session.commit()
    return two_partners


def test_groups_are_created_in_order_and_the_first_is_the_default(selling):
    acme = selling["acme"]
    popular = catalog.create_group(acme, "Popular", ["pl", "com", "eu"])
    poland = catalog.create_group(acme, "Polska – regiony", [".waw.pl", "COM.PL", "pl"])
    assert popular.slug == "popular" and popular.is_default
    assert poland.slug == "polska-regiony" and not poland.is_default
    assert poland.tld_names == ["waw.pl", "com.pl", "pl"]
    assert [g.slug for g in catalog.groups(acme)] == ["popular", "polska-regiony"]
    assert catalog.default_group(acme) is popular
    assert all(item.partner_id == acme.id for item in poland.items)


def test_a_group_slug_is_unique_per_partner_only(selling):
    acme, globex = selling["acme"], selling["globex"]
    catalog.create_group(acme, "Popular", ["pl"])
    with pytest.raises(InvalidInput, match="already a group"):
        catalog.create_group(acme, "POPULAR!", ["com"])
    assert catalog.create_group(globex, "Popular", ["com"]).slug == "popular"
    assert catalog.get_group(acme, "popular").tld_names == ["pl"]
    assert catalog.get_group(globex, "popular").tld_names == ["com"]


def test_another_partners_group_is_not_found(selling):
    acme, globex = selling["acme"], selling["globex"]
    catalog.create_group(globex, "Tech", ["com"])
    assert catalog.get_group(acme, "tech") is None
    for change in (lambda: catalog.rename_group(acme, "tech", "Mine"),
                   lambda: catalog.set_group_tlds(acme, "tech", ["pl"]),
                   lambda: catalog.set_default_group(acme, "tech"),
                   lambda: catalog.delete_group(acme, "tech")):
        with pytest.raises(InvalidInput, match="no such TLD group"):
            change()
    assert catalog.get_group(globex, "tech").name == "Tech"


def test_groups_hold_only_tlds_the_partner_sells(selling):
    acme = selling["acme"]
    catalog.stop_selling(acme, "eu")
    for tlds, says in ((["pl", "eu"], "You don't sell .eu"), (["pl", "xyz"], "You don't sell .xyz"),
                       (["pl", "pl"], "twice"), (["pl", "a b"], "not a TLD")):
        with pytest.raises(InvalidInput, match=says):
            catalog.create_group(acme, "Popular", tlds)
    assert catalog.groups(acme) == []  # a refused group leaves nothing behind


def test_reordering_and_changing_a_groups_tlds(selling):
    acme = selling["acme"]
    catalog.create_group(acme, "Popular", ["pl", "com", "eu"])
    group = catalog.set_group_tlds(acme, "popular", ["eu", "pl", "com"])
    assert group.tld_names == ["eu", "pl", "com"]
    assert [item.position for item in group.items] == [0, 1, 2]
    catalog.set_group_tlds(acme, "popular", ["com.pl", "eu"])
    db.session.commit()
    db.session.expire_all()
    assert catalog.get_group(acme, "popular").tld_names == ["com.pl", "eu"]
    with pytest.raises(InvalidInput):
        catalog.set_group_tlds(acme, "popular", ["eu", "nope"])
    assert catalog.get_group(acme, "popular").tld_names == ["com.pl", "eu"]


def test_renaming_keeps_the_slug_for_embedded_frames(selling):
    acme = selling["acme"]
    catalog.create_group(acme, "Popular", ["pl"])
    group = catalog.rename_group(acme, "popular", "Najpopularniejsze")
    assert (group.slug, group.name) == ("popular", "Najpopularniejsze")
    for bad in ("", "   ", "x" * 81):
        with pytest.raises(InvalidInput):
            catalog.rename_group(acme, "popular", bad)


def test_one_default_group_per_partner(selling):
    acme, globex = selling["acme"], selling["globex"]
    catalog.create_group(acme, "Popular", ["pl"])
    catalog.create_group(acme, "Tech", ["com"])
    catalog.create_group(globex, "Popular", ["pl"])
    catalog.set_default_group(acme, "tech")
    defaults = db.session.scalars(select(TldGroup.slug).where(
        TldGroup.partner_id == acme.id, TldGroup.is_default.is_(True))).all()
    assert defaults == ["tech"]
    assert catalog.default_group(globex).slug == "popular"
    catalog.get_group(acme, "popular").is_default = True
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_deleting_the_default_group_promotes_the_next(selling):
    acme = selling["acme"]
    catalog.create_group(acme, "Popular", ["pl"])
    catalog.create_group(acme, "Tech", ["com"])
    catalog.delete_group(acme, "popular")
    assert catalog.default_group(acme).slug == "tech"
    catalog.delete_group(acme, "tech")
    assert catalog.default_group(acme) is None


def test_groups_can_be_reordered(selling):
    acme = selling["acme"]
    for name in ("Popular", "Poland", "Europe"):
        catalog.create_group(acme, name, ["pl"])
    catalog.reorder_groups(acme, ["europe", "popular", "poland"])
    assert [g.slug for g in catalog.groups(acme)] == ["europe", "popular", "poland"]
    for bad in (["europe", "popular"], ["europe", "popular", "poland", "poland"],
                ["europe", "popular", "tech"]):
        with pytest.raises(InvalidInput):
            catalog.reorder_groups(acme, bad)


def test_a_tld_no_longer_sold_leaves_the_groups(selling):
    acme, globex = selling["acme"], selling["globex"]
    catalog.create_group(acme, "Popular", ["pl", "com", "eu"])
    catalog.create_group(globex, "Popular", ["pl", "com"])
    catalog.stop_selling(acme, "com")
    db.session.commit()
    db.session.expire_all()
    assert catalog.get_group(acme, "popular").tld_names == ["pl", "eu"]
    assert catalog.get_group(globex, "popular").tld_names == ["pl", "com"]
    assert catalog.get_partner_tld(acme, "com") is None
    catalog.stop_selling(acme, "com")  # already stopped: nothing to do


def test_the_tenancy_backstop_covers_catalogue_rows(app, selling):
    acme, globex = selling["acme"], selling["globex"]
    catalog.create_group(acme, "Popular", ["pl"])
    catalog.create_group(globex, "Popular", ["com"])
    db.session.commit()
    with app.test_request_context(headers={"Host": "acme.localhost"}):
        enter_tenant(acme.id)
        assert {o.partner_id for o in db.session.scalars(select(PartnerTld))} == {acme.id}
        assert [g.partner_id for g in db.session.scalars(select(TldGroup))] == [acme.id]


@pytest.mark.parametrize(
    ("name", "slug"),
    [("Popular", "popular"), ("Polska – popularne", "polska-popularne"), ("Łódź i okolice",
     "lodz-i-okolice"), ("  Tech & IT!  ", "tech-it"), ("x" * 100, "x" * 63)],
)
def test_slugify(name, slug):
    assert catalog.slugify(name) == slug


def test_a_name_without_letters_has_no_slug(selling):
    with pytest.raises(InvalidInput, match="letters or digits"):
        catalog.create_group(selling["acme"], "!!!", ["pl"])
