"""The public reseller application form on the platform home page, and the rate limits on it
and on the staff login."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from storefront.db import db
from storefront.models import ResellerApplication

GOOD = {
    "company_name": "Initech Web",
    "contact_name": "Peter Gibbons",
    "email": "Peter@Initech.example.com",
    "desired_slug": "initech",
    "website": "https://initech.example.com",
    "message": "We host 300 small businesses.",
}


def stored() -> int:
    return db.session.scalar(select(func.count()).select_from(ResellerApplication))


def test_good_application_is_stored_and_thanked(client):
    page = client.post("/", data=GOOD)
    assert page.status_code == 200
    assert "Thank you" in page.get_data(as_text=True)
    assert "peter@initech.example.com" in page.get_data(as_text=True)
    application = db.session.scalar(select(ResellerApplication))
    assert application.status == "new"
    assert application.desired_slug == "initech"
    assert application.email == "peter@initech.example.com"


def test_slug_is_lower_cased_and_trimmed(client):
    client.post("/", data={**GOOD, "desired_slug": "  InItech "})
    assert db.session.scalar(select(ResellerApplication.desired_slug)) == "initech"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"company_name": ""}, "Please give your company"),
        ({"contact_name": "   "}, "Please give your name"),
        ({"email": ""}, "Please give an e-mail address"),
        ({"email": "not-an-address"}, "not valid"),
        ({"email": "a@b"}, "not valid"),
        ({"desired_slug": ""}, "Choose an address"),
        ({"desired_slug": "Bad Slug!"}, "lower-case letters"),
        ({"desired_slug": "-acme"}, "lower-case letters"),
        ({"desired_slug": "ac--me"}, "lower-case letters"),
        ({"desired_slug": "a" * 64}, "63"),
        ({"desired_slug": "admin"}, "reserved"),
        ({"desired_slug": "www"}, "reserved"),
        ({"website": "ftp://initech.example.com"}, "http:// or https://"),
        ({"website": "javascript:alert(1)"}, "http:// or https://"),
        ({"website": "initech"}, "http:// or https://"),
        ({"message": "x" * 10_240}, "under 4000 characters"),
    ],
)
def test_bad_application_is_refused_with_a_clear_message(client, change, message):
    page = client.post("/", data={**GOOD, **change})
    assert page.status_code == 400
    body = page.get_data(as_text=True)
    assert message in body
    assert "Apply to become a reseller" in body  # the form is shown again
    assert stored() == 0


def test_form_keeps_what_the_visitor_typed(client):
    page = client.post("/", data={**GOOD, "email": "nope"})
    assert 'value="Initech Web"' in page.get_data(as_text=True)


def test_slug_of_an_existing_partner_is_taken(client, two_partners):
    page = client.post("/", data={**GOOD, "desired_slug": "acme"})
    assert page.status_code == 400
    assert "already taken" in page.get_data(as_text=True)
    assert stored() == 0


def test_slug_already_requested_by_a_pending_application_is_refused(client):
    assert client.post("/", data=GOOD).status_code == 200
    page = client.post("/", data={**GOOD, "company_name": "Other", "email": "x@other.example"})
    assert page.status_code == 400
    assert "already requested by another application" in page.get_data(as_text=True)
    assert stored() == 1


def test_slug_of_a_rejected_application_can_be_requested_again(client):
    client.post("/", data=GOOD)
    db.session.scalar(select(ResellerApplication)).status = "rejected"
    db.session.commit()
    assert client.post("/", data=GOOD).status_code == 200
    assert stored() == 2


def test_form_is_only_on_the_platform_host(client, two_partners, host_client):
    page = host_client("acme.localhost").get("/")
    assert "Apply to become a reseller" not in page.get_data(as_text=True)
    host_client("acme.localhost").post("/", data=GOOD)
    assert stored() == 0


def test_form_has_a_csrf_token_when_csrf_is_on(extra_app):
    app = extra_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    page = client.get("/", headers={"Host": "localhost"})
    assert 'name="csrf_token"' in page.get_data(as_text=True)
    refused = client.post("/", data=GOOD, headers={"Host": "localhost"})
    assert refused.status_code == 400
    with app.app_context():
        assert stored() == 0


# --- rate limits ------------------------------------------------------------------------------


@pytest.fixture
def limited_client(extra_app):
    """A client of an app with rate limits on, as in production."""
    app = extra_app(RATELIMIT_ENABLED=True)
    return app.test_client()


def test_limits_are_off_in_tests_by_default(client):
    for _ in range(12):
        assert client.post("/", data={**GOOD, "email": "bad"}).status_code == 400
        wrong = {"email": "x@y.example", "password": "no"}
        assert client.post("/login", data=wrong).status_code == 400


def test_application_form_allows_ten_posts_a_minute_per_ip(limited_client):
    host = {"Host": "localhost"}
    bad = {**GOOD, "email": "bad"}
    for _ in range(10):
        assert limited_client.post("/", data=bad, headers=host).status_code == 400
    refused = limited_client.post("/", data=GOOD, headers=host)
    assert refused.status_code == 429
    assert "Too many requests" in refused.get_data(as_text=True)
    # Reading the page is not limited, and another client is not affected.
    assert limited_client.get("/", headers=host).status_code == 200
    other = limited_client.post(
        "/", data=GOOD, headers=host, environ_base={"REMOTE_ADDR": "192.0.2.7"}
    )
    assert other.status_code == 200


def test_login_allows_ten_posts_a_minute_per_ip(limited_client, make_user):
    from tests.conftest import PASSWORD

    user = make_user("staff@example.com")
    host = {"Host": "localhost"}
    for _ in range(10):
        wrong = {"email": user.email, "password": "wrong password"}
        assert limited_client.post("/login", data=wrong, headers=host).status_code == 400
    right = {"email": user.email, "password": PASSWORD}
    assert limited_client.post("/login", data=right, headers=host).status_code == 429
    assert limited_client.get("/login", headers=host).status_code == 200
