"""Subscriber accounts: per partner, verified by e-mail, reset by a single-use link built from the
partner's own host, and a login at one partner means nothing at another."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from storefront.db import db
from storefront.models import OutboxMessage, Subscriber
from storefront.services import subscribers

PASSWORD = "a long password"


@pytest.fixture
def shops(two_partners, host_client):
    return {"acme": host_client("acme.localhost"), "globex": host_client("globex.localhost")}


def sign_up(client, email="ann@example.com", password=PASSWORD, name="Ann"):
    return client.post("/account/register",
                       data={"name": name, "email": email, "password": password})


def last_mail(to: str) -> OutboxMessage:
    return db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.to_email == to).order_by(OutboxMessage.id.desc())
    ).first()


def link_in(message: OutboxMessage) -> str:
    return re.search(r"https?://\S+", message.body).group(0)


def test_sign_up_logs_in_and_sends_a_verification_link_from_the_partner_host(shops):
    response = sign_up(shops["acme"])
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    panel = shops["acme"].get("/account/", follow_redirects=True)
    assert "Hello, Ann" in panel.get_data(as_text=True)
    link = link_in(last_mail("ann@example.com"))
    assert link.startswith("http://acme.localhost/account/verify/")
    path = link.removeprefix("http://acme.localhost")
    assert "is confirmed" in shops["acme"].get(path).get_data(as_text=True)
    assert db.session.scalar(select(Subscriber)).is_verified
    # The link is single-use.
    assert shops["acme"].get(path).status_code == 404


@pytest.mark.parametrize("peer, forwarded_host", [
    ("203.0.113.9", "evil.test"),  # not a proxy: the header is dropped
    # From the trusted proxy: the client's forged value comes first, the proxy's own last.
    ("127.0.0.1", "evil.test, acme.localhost"),
])
def test_links_ignore_a_forged_host_header(shops, peer, forwarded_host):
    sign_up(shops["acme"], email="bob@example.com")
    sent = shops["acme"].post("/account/reset", data={"email": "bob@example.com"},
                              headers={"Host": "acme.localhost",
                                       "X-Forwarded-Host": forwarded_host},
                              environ_base={"REMOTE_ADDR": peer})
    assert sent.status_code == 200
    mail = last_mail("bob@example.com")
    assert "reset" in mail.subject.lower() and "evil.test" not in mail.body
    assert link_in(mail).startswith("http://acme.localhost/account/reset/")


def test_same_email_at_two_partners_is_two_accounts(shops):
    assert sign_up(shops["acme"], password="acme password 1").status_code == 302
    assert sign_up(shops["globex"], password="globex password").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Subscriber)) == 2
    shops["acme"].post("/account/logout")
    wrong = shops["acme"].post("/account/login",
                               data={"email": "ann@example.com", "password": "globex password"})
    assert wrong.status_code == 400 and "Wrong e-mail or password" in wrong.get_data(as_text=True)


def test_a_session_at_one_partner_is_refused_at_the_other(shops, app):
    sign_up(shops["acme"])
    cookie = shops["acme"].get_cookie("session", domain="acme.localhost")
    thief = app.test_client()
    thief.set_cookie("session", cookie.value, domain="globex.localhost")
    response = thief.get("/account/", headers={"Host": "globex.localhost"})
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    # Nor is it a staff session on the platform host.
    thief.set_cookie("session", cookie.value, domain="localhost")
    assert thief.get("/panel/", headers={"Host": "localhost"}).status_code == 302


@pytest.mark.parametrize("data, message", [
    ({"name": "", "email": "a@example.com", "password": PASSWORD}, "Tell us your name"),
    ({"name": "A", "email": "not-an-email", "password": PASSWORD}, "not valid"),
    ({"name": "A", "email": "a@example.com", "password": "short"}, "at least 10"),
])
def test_bad_sign_up_is_refused_and_nothing_changes(shops, data, message):
    response = shops["acme"].post("/account/register", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Subscriber)) == 0


def test_duplicate_sign_up_is_refused(shops):
    sign_up(shops["acme"])
    shops["acme"].post("/account/logout")
    again = sign_up(shops["acme"])
    assert again.status_code == 400 and "already an account" in again.get_data(as_text=True)


def test_password_reset_is_single_use_and_says_nothing_about_unknown_emails(shops):
    sign_up(shops["acme"])
    shops["acme"].post("/account/logout")
    unknown = shops["acme"].post("/account/reset", data={"email": "nobody@example.com"})
    assert "Check your e-mail" in unknown.get_data(as_text=True)
    assert last_mail("nobody@example.com") is None
    shops["acme"].post("/account/reset", data={"email": "ann@example.com"})
    path = link_in(last_mail("ann@example.com")).removeprefix("http://acme.localhost")
    short = shops["acme"].post(path, data={"password": "short"})
    assert short.status_code == 400 and "at least 10" in short.get_data(as_text=True)
    done = shops["acme"].post(path, data={"password": "a brand new password"})
    assert done.status_code == 302
    assert shops["acme"].post(path, data={"password": "another new password"}).status_code == 404
    shops["acme"].post("/account/logout")
    login = shops["acme"].post(
        "/account/login", data={"email": "ann@example.com", "password": "a brand new password"})
    assert login.status_code == 302
    # The reset link of acme does nothing at globex.
    assert shops["globex"].get(path).status_code == 404


def test_handoff_token_is_single_use_and_bound_to_its_partner(shops, app, two_partners):
    partner = two_partners["acme"]
    subscriber = subscribers.register(partner, "cy@example.com", PASSWORD, "Cy")
    token = subscribers.issue_token(subscriber, "handoff")
    db.session.commit()
    other = shops["globex"].get(f"/account/handoff?token={token}")
    assert "/account/login" in other.headers["Location"]
    # A token in a link asks for a click (storefront/account/handoff.py; tests/test_sessions.py).
    asked = shops["acme"].get(f"/account/handoff?token={token}&next=/account/")
    assert asked.status_code == 200 and "Continue as Cy" in asked.text
    first = shops["acme"].post("/account/handoff", data={"token": token, "next": "/account/"})
    assert first.headers["Location"] == "/account/"
    assert "Hello, Cy" in shops["acme"].get("/account/").get_data(as_text=True)
    fresh = app.test_client()
    again = fresh.get(f"/account/handoff?token={token}", headers={"Host": "acme.localhost"})
    assert "/account/login" in again.headers["Location"]
    again = fresh.post("/account/handoff", data={"token": token},
                       headers={"Host": "acme.localhost"})
    assert "/account/login" in again.headers["Location"]


def test_handoff_next_never_leaves_the_host(shops, two_partners):
    subscriber = subscribers.register(two_partners["acme"], "di@example.com", PASSWORD, "Di")
    token = subscribers.issue_token(subscriber, "handoff")
    db.session.commit()
    asked = shops["acme"].get(f"/account/handoff?token={token}&next=//evil.test/x")
    assert 'name="next" value="/account/"' in asked.text
    response = shops["acme"].post("/account/handoff",
                                  data={"token": token, "next": "//evil.test/x"})
    assert response.headers["Location"] == "/account/"


def test_account_pages_are_themed_per_partner_and_never_framed(shops):
    acme = shops["acme"].get("/account/login")
    globex = shops["globex"].get("/account/login")
    assert "Acme Hosting" in acme.get_data(as_text=True)
    assert "Acme Hosting" not in globex.get_data(as_text=True)
    assert "frame-ancestors 'none'" in acme.headers["Content-Security-Policy"]


def test_account_pages_do_not_exist_on_the_platform_host(client):
    assert client.get("/account/login").status_code == 404
