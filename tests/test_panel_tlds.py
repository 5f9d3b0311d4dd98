"""TLDs & prices and TLD groups in the partner panel: admins only, prices never below wholesale,
groups list only sold TLDs, and one partner never sees another's prices or groups."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from storefront.db import db
from storefront.models.catalog import PartnerTld, TldGroup
from storefront.services import catalog

CATALOGUE = (
    "tld,kind,register,renew,transfer,currency,min_years,max_years,idn,backend,enabled\n"
    "pl,country,29.00,69.00,49.00,PLN,1,10,1,epp,1\n"
    "com.pl,functional,25.00,55.00,45.00,PLN,1,10,0,epp,1\n"
    "com,generic,55.00,59.00,55.00,PLN,1,10,1,sandbox,1\n"
    "eu,country,29.00,35.00,29.00,PLN,1,10,1,sandbox,1\n"
    "рф,idn,29.00,29.00,29.00,PLN,1,10,1,sandbox,1\n"
    "xyz,generic,9.00,75.00,75.00,PLN,1,10,1,sandbox,0\n"
)
GOOD = {"register": "59.00", "renew": "79.00", "transfer": "59.00"}


@pytest.fixture
def acme(client, two_partners, login):
    catalog.import_catalogue(io.StringIO(CATALOGUE))
    db.session.commit()
    login(client, two_partners["acme_owner"])
    return client


def offers_of(partner) -> dict[str, tuple[int, int, int]]:
    db.session.expire_all()
    rows = db.session.scalars(select(PartnerTld).where(PartnerTld.partner_id == partner.id))
    return {o.tld.name: (o.register_price, o.renew_price, o.transfer_price) for o in rows}


def groups_of(partner) -> list[tuple[str, str, bool, list[str]]]:
    db.session.expire_all()
    rows = db.session.scalars(select(TldGroup).where(TldGroup.partner_id == partner.id)
                              .order_by(TldGroup.position, TldGroup.id))
    return [(grp.slug, grp.name, grp.is_default, grp.tld_names) for grp in rows]


def sell(client, tld: str, partner: str = "acme", **prices):
    return client.post(f"/panel/{partner}/tlds/{tld}", data=GOOD | prices)


# -- roles and tenancy ---------------------------------------------------------------------------


def test_editor_gets_403_and_other_partners_staff_404(client, two_partners, make_user, login):
    editor = make_user("editor@acme.example.com", two_partners["acme"], role="editor")
    login(client, editor)
    for path in ("/panel/acme/tlds", "/panel/acme/tlds/pl", "/panel/acme/tld-groups"):
        assert client.get(path).status_code == 403
    assert "TLD groups" not in client.get("/panel/acme/ads").get_data(as_text=True)
    client.post("/logout")
    login(client, two_partners["globex_owner"])
    for path in ("/panel/acme/tlds", "/panel/acme/tlds/pl", "/panel/acme/tld-groups"):
        assert client.get(path).status_code == 404
    assert sell(client, "pl").status_code == 404
    assert offers_of(two_partners["acme"]) == {}


def test_admin_sees_enabled_tlds_with_wholesale_prices_and_unicode(acme):
    page = acme.get("/panel/acme/tlds").get_data(as_text=True)
    assert ".com.pl" in page and "wholesale PLN\xa069.00" in page
    assert ".рф" in page and ".xn--p1ai" in page  # unicode, and punycode beside it
    assert ".xyz" not in page  # disabled by the platform
    assert "TLDs &amp; prices" in page  # the sidebar link


def test_filter_by_text_and_kind(acme):
    page = acme.get("/panel/acme/tlds?q=.pl").get_data(as_text=True)
    assert 'id="tld-pl"' in page and 'id="tld-com.pl"' in page and 'id="tld-eu"' not in page
    page = acme.get("/panel/acme/tlds?q=рф").get_data(as_text=True)
    assert 'id="tld-xn--p1ai"' in page and 'id="tld-pl"' not in page
    page = acme.get("/panel/acme/tlds?kind=functional").get_data(as_text=True)
    assert 'id="tld-com.pl"' in page and 'id="tld-pl"' not in page
    assert "No TLD matches" in acme.get("/panel/acme/tlds?q=zzz").get_data(as_text=True)


# -- prices --------------------------------------------------------------------------------------


def test_selling_a_tld_and_changing_its_prices(acme, two_partners):
    assert "Start selling" in acme.get("/panel/acme/tlds/pl").get_data(as_text=True)
    response = sell(acme, "pl")
    assert response.status_code == 302
    assert offers_of(two_partners["acme"]) == {"pl": (5900, 7900, 5900)}
    page = acme.get("/panel/acme/tlds").get_data(as_text=True)
    assert "PLN\xa059.00" in page and "Stop selling" in page
    edit = acme.get("/panel/acme/tlds/pl").get_data(as_text=True)
    assert 'value="59.00"' in edit  # the form shows the current prices
    assert sell(acme, "pl", register="45,50").status_code == 302
    assert offers_of(two_partners["acme"])["pl"] == (4550, 7900, 5900)


def test_idn_tld_is_sold_by_its_unicode_or_punycode_address(acme, two_partners):
    assert sell(acme, "рф").status_code == 302
    assert sell(acme, "xn--p1ai", register="30").status_code == 302
    assert offers_of(two_partners["acme"]) == {"xn--p1ai": (3000, 7900, 5900)}


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("register", "-5", "can&#39;t be negative"),
        ("renew", "0", "must be more than zero"),
        ("transfer", "abc", "is not a price"),
        ("register", "1.234", "at most 2 decimal places"),
        ("register", "", "Enter a price"),
        ("renew", "68.99", "below the wholesale price, PLN\xa069.00"),
    ],
)
def test_bad_prices_are_refused_and_nothing_is_stored(acme, two_partners, field, typed, message):
    response = sell(acme, "pl", **{field: typed})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert offers_of(two_partners["acme"]) == {}
    # A bad change to a TLD already sold keeps its stored prices.
    sell(acme, "pl")
    response = sell(acme, "pl", **{field: typed})
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert offers_of(two_partners["acme"]) == {"pl": (5900, 7900, 5900)}


def test_unknown_or_disabled_tld_is_404(acme):
    assert acme.get("/panel/acme/tlds/nosuch").status_code == 404
    assert sell(acme, "xyz").status_code == 404
    assert acme.post("/panel/acme/tlds/xyz/stop").status_code == 404


def test_stop_selling_takes_the_tld_out_of_groups(acme, two_partners):
    sell(acme, "pl")
    sell(acme, "com")
    acme.post("/panel/acme/tld-groups", data={"name": "Popular", "tlds": "pl, com"})
    response = acme.post("/panel/acme/tlds/pl/stop", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "You no longer sell .pl" in page and "Popular" in page
    assert offers_of(two_partners["acme"]) == {"com": (5900, 7900, 5900)}
    assert groups_of(two_partners["acme"])[0][3] == ["com"]


def test_markup_sells_ticked_tlds_above_wholesale(acme, two_partners):
    response = acme.post("/panel/acme/tlds/markup",
                         data={"percent": "10", "tld": ["pl", "eu"], "scope": "selected"})
    assert response.status_code == 302
    assert offers_of(two_partners["acme"]) == {"pl": (3190, 7590, 5390),
                                               "eu": (3190, 3850, 3190)}


def test_markup_on_all_listed_follows_the_filter(acme, two_partners):
    response = acme.post("/panel/acme/tlds/markup",
                         data={"percent": "0", "kind": "country", "scope": "all"})
    assert response.status_code == 302
    assert set(offers_of(two_partners["acme"])) == {"pl", "eu"}


@pytest.mark.parametrize("percent", ["", "-5", "abc", "5000"])
def test_bad_markup_changes_nothing(acme, two_partners, percent):
    response = acme.post("/panel/acme/tlds/markup",
                         data={"percent": percent, "tld": ["pl"], "scope": "selected"})
    assert response.status_code == 400
    assert offers_of(two_partners["acme"]) == {}


def test_markup_with_nothing_ticked_says_so(acme):
    response = acme.post("/panel/acme/tlds/markup", data={"percent": "10", "scope": "selected"})
    assert response.status_code == 400
    assert "Tick the TLDs" in response.get_data(as_text=True)


def test_partner_prices_never_appear_on_another_partners_page(acme, two_partners, login, client):
    sell(acme, "pl", register="123.45")
    assert "PLN\xa0123.45" in acme.get("/panel/acme/tlds").get_data(as_text=True)
    client.post("/logout")
    login(client, two_partners["globex_owner"])
    page = client.get("/panel/globex/tlds").get_data(as_text=True)
    assert "PLN\xa0123.45" not in page and "selling" not in page.split("<table", 1)[1]
    assert "Start selling" in client.get("/panel/globex/tlds/pl").get_data(as_text=True)
    assert "123.45" not in client.get("/panel/globex/tlds/pl").get_data(as_text=True)


# -- TLD groups ----------------------------------------------------------------------------------


@pytest.fixture
def selling(acme):
    for tld in ("pl", "com.pl", "com", "рф"):
        assert sell(acme, tld).status_code == 302
    return acme


def test_create_group_shows_slug_and_frame_address(selling, two_partners):
    response = selling.post("/panel/acme/tld-groups",
                            data={"name": "Polska – popularne", "tlds": "pl\ncom.pl, .com"})
    assert response.status_code == 302
    assert groups_of(two_partners["acme"]) == [
        ("polska-popularne", "Polska – popularne", True, ["pl", "com.pl", "com"])]
    page = selling.get("/panel/acme/tld-groups").get_data(as_text=True)
    assert "polska-popularne" in page and "default" in page
    assert "/frames/domain-search?group=polska-popularne" in page
    edit = selling.get("/panel/acme/tld-groups/polska-popularne").get_data(as_text=True)
    assert "acme.localhost/frames/domain-search?group=polska-popularne" in edit


def test_create_group_with_own_slug_and_idn(selling, two_partners):
    selling.post("/panel/acme/tld-groups", data={"name": "Cyrillic", "slug": "ru", "tlds": "рф"})
    assert groups_of(two_partners["acme"]) == [("ru", "Cyrillic", True, ["xn--p1ai"])]
    assert ".рф" in selling.get("/panel/acme/tld-groups/ru").get_data(as_text=True)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "Mixed", "tlds": "pl, eu"}, "You don&#39;t sell .eu"),
        ({"name": "Mixed", "tlds": "pl, nosuch"}, "You don&#39;t sell .nosuch"),
        ({"name": "Twice", "tlds": "pl, .pl"}, "in the list twice"),
        ({"name": "", "tlds": "pl"}, "Give the group a name"),
    ],
)
def test_bad_group_is_refused(selling, two_partners, fields, message):
    response = selling.post("/panel/acme/tld-groups", data=fields)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert groups_of(two_partners["acme"]) == []


def test_duplicate_slug_is_refused(selling, two_partners):
    selling.post("/panel/acme/tld-groups", data={"name": "Popular", "tlds": "pl"})
    response = selling.post("/panel/acme/tld-groups", data={"name": "Popular", "tlds": "com"})
    assert response.status_code == 400 and "already a group" in response.get_data(as_text=True)
    assert len(groups_of(two_partners["acme"])) == 1


def test_rename_keeps_slug_and_edits_the_ordered_list(selling, two_partners):
    selling.post("/panel/acme/tld-groups", data={"name": "Popular", "tlds": "pl, com"})
    response = selling.post("/panel/acme/tld-groups/popular",
                            data={"name": "Most popular", "tlds": "com\nрф\npl"})
    assert response.status_code == 302
    assert groups_of(two_partners["acme"]) == [
        ("popular", "Most popular", True, ["com", "xn--p1ai", "pl"])]
    # A TLD not sold is refused and neither the name nor the list changes.
    response = selling.post("/panel/acme/tld-groups/popular",
                            data={"name": "Other", "tlds": "com, eu"})
    assert response.status_code == 400
    assert "You don&#39;t sell .eu" in response.get_data(as_text=True)
    assert groups_of(two_partners["acme"]) == [
        ("popular", "Most popular", True, ["com", "xn--p1ai", "pl"])]


def test_make_default_and_move_up_and_down(selling, two_partners):
    for name in ("First", "Second", "Third"):
        selling.post("/panel/acme/tld-groups", data={"name": name, "tlds": "pl"})
    def slugs() -> list[str]:
        return [row[0] for row in groups_of(two_partners["acme"])]

    assert slugs() == ["first", "second", "third"]
    assert selling.post("/panel/acme/tld-groups/third/move",
                        data={"direction": "up"}).status_code == 302
    assert slugs() == ["first", "third", "second"]
    selling.post("/panel/acme/tld-groups/first/move", data={"direction": "down"})
    assert slugs() == ["third", "first", "second"]
    selling.post("/panel/acme/tld-groups/third/move", data={"direction": "up"})  # already first
    assert slugs() == ["third", "first", "second"]
    assert selling.post("/panel/acme/tld-groups/first/move",
                        data={"direction": "sideways"}).status_code == 400
    selling.post("/panel/acme/tld-groups/second/default")
    assert [row[0] for row in groups_of(two_partners["acme"]) if row[2]] == ["second"]


def test_delete_asks_first_and_moves_the_default(selling, two_partners):
    for name in ("First", "Second"):
        selling.post("/panel/acme/tld-groups", data={"name": name, "tlds": "pl"})
    confirm = selling.get("/panel/acme/tld-groups/first/delete")
    assert confirm.status_code == 200 and "Delete the group" in confirm.get_data(as_text=True)
    assert len(groups_of(two_partners["acme"])) == 2  # asking deletes nothing
    assert selling.post("/panel/acme/tld-groups/first/delete").status_code == 302
    assert groups_of(two_partners["acme"]) == [("second", "Second", True, ["pl"])]
    assert selling.get("/panel/acme/tld-groups/first").status_code == 404


def test_another_partners_group_slug_is_404(selling, two_partners, login, client):
    catalog.set_retail_prices(two_partners["globex"], "com", **GOOD)
    catalog.create_group(two_partners["globex"], "Globex only", ["com"])
    db.session.commit()
    for path in ("/panel/acme/tld-groups/globex-only",
                 "/panel/acme/tld-groups/globex-only/delete"):
        assert selling.get(path).status_code == 404
    for action in ("default", "delete", "move"):
        response = selling.post(f"/panel/acme/tld-groups/globex-only/{action}",
                                data={"direction": "up", "name": "Hijacked", "tlds": "pl"})
        assert response.status_code == 404
    assert groups_of(two_partners["globex"]) == [("globex-only", "Globex only", True, ["com"])]
    assert "Globex only" not in selling.get("/panel/acme/tld-groups").get_data(as_text=True)


def test_group_page_without_sold_tlds_points_to_prices(acme):
    page = acme.get("/panel/acme/tld-groups").get_data(as_text=True)
    assert "You don't sell any extensions yet" in page


def test_stop_selling_needs_the_csrf_token(acme, two_partners):
    sell(acme, "pl")
    acme.application.config["WTF_CSRF_ENABLED"] = True
    assert acme.post("/panel/acme/tlds/pl/stop").status_code == 400
    assert set(offers_of(two_partners["acme"])) == {"pl"}
    page = acme.get("/panel/acme/tlds").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    response = acme.post("/panel/acme/tlds/pl/stop", data={"csrf_token": token})
    assert response.status_code == 302
    assert offers_of(two_partners["acme"]) == {}
