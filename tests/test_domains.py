"""Custom domains: bad input, the DNS check against a real (test) DNS server, claims that move
between partners, and the panel's scoping and roles."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from dns_server import DnsServer
from sqlalchemy import select

from storefront.db import db
from storefront.models import PartnerDomain
from storefront.services import domains
from storefront.services.domains import MOVED_AWAY


@pytest.fixture(scope="module")
def dns_server_running() -> Iterator[DnsServer]:
    server = DnsServer().start()
    yield server
    server.stop()


@pytest.fixture
def dns_server(dns_server_running: DnsServer) -> Iterator[DnsServer]:
    dns_server_running.clear()
    yield dns_server_running
    dns_server_running.clear()


@pytest.fixture
def app_config(app_config, dns_server_running) -> dict:
    return {
        **app_config,
        "DNS_RESOLVER": dns_server_running.address,
        "PLATFORM_IPV4": "203.0.113.10",
        "PLATFORM_IPV6": "2001:db8::10",
    }


@pytest.fixture
def acme_panel(two_partners, client, login):
    return login(client, two_partners["acme_owner"])


def rows(partner_id: int | None = None) -> list[PartnerDomain]:
    statement = select(PartnerDomain).order_by(PartnerDomain.id)
    if partner_id is not None:
        statement = statement.where(PartnerDomain.partner_id == partner_id)
    db.session.expire_all()
    return list(db.session.scalars(statement))


def point(server: DnsServer, domain: PartnerDomain, a: str = "203.0.113.10") -> None:
    server.set(domain.host, "A", a)
    server.set(f"_storefront.{domain.host}", "TXT", domain.txt_token)


# --- adding: bad input ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "message"),
    [
        ("", "This field is required."),
        ("not a host", "is not a valid domain name"),
        ("http://shop.example.com/", "is not a valid domain name"),
        ("shop_1.example.com", "is not a valid domain name"),
        ("-shop.example.com", "is not a valid domain name"),
        ("shop.example.com:8080", "is not a valid domain name"),
        ("a..b.com", "is not a valid domain name"),
        ("<script>.com", "is not a valid domain name"),
        ("1.2.3.4", "not an IP address"),
        ("203.0.113.10.", "not an IP address"),
        ("::1", "not an IP address"),
        ("[2001:db8::1]", "not an IP address"),
        ("localhost", "belong to the platform"),
        ("LOCALHOST.", "belong to the platform"),
        ("acme.localhost", "belong to the platform"),
        ("globex.localhost", "belong to the platform"),
        ("deep.sub.localhost", "belong to the platform"),
        ("shop", "Enter a full domain name with a dot"),
        ("a" * 63 + "." + "b" * 63 + "." + "c" * 63 + "." + "d" * 62 + ".com", "at most 253"),
        ("x" * 64 + ".com", "is not a valid domain name"),
    ],
)
def test_bad_domain_is_refused_with_a_message_and_nothing_stored(acme_panel, host, message):
    page = acme_panel.post("/panel/acme/domains", data={"host": host})
    assert page.status_code == 400
    assert message in page.get_data(as_text=True)
    assert rows() == []


def test_domain_already_added_by_this_partner_is_refused(acme_panel, two_partners):
    added = acme_panel.post("/panel/acme/domains", data={"host": "Shop.Acme.test."})
    assert added.status_code == 302
    page = acme_panel.post("/panel/acme/domains", data={"host": "shop.acme.test"})
    assert page.status_code == 400
    assert "already on your list" in page.get_data(as_text=True)
    assert [d.host for d in rows()] == ["shop.acme.test"]


def test_added_domain_is_normalised_pending_and_shows_its_records(acme_panel, two_partners):
    page = acme_panel.post("/panel/acme/domains", data={"host": " WWW.Żółw-Sklep.TEST. "},
                           follow_redirects=True)
    assert page.status_code == 200
    (domain,) = rows()
    assert domain.host == "www.xn--w-sklep-k0a52e8r.test"
    assert domain.verified_at is None and not domain.is_primary
    assert len(domain.txt_token) == 32
    body = page.get_data(as_text=True)
    for expected in ("pending", "203.0.113.10", "2001:db8::10", "acme.localhost",
                     f"_storefront.{domain.host}", domain.txt_token, "Check DNS"):
        assert expected in body
    assert "globex" not in body.lower()


def test_tokens_differ_per_domain(two_partners):
    first = domains.add_domain(two_partners["acme"], "one.acme.test")
    second = domains.add_domain(two_partners["acme"], "two.acme.test")
    assert first.txt_token != second.txt_token


def test_editor_may_not_manage_domains(two_partners, make_user, client, login):
    editor = make_user("editor@acme.example.com", two_partners["acme"], role="editor")
    login(client, editor)
    assert client.get("/panel/acme/domains").status_code == 403
    assert client.post("/panel/acme/domains", data={"host": "shop.acme.test"}).status_code == 403
    assert rows() == []


def test_admin_may_manage_domains(two_partners, make_user, client, login):
    admin = make_user("admin@acme.example.com", two_partners["acme"], role="admin")
    login(client, admin)
    assert client.get("/panel/acme/domains").status_code == 200
    assert client.post("/panel/acme/domains", data={"host": "shop.acme.test"}).status_code == 302


def test_another_partners_domain_is_404(acme_panel, two_partners):
    theirs = domains.add_domain(two_partners["globex"], "shop.globex.test", verified=True)
    db.session.commit()
    for action in ("check", "primary", "remove"):
        assert acme_panel.post(f"/panel/acme/domains/{theirs.id}/{action}").status_code == 404
    assert acme_panel.post("/panel/acme/domains/nope/check").status_code == 404
    # Nor may acme reach it through globex's panel.
    assert acme_panel.get("/panel/globex/domains").status_code == 404
    (row,) = rows()
    assert row.partner_id == two_partners["globex"].id and row.is_verified


# --- Check DNS ------------------------------------------------------------------------------


def add(partner, host: str) -> PartnerDomain:
    domain = domains.add_domain(partner, host)
    db.session.commit()
    return domain


def check(panel, domain: PartnerDomain):
    return panel.post(f"/panel/acme/domains/{domain.id}/check", follow_redirects=True)


def test_a_record_and_txt_verify(acme_panel, two_partners, dns_server):
    domain = add(two_partners["acme"], "shop.acme.test")
    point(dns_server, domain)
    page = check(acme_panel, domain)
    assert "Verified: A record 203.0.113.10" in page.get_data(as_text=True)
    (row,) = rows()
    assert row.is_verified and row.last_checked_at is not None
    assert row.last_check_result.startswith("Verified")
    assert ("_storefront.shop.acme.test", "TXT") in dns_server.queries


def test_aaaa_record_and_txt_verify(acme_panel, two_partners, dns_server):
    domain = add(two_partners["acme"], "shop.acme.test")
    dns_server.set(domain.host, "AAAA", "2001:db8:0::10")
    dns_server.set(f"_storefront.{domain.host}", "TXT", domain.txt_token)
    check(acme_panel, domain)
    assert rows()[0].is_verified


def test_cname_to_raw_host_and_txt_verify(acme_panel, two_partners, dns_server):
    domain = add(two_partners["acme"], "www.acme.test")
    dns_server.set(domain.host, "CNAME", "acme.localhost.")
    dns_server.set(f"_storefront.{domain.host}", "TXT", domain.txt_token)
    page = check(acme_panel, domain)
    assert "Verified: CNAME to acme.localhost" in page.get_data(as_text=True)
    assert rows()[0].is_verified


def test_cname_to_another_partners_raw_host_does_not_verify(acme_panel, two_partners, dns_server):
    domain = add(two_partners["acme"], "www.acme.test")
    dns_server.set(domain.host, "CNAME", "globex.localhost")
    dns_server.set(f"_storefront.{domain.host}", "TXT", domain.txt_token)
    page = check(acme_panel, domain)
    assert "does not point at the platform" in page.get_data(as_text=True)
    assert not rows()[0].is_verified


def test_wrong_txt_does_not_verify(acme_panel, two_partners, dns_server):
    domain = add(two_partners["acme"], "shop.acme.test")
    dns_server.set(domain.host, "A", "203.0.113.10")
    dns_server.set(f"_storefront.{domain.host}", "TXT", "someone-elses-token")
    page = check(acme_panel, domain)
    assert "does not hold the token" in page.get_data(as_text=True)
    (row,) = rows()
    assert not row.is_verified and "does not hold the token" in row.last_check_result


def test_missing_txt_does_not_verify(acme_panel, two_partners, dns_server):
    domain = add(two_partners["acme"], "shop.acme.test")
    dns_server.set(domain.host, "A", "203.0.113.10")
    check(acme_panel, domain)
    (row,) = rows()
    assert not row.is_verified and "no TXT record at _storefront.shop.acme.test" in (
        row.last_check_result)


def test_wrong_a_record_does_not_verify(acme_panel, two_partners, dns_server):
    domain = add(two_partners["acme"], "shop.acme.test")
    point(dns_server, domain, a="198.51.100.7")
    page = check(acme_panel, domain)
    body = page.get_data(as_text=True)
    assert "does not point at the platform (found A 198.51.100.7" in body
    assert not rows()[0].is_verified


def test_nxdomain_is_explained(acme_panel, two_partners, dns_server):
    domain = add(two_partners["acme"], "nowhere.acme.test")
    page = check(acme_panel, domain)
    assert "nowhere.acme.test does not exist in DNS (NXDOMAIN)" in page.get_data(as_text=True)
    (row,) = rows()
    assert not row.is_verified and "NXDOMAIN" in row.last_check_result


def flashes(page) -> list[tuple[str, str]]:
    """(class, text) of each banner shown after an action."""
    return re.findall(r'<p class="flash ([a-z -]+)"[^>]*>([^<]*)</p>', page.get_data(as_text=True))


def test_a_failed_check_is_an_error_banner_and_a_passed_one_a_success(acme_panel, two_partners,
                                                                      dns_server):
    domain = add(two_partners["acme"], "nowhere.acme.test")
    ((style, text),) = flashes(check(acme_panel, domain))
    assert style == "flash-error" and "does not exist in DNS (NXDOMAIN)" in text
    assert '<p class="flash flash-error" role="alert">' in check(acme_panel, domain).get_data(
        as_text=True)

    point(dns_server, domain)
    ((style, text),) = flashes(check(acme_panel, domain))
    assert style == "flash-message" and text.startswith("nowhere.acme.test: Verified")


def test_timeout_is_explained(acme_panel, two_partners, dns_server):
    domain = add(two_partners["acme"], "slow.acme.test")
    dns_server.silent.update({domain.host, f"_storefront.{domain.host}"})
    check(acme_panel, domain)
    (row,) = rows()
    assert not row.is_verified
    assert "did not answer in time" in row.last_check_result


def test_failed_recheck_keeps_a_verified_domain_serving(acme_panel, two_partners, dns_server):
    domain = add(two_partners["acme"], "shop.acme.test")
    point(dns_server, domain)
    check(acme_panel, domain)
    dns_server.clear()
    check(acme_panel, domain)
    (row,) = rows()
    assert row.is_verified and "NXDOMAIN" in row.last_check_result


# --- claims that move -----------------------------------------------------------------------


def test_domain_held_by_another_partner_is_only_a_pending_claim_until_proven(
    two_partners, client, login, dns_server
):
    acme, globex = two_partners["acme"], two_partners["globex"]
    held = domains.add_domain(acme, "shop.shared.test", verified=True)
    domains.set_primary(acme, held)
    db.session.commit()

    login(client, two_partners["globex_owner"])
    page = client.post("/panel/globex/domains", data={"host": "SHOP.shared.test"},
                       follow_redirects=True)
    assert page.status_code == 200
    assert "moves to yours once its TXT token is proven" in page.get_data(as_text=True)
    claim = rows(globex.id)[0]
    assert not claim.is_verified
    assert rows(acme.id)[0].is_verified  # nothing moved yet

    # The old owner's token proves nothing for the claimant.
    point(dns_server, held)
    client.post(f"/panel/globex/domains/{claim.id}/check")
    assert not rows(globex.id)[0].is_verified and rows(acme.id)[0].is_verified

    point(dns_server, claim)
    page = client.post(f"/panel/globex/domains/{claim.id}/check", follow_redirects=True)
    assert "Verified" in page.get_data(as_text=True)
    (theirs,), (ours,) = rows(acme.id), rows(globex.id)
    assert ours.is_verified
    assert not theirs.is_verified and not theirs.is_primary
    assert theirs.last_check_result == MOVED_AWAY
    assert domains.is_verified_host("shop.shared.test")


def test_cli_verified_add_moves_a_domain(two_partners):
    acme, globex = two_partners["acme"], two_partners["globex"]
    domains.add_domain(acme, "shop.shared.test", verified=True)
    domains.add_domain(globex, "shop.shared.test", verified=True)
    db.session.commit()
    assert [d.is_verified for d in rows(acme.id)] == [False]
    assert [d.is_verified for d in rows(globex.id)] == [True]


def test_cli_add_domain(app, two_partners):
    result = app.test_cli_runner().invoke(args=["add-domain", "acme", "Shop.Acme.test."])
    assert result.exit_code == 0, result.output
    assert "pending; TXT _storefront.shop.acme.test" in result.output
    result = app.test_cli_runner().invoke(args=["add-domain", "acme", "10.0.0.1"])
    assert result.exit_code != 0 and "not an IP address" in result.output


# --- primary and removal --------------------------------------------------------------------


def test_only_a_verified_domain_can_be_primary(acme_panel, two_partners):
    pending = add(two_partners["acme"], "pending.acme.test")
    page = acme_panel.post(f"/panel/acme/domains/{pending.id}/primary")
    assert page.status_code == 400
    assert "is not verified yet" in page.get_data(as_text=True)
    assert not rows()[0].is_primary


def test_primary_moves_and_falls_back_to_raw_host(acme_panel, two_partners):
    acme = two_partners["acme"]
    first = domains.add_domain(acme, "one.acme.test", verified=True)
    second = domains.add_domain(acme, "two.acme.test", verified=True)
    db.session.commit()
    assert acme_panel.post(f"/panel/acme/domains/{first.id}/primary").status_code == 302
    assert [d.is_primary for d in rows()] == [True, False]
    assert acme_panel.post(f"/panel/acme/domains/{second.id}/primary").status_code == 302
    assert [d.is_primary for d in rows()] == [False, True]
    assert acme_panel.post("/panel/acme/domains/raw/primary").status_code == 302
    assert [d.is_primary for d in rows()] == [False, False]

    acme_panel.post(f"/panel/acme/domains/{first.id}/primary")
    page = acme_panel.post(f"/panel/acme/domains/{first.id}/remove", follow_redirects=True)
    assert "Removed one.acme.test" in page.get_data(as_text=True)
    assert [(d.host, d.is_primary) for d in rows()] == [("two.acme.test", False)]


# --- the TLS ask endpoint -------------------------------------------------------------------


def test_tls_ask_allows_only_verified_domains(two_partners, client):
    domains.add_domain(two_partners["acme"], "shop.acme.test", verified=True)
    domains.add_domain(two_partners["acme"], "pending.acme.test")
    domains.add_domain(two_partners["globex"], "żółw.test", verified=True)
    db.session.commit()

    def ask(domain: str) -> int:
        url = "/.well-known/storefront/tls-allowed"
        return client.get(url, query_string={"domain": domain}).status_code

    assert ask("shop.acme.test") == 200
    assert ask("xn--w-uga1v8h.test") == 200
    for denied in ("pending.acme.test", "unknown.test", "localhost", "acme.localhost", "",
                   "1.2.3.4", "a@b", "shop.acme.test\r\nx", "x" * 400):
        assert ask(denied) == 404, denied
    # Only the exact name Caddy asks with: never one that becomes it after normalising.
    for other in ("SHOP.ACME.TEST.", "Shop.acme.test", "shop.acme.test.", "shop.acme.test..",
                  "shop.acme.test:443", "shop.acme.test:", " shop.acme.test",
                  "shop.acme.test ", "shop.acme.test\t", "żółw.test", "ŻÓŁW.test"):
        assert ask(other) == 404, other
    assert ask("shop.acme.test\x00") == 400  # the NUL guard answers first
    assert client.get("/.well-known/storefront/tls-allowed").status_code == 404


# --- serving: redirects to the primary host, pending domains, IDN, moves --------------------


def test_non_primary_hosts_redirect_to_the_primary_domain(acme_panel, two_partners, host_client):
    acme = two_partners["acme"]
    www = domains.add_domain(acme, "www.acme-shop.test", verified=True)
    domains.add_domain(acme, "acme-shop.test", verified=True)
    db.session.commit()
    assert acme_panel.post(f"/panel/acme/domains/{www.id}/primary").status_code == 302

    for host in ("acme.localhost", "acme-shop.test", "ACME-SHOP.TEST."):
        page = host_client(host).get("/contact?x=1")
        assert page.status_code == 301, host
        assert page.headers["Location"] == "http://www.acme-shop.test/contact?x=1"
    page = host_client("www.acme-shop.test").get("/")
    assert page.status_code == 200
    assert "Acme Hosting" in page.get_data(as_text=True)
    assert "Globex" not in page.get_data(as_text=True)

    # Back to the raw host: the custom domains now redirect there.
    assert acme_panel.post("/panel/acme/domains/raw/primary").status_code == 302
    page = host_client("www.acme-shop.test").get("/contact")
    assert page.status_code == 301
    assert page.headers["Location"] == "http://acme.localhost/contact"
    assert host_client("acme.localhost").get("/").status_code == 200


def test_removing_the_primary_domain_falls_back_to_the_raw_host(acme_panel, two_partners,
                                                                 host_client):
    www = domains.add_domain(two_partners["acme"], "www.acme-shop.test", verified=True)
    domains.set_primary(two_partners["acme"], www)
    db.session.commit()
    assert host_client("acme.localhost").get("/").status_code == 301
    acme_panel.post(f"/panel/acme/domains/{www.id}/remove")
    assert host_client("acme.localhost").get("/").status_code == 200
    assert host_client("www.acme-shop.test").get("/").status_code == 404


def test_pending_domain_is_a_neutral_404(two_partners, host_client):
    domains.add_domain(two_partners["acme"], "pending.acme-shop.test")
    db.session.commit()
    page = host_client("pending.acme-shop.test").get("/")
    assert page.status_code == 404
    body = page.get_data(as_text=True)
    assert "Acme" not in body and "Globex" not in body


def test_idn_domain_serves_in_unicode_and_punycode(two_partners, host_client):
    globex = two_partners["globex"]
    domains.set_primary(globex, domains.add_domain(globex, "Żółw-Sklep.test", verified=True))
    db.session.commit()
    for host in ("żółw-sklep.test", "ŻÓŁW-SKLEP.TEST.", "xn--w-sklep-k0a52e8r.test",
                 "xn--w-sklep-k0a52e8r.test:5000"):
        page = host_client(host).get("/")
        assert page.status_code == 200, host
        assert "Globex Domains" in page.get_data(as_text=True)


def test_moved_domain_serves_its_new_partner_at_once(two_partners, client, login, host_client,
                                                    dns_server):
    acme, globex = two_partners["acme"], two_partners["globex"]
    domains.set_primary(acme, domains.add_domain(acme, "shop.shared.test", verified=True))
    claim = domains.add_domain(globex, "shop.shared.test")
    db.session.commit()
    shop = host_client("shop.shared.test")
    assert "Acme Hosting" in shop.get("/").get_data(as_text=True)  # now in the host cache

    point(dns_server, claim)
    login(client, two_partners["globex_owner"])
    client.post(f"/panel/globex/domains/{claim.id}/check")

    page = shop.get("/")  # globex's now, and not (yet) its primary host
    assert page.status_code == 301
    assert page.headers["Location"] == "http://globex.localhost/"
    client.post(f"/panel/globex/domains/{claim.id}/primary")
    page = shop.get("/")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Globex Domains" in body and "Acme" not in body
    # Acme's storefront is back on its raw host, with no redirect to the lost domain.
    assert host_client("acme.localhost").get("/").status_code == 200
