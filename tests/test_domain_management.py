"""A domain's page in the subscriber's account (billing/domain_views.py): its nameservers, changed
at the registry first, and its transfer code, shown on a POST only. Never another subscriber's or
partner's domain, never one that is not active; the EPP backend sends the difference."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

import pytest
from sqlalchemy import select

from billing.models import Document, Service
from billing.nameservers import NameserversRefused, parse_nameservers
from storefront.db import db
from storefront.registrars import Registrant, RegistrarError, close_backends, get_backend
from storefront.registrars.models import SandboxRegistration
from tests.epp_server import CLIENT_ID, PASSWORD, EppServer, make_certificate
from tests.test_checkout import PASSWORD as ANN_PASSWORD
from tests.test_checkout import check_out, fresh, shop  # noqa: F401

ANN = Registrant(name="Ann Nowak", email="ann@example.com", city="Warszawa",
                 street="ul. Polna 2", postal_code="00-001")
TWO = "ns1.example.net\nns2.example.net"


@pytest.fixture
def ann_domain(shop) -> dict:  # noqa: F811
    """Ann's active free-ann-dns.pl, registered at the sandbox."""
    record = get_backend("sandbox").register("free-ann-dns.pl", 1, ANN)
    service = Service(partner_id=shop["acme"].id, subscriber_id=shop["ann"].id, kind="domain",
                      name="free-ann-dns.pl", backend="sandbox", status="active",
                      expires_at=record.expires_at, activated_at=datetime(2026, 12, 1))
    db.session.add(service)
    db.session.commit()
    return {**shop, "service": service, "url": f"/account/services/{service.id}/"}


def stored(service_id: int) -> tuple[str, str]:
    """(the service's nameservers, the sandbox registry's), as saved."""
    db.session.expire_all()
    service = db.session.get(Service, service_id)
    row = db.session.scalar(select(SandboxRegistration).where(
        SandboxRegistration.name == service.name))
    return service.nameservers, row.nameservers


def text(response) -> str:
    return response.get_data(as_text=True)


# -- nameservers ----------------------------------------------------------------------------------

def test_set_nameservers_at_the_sandbox_and_see_them_on_the_page(ann_domain):
    ann, url = ann_domain["client"], ann_domain["url"]
    services = text(ann.get("/account/services/"))
    assert f'href="{url}"' in services  # the services list links to the domain's page

    page = ann.get(url)
    assert page.status_code == 200
    assert "free-ann-dns.pl" in text(page) and "Active" in text(page)
    assert "Show transfer code" in text(page)

    saved = ann.post(url + "nameservers",
                     data={"nameservers": "NS1.Example.NET.\r\nns2.example.net, żółw.example.pl"})
    assert saved.status_code == 303 and saved.headers["Location"].endswith(url)
    hosts = "ns1.example.net ns2.example.net xn--w-uga1v8h.example.pl"
    assert stored(ann_domain["service"].id) == (hosts, hosts)

    again = text(ann.get(url))
    assert "nameservers of free-ann-dns.pl are changed" in again
    assert "ns1.example.net\nns2.example.net\nxn--w-uga1v8h.example.pl</textarea>" in again

    # Removing one: the registry holds exactly the new list.
    assert ann.post(url + "nameservers", data={"nameservers": TWO}).status_code == 303
    assert stored(ann_domain["service"].id) == ("ns1.example.net ns2.example.net",) * 2


@pytest.mark.parametrize("typed, message", [
    ("ns1.example.net", "Give from 2 to 13 nameservers; you gave 1."),
    ("\n".join(f"ns{i}.example.net" for i in range(14)),
     "Give from 2 to 13 nameservers; you gave 14."),
    ("ns1.example.net\nNS1.example.net.", "“NS1.example.net.” is given twice."),
    ("ns1..example.com\nns2.example.com", "“ns1..example.com” has an empty part between dots."),
    ("192.0.2.1\nns2.example.com", "“192.0.2.1” is an IP address"),
    ("2001:db8::1\nns2.example.com", "“2001:db8::1” is an IP address"),
    ("ns1.example.com\nns_2.example.com", "“ns_2.example.com” is not a valid host name"),
    ("ns١.example.com\nns2.example.com", "Type digits 0-9 in “ns١.example.com”."),
    ("ns1\nns2.example.com", "“ns1” needs a domain after the name"),
])
def test_bad_nameservers_answer_400_with_the_entry_named_and_change_nothing(
        ann_domain, typed, message):
    ann, url = ann_domain["client"], ann_domain["url"]
    assert ann.post(url + "nameservers", data={"nameservers": TWO}).status_code == 303
    rounds = get_backend("sandbox").round_trips

    response = ann.post(url + "nameservers", data={"nameservers": typed})

    assert response.status_code == 400
    assert message in text(response).replace("&#34;", '"').replace("&#39;", "'")
    assert 'class="error" role="alert"' in text(response)
    assert stored(ann_domain["service"].id) == ("ns1.example.net ns2.example.net",) * 2
    assert get_backend("sandbox").round_trips == rounds  # the registry was never asked


def test_a_nul_byte_is_refused_and_changes_nothing(ann_domain):
    ann, url = ann_domain["client"], ann_domain["url"]
    response = ann.post(url + "nameservers", data={"nameservers": "ns1.exa\x00mple.net\nns2.x.pl"})
    assert response.status_code == 400
    assert stored(ann_domain["service"].id) == ("", "")
    with pytest.raises(NameserversRefused):  # and the parser refuses it on its own too
        parse_nameservers("ns1.exa\x00mple.net\nns2.example.net")


def test_a_registry_refusal_shows_a_message_and_changes_nothing(ann_domain):
    ann, url = ann_domain["client"], ann_domain["url"]
    assert ann.post(url + "nameservers", data={"nameservers": TWO}).status_code == 303

    response = ann.post(url + "nameservers",
                        data={"nameservers": "ns1.refused.example\nns2.example.net"})

    assert response.status_code == 422
    assert "The registry did not accept these nameservers" in text(response)
    assert "ns1.refused.example" in text(response)  # the form keeps what was typed
    assert stored(ann_domain["service"].id) == ("ns1.example.net ns2.example.net",) * 2


def test_parse_nameservers_normalises():
    assert parse_nameservers(" NS1.Example.COM. ;ns2.example.com ") == [
        "ns1.example.com", "ns2.example.com"]
    with pytest.raises(NameserversRefused) as refused:
        parse_nameservers("1.2.3.4 ns..x.pl ns3.example.com")
    assert len(refused.value.messages) == 2  # each bad entry named


# -- the transfer code ----------------------------------------------------------------------------

def test_the_transfer_code_shows_on_a_post_only_and_is_never_kept(ann_domain):
    ann, url = ann_domain["client"], ann_domain["url"]
    code = db.session.scalar(select(SandboxRegistration.auth_code).where(
        SandboxRegistration.name == "free-ann-dns.pl"))

    page = ann.get(url)
    assert code not in text(page) and page.headers["Cache-Control"] == "private, no-store"
    assert ann.get(url + "auth-code").status_code == 405  # never in a GET URL

    shown = ann.post(url + "auth-code")
    assert shown.status_code == 200
    assert re.search(r'<code id="auth-code">([^<]+)</code>', text(shown)).group(1) == code
    assert "no-store" in shown.headers["Cache-Control"]
    db.session.expire_all()
    service = db.session.get(Service, ann_domain["service"].id)
    assert code not in (service.transfer_code, service.nameservers, service.last_error)


# -- whose domain ---------------------------------------------------------------------------------

def test_another_subscribers_or_partners_domain_is_404(ann_domain, host_client):
    url = ann_domain["url"]
    eve = host_client("acme.localhost")
    eve.post("/account/register", data={"name": "Eve", "email": "eve@example.com",
                                        "password": ANN_PASSWORD})
    assert eve.get("/account/services/").status_code == 200  # Eve is logged in
    at_globex = host_client("globex.localhost")
    at_globex.post("/account/register", data={"name": "Gus", "email": "gus@example.com",
                                              "password": ANN_PASSWORD})
    assert at_globex.get("/account/services/").status_code == 200
    for other in (eve, at_globex):
        assert other.get(url).status_code == 404
        assert other.post(url + "nameservers", data={"nameservers": TWO}).status_code == 404
        assert other.post(url + "auth-code").status_code == 404
    assert stored(ann_domain["service"].id) == ("", "")
    # A visitor is sent to log in; the platform host has no such page.
    visitor = host_client("acme.localhost")
    assert visitor.get(url).status_code == 302
    assert host_client("localhost").get(url).status_code == 404


def test_a_pending_unpaid_domain_has_no_page(shop):  # noqa: F811
    ann = shop["client"]
    check_out(ann, ("free-ann-unpaid.pl", 1))
    [proforma] = fresh(Document, kind="proforma")
    [service] = fresh(Service)
    assert service.status == "pending" and proforma.status == "unpaid"
    url = f"/account/services/{service.id}/"
    assert ann.get(url).status_code == 404
    assert ann.post(url + "nameservers", data={"nameservers": TWO}).status_code == 404
    assert ann.post(url + "auth-code").status_code == 404
    assert f'href="{url}"' not in text(ann.get("/account/services/"))


# -- EPP ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple:
    return make_certificate(tmp_path_factory.mktemp("epp-tls"))


@pytest.fixture
def registry(app, certificate) -> Iterator[EppServer]:
    """A fake EPP registry as the backend "registry"; logs out afterwards."""
    with EppServer(*certificate) as server:
        close_backends(app)
        app.config["REGISTRAR_BACKENDS"] = {"registry": {
            "kind": "epp", "host": server.host, "port": server.port, "client_id": CLIENT_ID,
            "password": PASSWORD, "ca_file": str(certificate[0]), "timeout": 2},
            "sandbox": {"kind": "sandbox"}}
        yield server
        close_backends(app)


def test_epp_sets_nameservers_adding_and_removing_the_difference(registry):
    backend = get_backend("registry")
    backend.register("free-ns-epp.pl", 1, ANN)
    assert backend.info("free-ns-epp.pl").nameservers == ()

    first = backend.set_nameservers("free-ns-epp.pl", ["ns1.example.net", "ns2.example.net"])
    second = backend.set_nameservers("free-ns-epp.pl", ["ns2.example.net", "ns3.example.net"])
    unchanged = backend.set_nameservers("free-ns-epp.pl", ["ns3.example.net", "ns2.example.net"])

    assert first.nameservers == ("ns1.example.net", "ns2.example.net")
    assert second.nameservers == ("ns2.example.net", "ns3.example.net")
    assert set(unchanged.nameservers) == {"ns2.example.net", "ns3.example.net"}
    assert registry.updates == [
        ("free-ns-epp.pl", ["ns1.example.net", "ns2.example.net"], []),
        ("free-ns-epp.pl", ["ns3.example.net"], ["ns1.example.net"]),
    ]  # the third changed nothing, so no update went out
    assert registry.hosts == {"ns1.example.net", "ns2.example.net", "ns3.example.net"}
    assert backend.info("free-ns-epp.pl").nameservers == ("ns2.example.net", "ns3.example.net")
    with pytest.raises(RegistrarError):  # a host inside the domain needs glue
        backend.set_nameservers("free-ns-epp.pl", ["ns1.free-ns-epp.pl", "ns2.example.net"])


def test_a_subscriber_changes_nameservers_and_sees_the_code_at_an_epp_registry(
        registry, ann_domain):
    ann = ann_domain["client"]
    get_backend("registry").register("free-ann-epp.pl", 1, ANN)
    service = Service(partner_id=ann_domain["acme"].id, subscriber_id=ann_domain["ann"].id,
                      kind="domain", name="free-ann-epp.pl", backend="registry", status="active",
                      expires_at=datetime(2027, 12, 1))
    db.session.add(service)
    db.session.commit()
    url = f"/account/services/{service.id}/"

    assert ann.post(url + "nameservers", data={"nameservers": TWO}).status_code == 303
    assert "ns1.example.net\nns2.example.net</textarea>" in text(ann.get(url))
    db.session.expire_all()
    assert db.session.get(Service, service.id).nameservers == "ns1.example.net ns2.example.net"
    assert registry.domains["free-ann-epp.pl"]["ns"] == ["ns1.example.net", "ns2.example.net"]
    shown = text(ann.post(url + "auth-code"))
    assert f'<code id="auth-code">{registry.domains["free-ann-epp.pl"]["auth"]}</code>' in shown

    registry.stop()  # the registry goes away: a clear message, nothing changed
    close_backends(ann_domain["client"].application)
    response = ann.post(url + "nameservers", data={"nameservers": "ns3.example.net\nns4.x.pl"})
    assert response.status_code == 503 and "could not be reached" in text(response)
    db.session.expire_all()
    assert db.session.get(Service, service.id).nameservers == "ns1.example.net ns2.example.net"
