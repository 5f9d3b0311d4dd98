"""Domain search over a partner's TLD groups: the service the storefront and frames call, and the
storefront's /search page in both themes. Two partners with their own prices and groups; the
sandbox registry answers by label ("taken-…", "premium-…", "free-…", "example" is taken)."""

from __future__ import annotations

import io
import re
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from urllib.parse import quote

import pytest
from markupsafe import escape
from sqlalchemy import select

from cms_pages.models import Page
from storefront.db import db
from storefront.models.catalog import Tld
from storefront.registrars import check_availability, close_backends, get_backend
from storefront.registrars.models import SandboxRegistration
from storefront.services import catalog, domain_search
from storefront.services.catalog import format_price
from storefront.services.domain_search import GroupNotFound, price_table, search

HEADER = "tld,kind,register,renew,transfer,currency,min_years,max_years,idn,backend,enabled\n"
TWENTY_TLDS = ["com", "net", "org", "pl", "com.pl", "net.pl", "org.pl", "waw.pl", "eu", "de",
               "io", "dev", "app", "info", "biz", "shop", "online", "store", "tech", "site"]
IDN_TLDS = {"com", "pl", "eu", "de"}
EXTRA = ["xyz"]  # sold by Acme, then disabled by the platform
P39, P25, P4567, P50 = (format_price(m, "PLN") for m in (3900, 2500, 4567, 5000))


def catalogue_csv() -> str:
    rows = []
    for name in TWENTY_TLDS + EXTRA:
        kind = "functional" if "." in name else "generic"
        max_years = 1 if name == "de" else 10
        idn = 1 if name in IDN_TLDS else 0
        rows.append(f"{name},{kind},1.00,1.00,1.00,PLN,1,{max_years},{idn},sandbox,1\n")
    return HEADER + "".join(rows)


def sell(partner, names, register: str, renew: str = "80.00", transfer: str = "50.00") -> None:
    for name in names:
        catalog.set_retail_prices(partner, name, register=register, renew=renew,
                                  transfer=transfer)


@pytest.fixture
def backends(app) -> Iterator[dict]:
    """REGISTRAR_BACKENDS for this test (a plain sandbox unless the test changes it)."""
    app.config["REGISTRAR_BACKENDS"] = {"sandbox": {"kind": "sandbox"}}
    yield app.config
    # A slow backend's check keeps running after the search gave up on it: let it finish before
    # the database is emptied under it.
    for thread in threading.enumerate():
        if thread.name.startswith("registrar-check"):
            thread.join(timeout=5)
    close_backends(app)


@pytest.fixture
def shops(two_partners, backends):
    """Acme sells 21 TLDs at 39.00 (com.pl at 25.00) in three groups; Globex sells .pl and
    .com at 45.67 in its own "cheap" group."""
    acme, globex = two_partners["acme"], two_partners["globex"]
    catalog.import_catalogue(io.StringIO(catalogue_csv()))
    sell(acme, [t for t in TWENTY_TLDS + EXTRA if t != "com.pl"], "39.00")
    sell(acme, ["com.pl"], "25.00")
    catalog.create_group(acme, "Popular", ["pl", "com", "com.pl", "eu", "net"])
    catalog.create_group(acme, "World", TWENTY_TLDS)
    catalog.create_group(acme, "Poland", ["pl", "com.pl", "waw.pl"])
    sell(globex, ["pl", "com"], "45.67", renew="46.00", transfer="47.00")
    catalog.create_group(globex, "Cheap", ["com", "pl"])
    globex.theme = "minimal"
    db.session.commit()
    return two_partners


def qs(value: str) -> str:
    return quote(value, safe="")


def page(host_client, path: str, host: str = "acme.localhost") -> tuple[int, str]:
    response = host_client(host).get(path)
    return response.status_code, response.get_data(as_text=True)


def add_form(domain: str, transfer: bool = False) -> str:
    """The hidden fields of a search result's "Add to cart" (or "Transfer") form: a POST."""
    fields = (f'<input type="hidden" name="domain" value="{domain}">'
              '<input type="hidden" name="years" value="1">')
    return fields + ('<input type="hidden" name="operation" value="transfer">' if transfer else "")


# --- accepted input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "exact", "exact_unicode"),
    [
        ("example", None, None),
        ("example.pl", "example.pl", "example.pl"),
        ("www.Example.COM", "example.com", "example.com"),
        ("https://example.com/path", "example.com", "example.com"),
        ("żółw.pl", "xn--w-uga1v8h.pl", "żółw.pl"),
        ("xn--w-uga1v8h.pl", "xn--w-uga1v8h.pl", "żółw.pl"),
        ("example.com.pl", "example.com.pl", "example.com.pl"),
    ],
)
def test_accepted_inputs_search_the_group(shops, query, exact, exact_unicode):
    result = search(shops["acme"], query)

    assert result.error is None
    assert result.group.slug == "popular" and result.group.is_default
    assert [g.slug for g in result.groups] == ["popular", "world", "poland"]
    if exact is None:
        assert result.exact is None
        assert [o.tld for o in result.offers] == ["pl", "com", "com.pl", "eu", "net"]
    else:
        assert (result.exact.domain, result.exact.domain_unicode) == (exact, exact_unicode)
        assert result.exact.is_exact
        # Every other TLD of the group follows in group order, the exact one left out.
        assert result.exact.tld not in [o.tld for o in result.offers]
        assert all(not o.is_exact for o in result.offers)


def test_accepted_inputs_render_in_both_themes(shops, host_client):
    for host in ("acme.localhost", "globex.localhost"):
        for query in ("example", "example.pl", "www.Example.COM", "https://example.com/path",
                      "żółw.pl", "xn--w-uga1v8h.pl"):
            status, body = page(host_client, f"/search?q={query}", host)
            assert status == 200, (host, query)
            assert 'class="domain-results"' in body
    status, body = page(host_client, "/search?q=example.com.pl")
    assert status == 200 and "example.com.pl" in body


def test_idn_is_shown_in_unicode_with_punycode_beside_it(shops, host_client):
    result = search(shops["acme"], "żółw.pl")
    assert result.exact.is_idn and result.name_unicode == "żółw"

    _, body = page(host_client, "/search?q=żółw.pl")
    assert ('<span class="domain-name">żółw.pl</span> '
            '<small class="punycode">xn--w-uga1v8h.pl</small>') in body


def test_idn_is_not_offered_under_tlds_that_forbid_it(shops):
    result = search(shops["acme"], "żółw")  # Popular holds com.pl, which takes no IDN
    assert [o.tld for o in result.offers] == ["pl", "com", "eu"]
    assert any(".com.pl" in w for w in result.warnings)
    assert all(o.tld != "com.pl" for o in result.suggestions)

    refused = search(shops["acme"], "żółw.com.pl")
    assert refused.error_code == "idn_not_allowed" and ".com.pl" in refused.error


def test_spaces_give_alternatives_and_a_warning(shops, host_client):
    result = search(shops["acme"], "my shop")

    assert result.name == "myshop"
    assert result.alternatives == ("myshop", "my-shop")
    assert any("spaces" in w for w in result.warnings)
    _, body = page(host_client, "/search?q=my+shop")
    assert 'href="/search?q=my-shop"' in body and "spaces" in body


def test_alternatives_of_an_idn_name_read_in_unicode(shops, host_client):
    result = search(shops["acme"], "my żółw")
    assert result.alternatives_unicode == ("myżółw", "my-żółw")
    _, body = page(host_client, "/search?q=my+żółw")
    alternatives = body[body.index('class="alternatives"'):body.index("</p>", body.index(
        'class="alternatives"'))]
    assert ">my-żółw</a>" in alternatives and "xn--" not in alternatives


def test_a_tld_picked_beside_the_name(shops):
    result = search(shops["acme"], "free-pick", tld=".pl")
    assert result.exact.domain == "free-pick.pl"
    assert search(shops["acme"], "free-pick.com", tld="pl").exact.domain == "free-pick.com"
    assert search(shops["acme"], "free-pick", tld="nope").error_code == "tld_not_offered"
    assert search(shops["acme"], "free-pick", tld="x.pl").error_code == "tld_not_offered"


# --- bad input ----------------------------------------------------------------------------------

BAD = [
    ("", "empty", "Type a name"),
    ("...", "no_name", "letters or digits"),
    ("---", "no_name", "letters or digits"),
    ("a" * 64 + ".pl", "label_too_long", "at most 63"),
    (".".join(["a" * 63] * 4) + ".pl", "too_long", "at most 253"),
    ("exa$mple.pl", "invalid_characters", "only letters, digits and hyphens"),
    ("shop😀.pl", "emoji", "emoji"),
    ("pаypal.com", "mixed_script", "Cyrillic and Latin"),
    ("a" * 10_240, "query_too_long", "far too long"),
    ("<script>alert(1)</script>", "invalid_characters", "only letters"),
    ("' OR 1=1; DROP TABLE tld; --", "invalid_characters", "only letters"),
]


@pytest.mark.parametrize(("query", "code", "says"), BAD)
def test_bad_input_is_a_message_not_an_exception(shops, query, code, says):
    result = search(shops["acme"], query)
    assert (result.error_code, result.exact, result.offers) == (code, None, ())
    assert says in result.error
    assert [g.slug for g in result.groups] == ["popular", "world", "poland"]


@pytest.mark.parametrize(("query", "code", "says"), BAD)
def test_bad_input_page_is_200_with_the_message(shops, host_client, query, code, says):
    for host in ("acme.localhost", "globex.localhost"):
        status, body = page(host_client, "/search?q=" + qs(query), host)
        assert status == 200
        assert 'role="alert"' in body and str(escape(says)) in body
        assert "<script>alert" not in body
    assert db.session.scalar(select(Tld).where(Tld.name == "com")) is not None


def test_the_search_page_without_a_query_shows_only_the_box(shops, host_client):
    status, body = page(host_client, "/search")
    assert status == 200 and 'name="q"' in body
    assert 'role="alert"' not in body and "domain-results" not in body


def test_html_in_the_query_is_escaped_and_pages_hold_no_inline_script(shops, host_client):
    for host in ("acme.localhost", "globex.localhost"):
        _, body = page(host_client, "/search?q=" + qs('"><script>alert(1)</script>.pl'),
                       host)
        assert "<script" not in body and "style=" not in body and " on" + "error" not in body
        assert "&#34;&gt;&lt;script&gt;" in body or "&quot;&gt;&lt;script&gt;" in body


def test_a_tld_not_offered_shows_the_closest_offers_as_links(shops, host_client):
    result = search(shops["acme"], "example.con")

    assert result.error_code == "tld_not_offered"
    assert result.error.startswith("We don't offer .con.")
    assert "com" in result.closest and result.name == "example"
    _, body = page(host_client, "/search?q=example.con")
    assert "We don&#39;t offer .con." in body
    assert 'href="/search?q=example.com"' in body


def test_a_tld_disabled_by_the_platform_is_refused(shops, host_client):
    assert search(shops["acme"], "free-x.xyz").exact.domain == "free-x.xyz"
    db.session.scalar(select(Tld).where(Tld.name == "xyz")).enabled = False
    db.session.commit()  # clears the catalogue of every partner selling .xyz, in this process

    result = search(shops["acme"], "free-x.xyz")

    assert result.error_code == "tld_not_offered"
    assert result.error.startswith("We don't offer .xyz")
    assert "xyz" not in [o.tld for o in search(shops["acme"], "free-x", "world").offers]
    assert "We don&#39;t offer .xyz" in page(host_client, "/search?q=free-x.xyz")[1]


# --- states, prices and suggestions -------------------------------------------------------------


def test_available_taken_and_premium(shops, host_client):
    free = search(shops["acme"], "free-shop.pl").exact
    assert (free.state, free.price_minor, free.currency) == ("available", 3900, "PLN")
    assert free.transfer_price_minor is None and free.regular_price_minor is None

    taken = search(shops["acme"], "taken-shop.pl").exact
    assert (taken.state, taken.price_minor, taken.transfer_price_minor) == ("taken", None, 5000)

    premium = search(shops["acme"], "premium-shop.pl").exact
    quoted = get_backend("sandbox").answer_for("premium-shop.pl").price_minor
    assert premium.state == "premium" and premium.price_minor == quoted != 3900

    _, body = page(host_client, "/search?q=free-shop.pl")
    assert "Available" in body and P39 in body and P25 in body
    assert add_form("free-shop.pl") in body
    _, body = page(host_client, "/search?q=taken-shop.pl")
    assert "Taken" in body and "Transfer" in body and P50 in body
    assert add_form("taken-shop.pl", transfer=True) in body
    _, body = page(host_client, "/search?q=premium-shop.pl")
    assert "Premium" in body and format_price(quoted, "PLN") in body


def test_years_come_from_the_tld(shops):
    result = search(shops["acme"], "free-years", "world")
    years = {o.tld: (o.min_years, o.max_years) for o in result.offers}
    assert years["de"] == (1, 1) and years["pl"] == (1, 10)


def test_a_taken_name_gets_available_suggestions(shops, host_client):
    result = search(shops["acme"], "example.pl")

    assert result.exact.state == "taken"
    assert 8 <= len(result.suggestions) <= 12
    assert all(s.state == "available" and s.price_minor for s in result.suggestions)
    asked = {result.exact.domain, *(o.domain for o in result.offers)}
    assert not asked & {s.domain for s in result.suggestions}
    # Under the typed TLD, the group's first three and the partner's most popular others.
    assert {s.tld for s in result.suggestions} <= {"pl", "com", "com.pl", "eu", "net", "org"}
    _, body = page(host_client, "/search?q=example.pl")
    assert "example.pl is taken" in body
    assert add_form(result.suggestions[0].domain) in body


def test_an_available_name_gets_no_suggestions(shops, host_client):
    assert search(shops["acme"], "free-mine.pl").suggestions == ()
    assert "is taken" not in page(host_client, "/search?q=free-mine.pl")[1]


def test_suggestions_for_a_name_with_spaces_are_asked_in_both_spellings(shops, monkeypatch):
    asked: list[dict] = []
    real = domain_search.check_availability
    monkeypatch.setattr(domain_search, "check_availability",
                        lambda names, timeout: asked.append(names) or real(names, timeout))

    result = search(shops["acme"], "taken shop.pl")

    assert len(asked) == 1  # the exact domain, the group and the suggestions in one call
    names = asked[0]["sandbox"]
    assert {"takenshop.pl", "takenshop.com", "taken-shop.pl", "mytakenshop.pl"} <= set(names)
    assert all(s.domain in names and s.state == "available" for s in result.suggestions)


# --- groups -------------------------------------------------------------------------------------


def test_group_switch_keeps_the_query(shops, host_client):
    result = search(shops["acme"], "free-go", "poland")

    assert result.group.slug == "poland" and not result.group.is_default
    assert [o.domain for o in result.offers] == ["free-go.pl", "free-go.com.pl", "free-go.waw.pl"]
    _, body = page(host_client, "/search?q=free-go&group=poland")
    assert 'href="/search?q=free-go&amp;group=world"' in body
    assert re.search(r'href="/search\?q=free-go&amp;group=poland" aria-current="page"', body)
    # the tabs switch groups, and a new search stays in the chosen one
    assert '<input type="hidden" name="group" value="poland">' in body
    assert "free-go.waw.pl" in body and "free-go.eu" not in body


def test_the_results_page_switches_groups_one_way(shops, host_client):
    for query in ("", "?q=free-go", "?q=free-go&group=poland"):
        _, body = page(host_client, f"/search{query}")
        assert body.count('class="search-groups"') == 1  # the tabs
        assert "<select" not in body  # and no group dropdown beside them


def test_another_partners_group_is_404(shops, host_client):
    with pytest.raises(GroupNotFound):
        search(shops["acme"], "example", "cheap")
    with pytest.raises(GroupNotFound):
        search(shops["globex"], "example", "poland")
    with pytest.raises(GroupNotFound):
        price_table(shops["acme"], "cheap")
    assert page(host_client, "/search?q=example&group=cheap")[0] == 404
    assert page(host_client, "/search?group=cheap")[0] == 404
    assert page(host_client, "/search?q=example&group=nope")[0] == 404
    assert page(host_client, "/search?q=example&group=poland", "globex.localhost")[0] == 404
    assert page(host_client, "/search?q=example&group=cheap", "globex.localhost")[0] == 200


def test_a_partner_without_groups_searches_everything_it_sells_popular_first(shops):
    for slug in ("popular", "world", "poland"):
        catalog.delete_group(shops["acme"], slug)
    db.session.commit()

    result = search(shops["acme"], "free-all")

    assert result.group is None and result.groups == ()
    tlds = [o.tld for o in result.offers]
    assert tlds[:5] == ["com", "pl", "eu", "net", "org"] and len(tlds) == 21
    view, rows = price_table(shops["acme"])
    assert view.name == "All extensions" and len(rows) == 21


def test_price_table_in_group_order_and_per_partner(shops):
    view, rows = price_table(shops["acme"])
    assert view.slug == "popular"
    assert [r["tld"] for r in rows] == ["pl", "com", "com.pl", "eu", "net"]
    assert rows[0] == {"tld": "pl", "tld_unicode": "pl", "register_minor": 3900,
                       "renew_minor": 8000, "transfer_minor": 5000, "currency": "PLN",
                       "min_years": 1, "max_years": 10, "regular_register_minor": 3900}
    assert [r["tld"] for r in price_table(shops["acme"], "poland")[1]] == [
        "pl", "com.pl", "waw.pl"]
    view, rows = price_table(shops["globex"])
    assert view.slug == "cheap" and {r["register_minor"] for r in rows} == {4567}


def test_cms_price_module_shows_the_default_group(shops, host_client):
    for partner in (shops["acme"], shops["globex"]):
        db.session.add(Page(partner_id=partner.id, slug="prices", title="Prices",
                            published=True, body="[[tld-prices]]"))
    db.session.commit()
    _, acme = page(host_client, "/prices")
    _, globex = page(host_client, "/prices", "globex.localhost")
    assert "Sample prices" not in acme and ".com.pl" in acme and P25 in acme
    assert "Popular: domain prices" in acme
    assert P4567 in globex and P39 not in globex and ".com.pl" not in globex


# --- isolation and registry behaviour -----------------------------------------------------------


def test_partner_a_prices_never_show_on_partner_b(shops, host_client):
    a = search(shops["acme"], "free-both.pl")
    b = search(shops["globex"], "free-both.pl")
    assert a.exact.price_minor == 3900 and b.exact.price_minor == 4567
    assert [o.tld for o in b.offers] == ["com"]

    _, body = page(host_client, "/search?q=free-both.pl", "globex.localhost")
    assert P4567 in body and P39 not in body and P25 not in body
    assert "com.pl" not in body and "Popular" not in body
    _, body = page(host_client, "/search?q=free-both.eu", "globex.localhost")
    assert "We don&#39;t offer .eu" in body


def test_a_twenty_tld_group_is_one_round_trip(shops):
    result = search(shops["acme"], "example", "world")  # taken, so suggestions are asked too

    assert len(result.offers) == 20
    assert result.suggestions
    assert get_backend("sandbox").round_trips == 1


def test_a_backend_that_times_out_marks_only_its_tlds_unknown(shops, backends, host_client):
    backends["REGISTRAR_BACKENDS"] = {"sandbox": {"kind": "sandbox"},
                                      "slow": {"kind": "sandbox", "latency_ms": 2000}}
    backends["AVAILABILITY_TIMEOUT"] = 0.3
    db.session.scalar(select(Tld).where(Tld.name == "eu")).backend = "slow"
    db.session.commit()
    # Remember the fast backend's answers first, so a busy test machine cannot make it miss 0.3 s.
    check_availability({"sandbox": [f"free-wait.{t}" for t in ("pl", "com", "com.pl", "net")]}, 5)

    started = time.monotonic()
    result = search(shops["acme"], "free-wait")
    elapsed = time.monotonic() - started

    states = {o.tld: o.state for o in result.offers}
    assert states == {"pl": "available", "com": "available", "com.pl": "available",
                      "eu": "unknown", "net": "available"}
    unknown = next(o for o in result.offers if o.tld == "eu")
    assert unknown.price_minor is None and "try again" in unknown.reason
    assert elapsed < 1.5  # the search did not wait for the slow registry's 2 s
    status, body = page(host_client, "/search?q=free-wait")
    assert status == 200 and "Unknown – try again" in body and P39 in body


def test_search_uses_the_configured_timeout_by_default(shops, backends):
    backends["REGISTRAR_BACKENDS"] = {"sandbox": {"kind": "sandbox", "latency_ms": 500}}
    assert search(shops["acme"], "free-t.pl", timeout=0.05).exact.state == "unknown"
    backends["AVAILABILITY_TIMEOUT"] = 0.05
    close_backends()
    assert search(shops["acme"], "free-u.pl").exact.state == "unknown"



# --- what the results say ---------------------------------------------------------------------


def register_in_sandbox(*names: str) -> None:
    for name in names:
        db.session.add(SandboxRegistration(name=name, auth_code="x",
                                           expires_at=datetime(2030, 1, 1)))
    db.session.commit()


def test_the_heading_names_the_extensions_where_the_name_is_taken(shops, host_client):
    register_in_sandbox("free-acmetest.com", "free-acmetest.eu")
    result = search(shops["acme"], "free-acmetest")  # Popular: pl, com, com.pl, eu, net
    assert [o.state for o in result.offers].count("available") == 3 and result.suggestions
    title = ("free-acmetest is taken under .com and .eu, but still free under 3 other extensions "
             "above. Or how about one of these?")
    assert result.suggestions_title == title
    _, body = page(host_client, "/search?q=free-acmetest")
    assert f'<h2 class="suggestions-title">{title}</h2>' in body
    assert "free-acmetest is taken. How about" not in body


@pytest.mark.parametrize(
    ("query", "title"),
    [
        ("taken-name", "taken-name is taken under every extension here. How about one of these?"),
        ("taken-name.com", "taken-name.com is taken. How about one of these?"),
        ("premium-name.com", "premium-name.com is a premium domain. How about one of these?"),
    ],
)
def test_the_heading_says_what_is_taken(shops, query, title):
    assert search(shops["acme"], query).suggestions_title == title


@pytest.fixture
def cyrillic_tld(shops):
    """Acme also sells .онлайн (a Cyrillic IDN TLD) in a group beside .pl and .com."""
    catalog.import_catalogue(io.StringIO(HEADER + "xn--80asehdb,idn,1.00,1.00,1.00,PLN,1,10,1,"
                                                  "sandbox,1\n"))
    sell(shops["acme"], ["xn--80asehdb"], "39.00")
    catalog.create_group(shops["acme"], "Mixed", ["pl", "com", "xn--80asehdb"])
    db.session.commit()
    return shops


def test_a_latin_name_is_never_offered_under_a_cyrillic_extension(cyrillic_tld, host_client):
    for query in ("żółw", "free-acmetest"):
        result = search(cyrillic_tld["acme"], query, "mixed")
        assert [o.tld for o in result.offers] == ["pl", "com"]
        assert all(o.tld != "xn--80asehdb" for o in result.suggestions)
        assert "We left out .онлайн: it accepts Cyrillic names only." in result.warnings
    _, body = page(host_client, "/search?q=" + qs("żółw") + "&group=mixed")
    assert "We left out .онлайн: it accepts Cyrillic names only." in body
    assert "żółw.онлайн" not in body

    cyrillic = search(cyrillic_tld["acme"], "пример", "mixed")
    assert "пример.онлайн" in [o.domain_unicode for o in cyrillic.offers]
    assert not any("онлайн" in warning for warning in cyrillic.warnings)

    typed = search(cyrillic_tld["acme"], "żółw.онлайн")
    assert typed.error_code == "script_not_accepted" and typed.exact is None
    assert typed.error == "“żółw.онлайн” can't be registered: .онлайн accepts Cyrillic names only."
