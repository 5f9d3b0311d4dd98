"""The platform admin at /admin: who may enter, partners, applications and the outbox."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from storefront.db import db
from storefront.models import Invitation, OutboxMessage, Partner, ResellerApplication
from storefront.services import applications, partners

ADMIN_PAGES = [
    "/admin/",
    "/admin/partners",
    "/admin/partners?q=acme&page=2",
    "/admin/partners/new",
    "/admin/partners/acme",
    "/admin/applications",
    "/admin/applications?status=rejected",
    "/admin/outbox",
    "/admin/balances",
]
ADMIN_POSTS = ["/admin/partners/acme/suspend", "/admin/partners/acme/reactivate",
               "/admin/partners/new", "/admin/partners/acme/balance"]


@pytest.fixture
def admin(client, make_user, login):
    login(client, make_user("root@platform.example", admin=True))
    return client


def body(response) -> str:
    return response.get_data(as_text=True)


def outbox_to(email: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_email == email)))


# --- who may enter ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_anonymous_visitors_are_sent_to_login(client, two_partners, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_partner_staff_get_403(client, two_partners, login, path):
    login(client, two_partners["acme_owner"])
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", ADMIN_POSTS)
def test_partner_staff_cannot_post_either(client, two_partners, login, path):
    login(client, two_partners["acme_owner"])
    data = {"slug": "evil", "name": "Evil", "owner_email": "e@evil.example"}
    assert client.post(path, data=data).status_code == 403
    assert partners.get_by_slug("evil") is None
    assert partners.get_by_slug("acme").status == "active"


def test_admin_is_not_served_on_partner_hosts(two_partners, host_client, make_user, login):
    site = host_client("acme.localhost")
    assert site.get("/admin/").status_code == 404


def test_admin_login_lands_on_the_dashboard(client, make_user):
    from tests.conftest import PASSWORD

    make_user("root@platform.example", admin=True)
    response = client.post("/login", data={"email": "root@platform.example", "password": PASSWORD})
    assert response.headers["Location"] == "/admin/"


@pytest.mark.parametrize("target", ["//evil.test/x", "/\\evil.test/x", "https://evil.test/",
                                    "panel"])
def test_login_never_redirects_to_another_host(client, make_user, target):
    from tests.conftest import PASSWORD

    make_user("root@platform.example", admin=True)
    data = {"email": "root@platform.example", "password": PASSWORD}
    response = client.post("/login", query_string={"next": target}, data=data)
    assert response.headers["Location"] == "/admin/"
    kept = client.post("/login", query_string={"next": "/admin/tlds"}, data=data)
    assert kept.headers["Location"] == "/admin/tlds"


# --- dashboard --------------------------------------------------------------------------------


def test_dashboard_counts(admin, two_partners, make_partner):
    make_partner("initech", "Initech", status="suspended")
    applications.submit({"company_name": "A", "contact_name": "B", "email": "a@a.example",
                         "desired_slug": "newco"})
    db.session.commit()
    page = body(admin.get("/admin/"))
    assert re.search(r"Active partners</dt><dd><a [^>]*>2<", page)
    assert re.search(r"Suspended partners</dt><dd>1<", page)
    assert re.search(r"New applications</dt><dd><a [^>]*>1<", page)


# --- partners ---------------------------------------------------------------------------------


def test_partner_list_searches_by_slug_and_name(admin, two_partners):
    page = body(admin.get("/admin/partners?q=glob"))
    assert "Globex Domains" in page and "Acme Hosting" not in page
    page = body(admin.get("/admin/partners?q=HOSTING"))
    assert "Acme Hosting" in page and "Globex" not in page
    page = body(admin.get("/admin/partners?q=%25"))  # a LIKE wildcard is taken literally
    assert "No partner matches" in page


def test_partner_list_is_paginated(admin):
    db.session.add_all(Partner(slug=f"p{n:03d}", name=f"Partner {n:03d}") for n in range(120))
    db.session.commit()
    first = body(admin.get("/admin/partners"))
    assert first.count("/admin/partners/p") == 50
    assert "Page 1 of 3 (120 in all)" in first
    third = body(admin.get("/admin/partners?page=3"))
    assert third.count("/admin/partners/p") == 20
    assert 'rel="prev"' in third and 'rel="next"' not in third
    # The search survives paging; nonsense page numbers fall back to the first page.
    searched = body(admin.get("/admin/partners?q=partner&page=2"))
    assert "q=partner" in searched and "Page 2 of 3" in searched
    assert admin.get("/admin/partners?page=abc").status_code == 200


def test_create_partner_invites_the_owner(admin):
    response = admin.post(
        "/admin/partners/new",
        data={"slug": "initech", "name": "Initech Web", "owner_email": "Boss@Initech.example"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/partners/initech"
    partner = partners.get_by_slug("initech")
    assert partner.name == "Initech Web"
    (mail,) = outbox_to("boss@initech.example")
    assert "http://localhost/invite/" in mail.body
    detail = body(admin.get("/admin/partners/initech"))
    assert "boss@initech.example as owner" in detail  # the open invitation


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"slug": "acme"}, "already taken"),
        ({"slug": "Bad Slug"}, "lower-case letters"),
        ({"slug": "admin"}, "reserved"),
        ({"slug": ""}, "Choose the partner"),
        ({"name": ""}, "Give the partner a name"),
        ({"owner_email": "nope"}, "not valid"),
    ],
)
def test_create_partner_refuses_bad_input(admin, two_partners, data, message):
    good = {"slug": "initech", "name": "Initech", "owner_email": "boss@initech.example"}
    response = admin.post("/admin/partners/new", data={**good, **data})
    assert response.status_code == 400
    assert message in body(response)
    assert db.session.scalar(select(func.count()).select_from(Partner)) == 2
    assert outbox_to("boss@initech.example") == []


def test_partner_detail_shows_domains_team_status_and_links(admin, two_partners):
    from storefront.services import domains

    domains.add_domain(two_partners["acme"], "shop.acme.example", verified=True)
    db.session.commit()
    page = body(admin.get("/admin/partners/acme"))
    assert "shop.acme.example" in page
    assert "owner@acme.example.com" in page
    assert "owner@globex.example.com" not in page
    assert 'href="http://acme.localhost/"' in page
    assert 'href="/panel/acme/"' in page
    assert ">active<" in page
    assert admin.get("/admin/partners/nobody").status_code == 404


def test_suspend_and_reactivate_take_the_storefront_down_and_up(admin, two_partners, host_client):
    site = host_client("acme.localhost")
    assert site.get("/").status_code == 200
    assert admin.get("/admin/partners/acme/suspend").status_code == 405  # POST only

    response = admin.post("/admin/partners/acme/suspend", follow_redirects=True)
    assert "Suspended Acme Hosting" in body(response)
    assert ">suspended<" in body(response)
    down = site.get("/")
    assert down.status_code == 503
    assert "temporarily unavailable" in body(down)
    assert "Acme" not in body(down) and "acme" not in body(down)
    assert site.get("/contact").status_code == 503
    assert host_client("globex.localhost").get("/").status_code == 200

    admin.post("/admin/partners/acme/reactivate")
    assert site.get("/").status_code == 200
    assert "Acme Hosting" in body(site.get("/"))


def test_staff_of_a_suspended_partner_can_still_use_the_panel(
    client, two_partners, login, host_client
):
    partners.suspend(two_partners["acme"])
    db.session.commit()
    login(client, two_partners["acme_owner"])
    assert client.get("/panel/acme/").status_code == 200
    assert host_client("acme.localhost").get("/").status_code == 503


# --- applications -----------------------------------------------------------------------------


@pytest.fixture
def application():
    def make(slug: str = "initech", email: str = "peter@initech.example") -> ResellerApplication:
        sent = applications.submit({
            "company_name": f"{slug.title()} Web", "contact_name": "Peter", "email": email,
            "desired_slug": slug, "website": "https://initech.example",
            "message": "Hi <b>there</b>",
        })
        db.session.commit()
        return sent

    return make


def test_applications_list_filters_by_status(admin, application):
    _, second, third = application("alpha"), application("beta"), application("gamma")
    applications.reject(second)
    applications.approve(third)
    db.session.commit()
    new = body(admin.get("/admin/applications"))
    assert "Alpha Web" in new and "Beta Web" not in new and "Gamma Web" not in new
    rejected = body(admin.get("/admin/applications?status=rejected"))
    assert "Beta Web" in rejected and "Alpha Web" not in rejected
    approved = body(admin.get("/admin/applications?status=approved"))
    assert "Gamma Web" in approved and "Alpha Web" not in approved
    assert "Alpha Web" in body(admin.get("/admin/applications?status=bogus"))


def test_application_detail_shows_the_message_escaped(admin, application):
    sent = application()
    page = body(admin.get(f"/admin/applications/{sent.id}"))
    assert "Hi &lt;b&gt;there&lt;/b&gt;" in page
    assert "peter@initech.example" in page
    assert admin.get("/admin/applications/999999").status_code == 404


def test_approving_creates_the_partner_and_emails_an_invitation(admin, application, host_client):
    sent = application()
    response = admin.post(f"/admin/applications/{sent.id}/approve", data={"slug": "initech"})
    assert response.status_code == 302
    partner = partners.get_by_slug("initech")
    assert partner.name == "Initech Web"
    db.session.refresh(sent)
    assert sent.status == "approved" and sent.partner_id == partner.id
    (mail,) = outbox_to("peter@initech.example")
    link = re.search(r"http://localhost(/invite/\S+)", mail.body).group(1)

    # The applicant follows the link in their own browser, sets a password, lands in the panel.
    client = host_client("localhost")
    response = client.post(link, data={"name": "Peter", "password": "a long password"})
    assert response.status_code == 302
    panel = client.get(response.headers["Location"], follow_redirects=True)
    assert panel.status_code == 200
    assert "Initech Web" in body(panel)
    # Approving again changes nothing.
    again = admin.post(f"/admin/applications/{sent.id}/approve", data={"slug": "initech2"})
    assert again.status_code == 400
    assert "already been decided" in body(again)
    assert partners.get_by_slug("initech2") is None


def test_approving_under_another_slug_when_the_requested_one_was_taken(
    admin, application, make_partner
):
    sent = application()
    make_partner("initech", "Someone Else")
    refused = admin.post(f"/admin/applications/{sent.id}/approve", data={"slug": ""})
    assert refused.status_code == 400
    assert "already taken" in body(refused)
    db.session.refresh(sent)
    assert sent.status == "new"
    assert outbox_to("peter@initech.example") == []
    admin.post(f"/admin/applications/{sent.id}/approve", data={"slug": "initech-web"})
    assert partners.get_by_slug("initech-web").name == "Initech Web"


def test_rejecting_tells_the_applicant_and_creates_nothing(admin, application):
    sent = application()
    response = admin.post(f"/admin/applications/{sent.id}/reject", follow_redirects=True)
    assert "Rejected the application" in body(response)
    db.session.refresh(sent)
    assert sent.status == "rejected"
    assert partners.get_by_slug("initech") is None
    (mail,) = outbox_to("peter@initech.example")
    assert "unable to accept" in mail.body
    # A decided application offers no buttons and refuses another decision.
    assert "Approve" not in body(admin.get(f"/admin/applications/{sent.id}"))
    admin.post(f"/admin/applications/{sent.id}/approve", data={})
    assert partners.get_by_slug("initech") is None


def test_staff_cannot_decide_applications(client, two_partners, login, application):
    sent = application()
    login(client, two_partners["acme_owner"])
    assert client.post(f"/admin/applications/{sent.id}/approve").status_code == 403
    assert client.post(f"/admin/applications/{sent.id}/reject").status_code == 403
    db.session.refresh(sent)
    assert sent.status == "new"


# --- outbox -----------------------------------------------------------------------------------


def test_outbox_lists_and_shows_messages(admin, two_partners):
    partners.invite(two_partners["acme"], "editor@acme.example.com", "editor")
    db.session.commit()
    listing = body(admin.get("/admin/outbox"))
    assert "editor@acme.example.com" in listing
    message = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.to_email == "editor@acme.example.com")
    )
    page = body(admin.get(f"/admin/outbox/{message.id}"))
    assert "You are invited to run Acme Hosting" in page
    assert "/invite/" in page
    assert admin.get("/admin/outbox/999999").status_code == 404


# --- invitations ------------------------------------------------------------------------------


def test_invitation_is_single_use_and_expires(client, two_partners):
    from datetime import timedelta

    from storefront.db import utcnow

    link = partners.invite(two_partners["acme"], "new@acme.example.com", "editor")
    db.session.commit()
    path = link.removeprefix("http://localhost")
    assert client.get(path).status_code == 200
    short = client.post(path, data={"name": "New", "password": "short"})
    assert short.status_code == 400
    assert client.post(path, data={"name": "New", "password": "a long password"}).status_code == 302
    assert client.get(path).status_code == 404

    link = partners.invite(two_partners["acme"], "late@acme.example.com", "editor")
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.email == "late@acme.example.com")
    )
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert client.get(link.removeprefix("http://localhost")).status_code == 404


def test_invitation_link_is_built_from_configuration_not_the_request(admin, app):
    app.config.update(PUBLIC_SCHEME="https", PUBLIC_PORT="8443")
    admin.post(
        "/admin/partners/new",
        data={"slug": "initech", "name": "Initech", "owner_email": "x@initech.example"},
        headers={"Host": "LOCALHOST:5000"},
    )
    (mail,) = outbox_to("x@initech.example")
    assert "https://localhost:8443/invite/" in mail.body
    assert ":5000" not in mail.body
