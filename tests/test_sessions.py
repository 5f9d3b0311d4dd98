"""Sessions, invitations and tokens, tried as an attacker would: a forwarded invitation, someone
else's hand-off token, a cookie copied before logout, a session opened before a reset, an old
reset link, another partner's token, and a staff login that times out who has an account."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from conftest import PASSWORD as STAFF_PASSWORD
from sqlalchemy import select

from storefront.db import db, utcnow
from storefront.models import Membership, OutboxMessage, StaffToken, User
from storefront.services import partners, subscribers

PASSWORD = "a long password"
PARTNER_SITE = "https://www.acme-shop.example"


# -- helpers -------------------------------------------------------------------------------------


def last_mail(to: str) -> OutboxMessage | None:
    db.session.expire_all()
    return db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.to_email == to).order_by(OutboxMessage.id.desc())
    ).first()


def link_path(message: OutboxMessage, host: str) -> str:
    link = re.search(r"https?://\S+", message.body).group(0)
    assert link.startswith(f"http://{host}/"), link
    return link.removeprefix(f"http://{host}")


def copy_session(source, target, domain: str) -> None:
    """What a thief does with a cookie read off a shared computer or a log."""
    target.set_cookie("session", source.get_cookie("session", domain=domain).value, domain=domain)


def staff_login(client, email: str, password: str = STAFF_PASSWORD):
    return client.post("/login", data={"email": email, "password": password})


def is_staff_in(client) -> bool:
    return client.get("/account-settings").status_code == 200


def is_subscriber_in(client, name: str) -> bool:
    return f"Hello, {name}" in client.get("/account/", follow_redirects=True).text


@pytest.fixture
def acme(two_partners):
    return two_partners["acme"]


@pytest.fixture
def shop(host_client, two_partners):
    """A browser on Acme's storefront, and a subscriber, Ann, who has an account there."""
    two_partners["acme"].frame_origins = [PARTNER_SITE]
    subscribers.register(two_partners["acme"], "ann@example.com", PASSWORD, "Ann")
    db.session.commit()
    return host_client("acme.localhost")


def subscriber_login(client, email: str = "ann@example.com", password: str = PASSWORD):
    response = client.post("/account/login", data={"email": email, "password": password})
    assert response.status_code == 302, response.text
    return client


# -- 1. an invitation never changes an existing account ------------------------------------------


@pytest.fixture
def invitation_to_an_existing_account(two_partners, make_user):
    """Ann already works for Acme; Globex invites her by e-mail. The link is what a forwarded mail
    or a glance at the outbox gives away."""
    ann = make_user("ann@acme.example.com", two_partners["acme"], role="owner")
    partners.invite(two_partners["globex"], "Ann@Acme.example.com", "editor")
    db.session.commit()
    return ann, link_path(last_mail("ann@acme.example.com"), "localhost")


def test_whoever_holds_the_link_cannot_set_an_existing_users_password(
    invitation_to_an_existing_account, host_client
):
    ann, link = invitation_to_an_existing_account
    attacker = host_client("localhost")
    taken = attacker.post(link, data={"name": "Mallory", "password": "mallory's password"})
    assert taken.status_code == 403
    assert not is_staff_in(attacker)
    assert staff_login(attacker, ann.email, "mallory's password").status_code == 400
    assert attacker.get("/panel/acme/").status_code == 302  # to the login page
    page = attacker.get(link)
    assert page.status_code == 200
    assert "Log in to accept" in page.text and 'name="password"' not in page.text
    # Ann's own password still works, and the invitation still waits for her.
    assert staff_login(host_client("localhost"), ann.email).status_code == 302
    assert host_client("localhost").get(link).status_code == 200


def test_the_invited_person_logs_in_as_themselves_and_accepts(
    invitation_to_an_existing_account, host_client, two_partners, login
):
    ann, link = invitation_to_an_existing_account
    # Logged in as somebody else: refused, with the reason.
    other = login(host_client("localhost"), two_partners["globex_owner"])
    assert "you are logged in as owner@globex.example.com" in other.get(link).text
    refused = other.post(link)
    assert refused.status_code == 403
    assert db.session.scalar(select(Membership).where(
        Membership.user_id == ann.id, Membership.partner_id == two_partners["globex"].id)) is None

    browser = host_client("localhost")
    to_login = browser.get(link).text
    login_link = re.search(r'href="(/login\?next=[^"]+)"', to_login).group(1)
    landed = browser.post(login_link.replace("&amp;", "&"),
                          data={"email": ann.email, "password": STAFF_PASSWORD})
    assert landed.headers["Location"] == link
    assert "Accept and join" in browser.get(link).text
    joined = browser.post(link)
    assert joined.headers["Location"] == "/panel/globex/"
    assert "Globex Domains" in browser.get("/panel/globex/").text
    assert browser.get("/panel/acme/").status_code == 200  # nothing else changed
    assert browser.get(link).status_code == 404  # used once


def test_a_new_team_member_chooses_a_password_through_the_link(two_partners, host_client):
    partners.invite(two_partners["acme"], "new@acme.example.com", "editor")
    db.session.commit()
    link = link_path(last_mail("new@acme.example.com"), "localhost")
    browser = host_client("localhost")
    short = browser.post(link, data={"name": "Nea", "password": "short"})
    assert short.status_code == 400 and "at least 10" in short.text
    assert browser.post(link, data={"name": "Nea", "password": PASSWORD}).status_code == 302
    assert browser.get("/panel/acme/").status_code == 200
    assert staff_login(host_client("localhost"), "new@acme.example.com", PASSWORD).status_code \
        == 302


# -- 2. a hand-off never swaps who is logged in behind their back ---------------------------------


def attackers_token(acme, email: str = "mallory@example.com") -> str:
    """Mallory logs in to her own account in a frame: the hand-off token is hers to use."""
    mallory = subscribers.register(acme, email, PASSWORD, "Mallory")
    token = subscribers.issue_token(mallory, "handoff")
    db.session.commit()
    return token


def arrive(client, token: str, origin: str | None = PARTNER_SITE):
    """What embed.js does on the partner's page: a top-level POST of the token."""
    headers = {"Origin": origin} if origin else {}
    response = client.post("/account/handoff/arrive", data={"token": token}, headers=headers)
    assert response.status_code == 303 and response.headers["Location"] == "/account/handoff"
    return client.get(response.headers["Location"])


def test_a_handoff_link_alone_does_not_log_the_visitor_in(shop, acme):
    token = attackers_token(acme)
    page = shop.get(f"/account/handoff?token={token}")
    assert page.status_code == 200
    assert "Continue as Mallory" in page.text and "mallory@example.com" in page.text
    assert not is_subscriber_in(shop, "Mallory")


def test_a_handoff_never_replaces_the_subscriber_logged_in(shop, acme):
    subscriber_login(shop)
    token = attackers_token(acme)
    for page in (shop.get(f"/account/handoff?token={token}"),
                 arrive(shop, token)):  # even with the embed.js proof
        assert page.status_code == 200
        assert "You are logged in here as Ann (ann@example.com)" in page.text
        assert is_subscriber_in(shop, "Ann")
    # The visitor may switch, with a click on that page.
    switched = shop.post("/account/handoff", data={"token": token})
    assert switched.headers["Location"] == "/account/"
    assert is_subscriber_in(shop, "Mallory")


def test_only_a_post_from_the_partners_own_page_logs_in_without_a_click(shop, acme):
    token = attackers_token(acme)
    # The attacker's page posts the form itself, or hides where it comes from: no proof.
    for origin in ("https://evil.example", "null", None):
        landed = arrive(shop, token, origin)
        assert landed.headers["Location"] == "/account/login", origin  # no token, no cookie
        assert not is_subscriber_in(shop, "Mallory")
    # The proof is for its own token only.
    arrive_ann = shop.post("/account/handoff/arrive",
                           data={"token": subscribers.issue_token(subscribers.find(acme,
                                                                  "ann@example.com"), "handoff")},
                           headers={"Origin": PARTNER_SITE})
    db.session.commit()
    assert arrive_ann.status_code == 303
    assert shop.get(f"/account/handoff?token={token}").status_code == 200  # asks
    assert not is_subscriber_in(shop, "Mallory")
    # embed.js on the partner's page, in the visitor's own browser: in at once.
    fresh = attackers_token_for(acme, "ann@example.com")
    assert arrive(shop, fresh).headers["Location"] == "/account/"
    assert is_subscriber_in(shop, "Ann")


def attackers_token_for(acme, email: str) -> str:
    token = subscribers.issue_token(subscribers.find(acme, email), "handoff")
    db.session.commit()
    return token


def test_a_replayed_handoff_token_is_refused(shop, acme, host_client):
    token = attackers_token_for(acme, "ann@example.com")
    assert arrive(shop, token).headers["Location"] == "/account/"
    replay = host_client("acme.localhost")
    assert arrive(replay, token).headers["Location"] == "/account/login"
    assert replay.get(f"/account/handoff?token={token}").headers["Location"] == "/account/login"
    assert replay.post("/account/handoff", data={"token": token}).headers["Location"] \
        == "/account/login"
    assert not is_subscriber_in(replay, "Ann")


def test_another_partners_handoff_token_means_nothing(shop, two_partners, host_client):
    globex = two_partners["globex"]
    globex.frame_origins = [PARTNER_SITE]
    gus = subscribers.register(globex, "gus@example.com", PASSWORD, "Gus")
    token = subscribers.issue_token(gus, "handoff")
    db.session.commit()
    assert arrive(shop, token).headers["Location"] == "/account/login"
    assert shop.post("/account/handoff", data={"token": token}).headers["Location"] \
        == "/account/login"
    assert not is_subscriber_in(shop, "Gus")
    # Still good where it belongs.
    assert arrive(host_client("globex.localhost"), token).headers["Location"] == "/account/"


def test_the_click_needs_this_sessions_csrf_token(extra_app, acme, two_partners):
    acme.frame_origins = [PARTNER_SITE]
    token = attackers_token(acme)
    app = extra_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        browser = app.test_client()
        host = {"Host": "acme.localhost"}
        # An attacker's page posting the click for the visitor has no CSRF token to send.
        forged = browser.post("/account/handoff", data={"token": token}, headers=host)
        assert forged.status_code == 400
        page = browser.get(f"/account/handoff?token={token}", headers=host).text
        csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        clicked = browser.post("/account/handoff", data={"token": token, "csrf_token": csrf},
                               headers=host)
        assert clicked.headers["Location"] == "/account/"
        # embed.js's POST comes from the partner's page, which cannot know that token: it needs
        # none (its proof is the Origin), and it logs no one in by itself.
        token = attackers_token(acme, "mallory2@example.com")
        posted = app.test_client().post("/account/handoff/arrive", data={"token": token},
                                        headers={**host, "Origin": PARTNER_SITE})
        assert posted.status_code == 303


# -- 3. logout, a new password and a reset end the other sessions --------------------------------


def test_a_subscriber_cookie_copied_before_logout_stops_working(shop, host_client):
    subscriber_login(shop)
    thief = host_client("acme.localhost")
    copy_session(shop, thief, "acme.localhost")
    assert is_subscriber_in(thief, "Ann")  # the copy works while the session lasts
    shop.post("/account/logout")
    assert not is_subscriber_in(thief, "Ann")
    assert thief.get("/account/").headers["Location"].startswith("/account/login")


def test_a_staff_cookie_copied_before_logout_stops_working(two_partners, host_client, login):
    browser = login(host_client("localhost"), two_partners["acme_owner"])
    thief = host_client("localhost")
    copy_session(browser, thief, "localhost")
    assert thief.get("/panel/acme/").status_code == 200
    browser.post("/logout")
    assert thief.get("/panel/acme/").status_code == 302
    assert not is_staff_in(thief)


def test_a_subscriber_session_opened_before_a_reset_ends(shop, host_client):
    intruder = subscriber_login(host_client("acme.localhost"))
    owner = host_client("acme.localhost")
    owner.post("/account/reset", data={"email": "ann@example.com"})
    path = link_path(last_mail("ann@example.com"), "acme.localhost")
    assert owner.post(path, data={"password": "a brand new password"}).status_code == 302
    assert is_subscriber_in(owner, "Ann")
    assert not is_subscriber_in(intruder, "Ann")
    assert subscriber_login(host_client("acme.localhost"), password="a brand new password")


def test_a_staff_session_opened_before_a_reset_ends(two_partners, host_client, login):
    owner = two_partners["acme_owner"]
    intruder = login(host_client("localhost"), owner)
    browser = host_client("localhost")
    assert 'href="/login/reset"' in browser.get("/login").text
    sent = browser.post("/login/reset", data={"email": owner.email})
    assert "Check your e-mail" in sent.text
    path = link_path(last_mail(owner.email), "localhost")
    assert path.startswith("/login/reset/")
    assert browser.post(path, data={"password": "short"}).status_code == 400
    done = browser.post(path, data={"password": "a brand new password"})
    assert done.headers["Location"] == "/panel/"
    assert is_staff_in(browser) and not is_staff_in(intruder)
    assert browser.post(path, data={"password": "another new password"}).status_code == 404
    assert staff_login(host_client("localhost"), owner.email).status_code == 400
    assert staff_login(host_client("localhost"), owner.email, "a brand new password") \
        .status_code == 302


def test_staff_reset_says_the_same_whatever_the_email(two_partners, host_client, app):
    browser = host_client("localhost")
    known = browser.post("/login/reset", data={"email": two_partners["acme_owner"].email})
    unknown = browser.post("/login/reset", data={"email": "nobody@acme.example.com"})
    assert known.status_code == unknown.status_code == 200
    assert known.text.replace(two_partners["acme_owner"].email, "X") \
        == unknown.text.replace("nobody@acme.example.com", "X")
    assert last_mail("nobody@acme.example.com") is None
    # The link is built from the platform host in the configuration, not from the request.
    browser.post("/login/reset", data={"email": two_partners["acme_owner"].email},
                 headers={"Host": "localhost", "X-Forwarded-Host": "evil.test"},
                 environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert "evil.test" not in last_mail(two_partners["acme_owner"].email).body


def test_a_staff_reset_link_works_for_an_hour(two_partners, host_client):
    owner = two_partners["acme_owner"]
    host_client("localhost").post("/login/reset", data={"email": owner.email})
    path = link_path(last_mail(owner.email), "localhost")
    token = db.session.scalar(select(StaffToken))
    assert timedelta(minutes=59) < token.expires_at - utcnow() <= timedelta(hours=1)
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert host_client("localhost").get(path).status_code == 404


def test_a_password_change_keeps_this_session_and_ends_the_others(shop, host_client):
    subscriber_login(shop)
    other = subscriber_login(host_client("acme.localhost"))
    assert 'href="/account/password"' in shop.get("/account/").text
    wrong = shop.post("/account/password",
                      data={"current_password": "not it", "password": "a brand new password"})
    assert wrong.status_code == 400 and "not your current password" in wrong.text
    assert is_subscriber_in(other, "Ann")
    changed = shop.post("/account/password", data={"current_password": PASSWORD,
                                                   "password": "a brand new password"})
    assert changed.headers["Location"] == "/account/"
    assert is_subscriber_in(shop, "Ann") and not is_subscriber_in(other, "Ann")
    assert subscriber_login(host_client("acme.localhost"), password="a brand new password")


def test_staff_change_their_password_on_their_account_page(two_partners, host_client, login):
    owner = two_partners["acme_owner"]
    browser = login(host_client("localhost"), owner)
    other = login(host_client("localhost"), owner)
    assert 'href="/account-settings"' in browser.get("/panel/acme/").text
    wrong = browser.post("/account-settings", data={"current_password": "nope",
                                                    "password": "a brand new password"})
    assert wrong.status_code == 400 and "not your current password" in wrong.text
    assert browser.post("/account-settings", data={
        "current_password": STAFF_PASSWORD, "password": "a brand new password"}).status_code == 302
    assert is_staff_in(browser) and not is_staff_in(other)
    assert staff_login(host_client("localhost"), owner.email, "a brand new password") \
        .status_code == 302


def test_log_out_everywhere_else(shop, two_partners, host_client, login):
    subscriber_login(shop)
    elsewhere = subscriber_login(host_client("acme.localhost"))
    assert "Log out everywhere else" in shop.get("/account/").text
    assert shop.post("/account/sessions").headers["Location"] == "/account/"
    assert is_subscriber_in(shop, "Ann") and not is_subscriber_in(elsewhere, "Ann")

    admin = two_partners["acme_owner"]
    here = login(host_client("localhost"), admin)
    there = login(host_client("localhost"), admin)
    assert "Log out everywhere else" in here.get("/account-settings").text
    here.post("/account-settings/sessions")
    assert is_staff_in(here) and not is_staff_in(there)


def test_logging_out_everywhere_voids_a_handoff_on_its_way(shop, acme, host_client):
    token = attackers_token_for(acme, "ann@example.com")
    subscriber_login(shop)
    shop.post("/account/sessions")
    assert arrive(host_client("acme.localhost"), token).headers["Location"] == "/account/login"


def test_removal_from_the_team_and_deactivation_end_the_sessions(
    two_partners, make_user, host_client, login, app
):
    editor = make_user("ed@acme.example.com", two_partners["acme"], role="editor")
    make_user("ed-too@acme.example.com")  # a bystander
    admin = login(host_client("localhost"), make_user("root@example.com", admin=True))
    ed = login(host_client("localhost"), editor)
    assert "Remove from the team" in admin.get("/admin/partners/acme").text
    admin.post(f"/admin/partners/acme/team/{editor.id}/remove")
    assert not is_staff_in(ed)
    assert login(ed, editor).get("/panel/acme/").status_code == 404

    result = app.test_cli_runner().invoke(args=["deactivate-user", editor.email])
    assert result.exit_code == 0, result.output
    assert not is_staff_in(ed)
    assert staff_login(host_client("localhost"), editor.email).status_code == 400
    app.test_cli_runner().invoke(args=["reactivate-user", editor.email])
    assert not is_staff_in(ed)  # the old session stays ended
    assert staff_login(host_client("localhost"), editor.email).status_code == 302


# -- 4. one reset link at a time ------------------------------------------------------------------


def test_a_new_subscriber_reset_link_voids_the_older_ones(shop, host_client):
    shop.post("/account/reset", data={"email": "ann@example.com"})
    first = link_path(last_mail("ann@example.com"), "acme.localhost")
    shop.post("/account/reset", data={"email": "ann@example.com"})
    second = link_path(last_mail("ann@example.com"), "acme.localhost")
    assert shop.get(first).status_code == 404
    assert shop.get(second).status_code == 200


def test_a_used_subscriber_reset_link_or_a_new_password_voids_the_others(shop, acme):
    ann = subscribers.find(acme, "ann@example.com")
    one, two, three = (subscribers.issue_token(ann, "reset") for _ in range(3))
    db.session.commit()
    assert shop.post(f"/account/reset/{one}", data={"password": "a brand new password"}) \
        .status_code == 302
    assert shop.get(f"/account/reset/{two}").status_code == 404
    four = attackers_token_for_reset(ann)
    shop.post("/account/password", data={"current_password": "a brand new password",
                                         "password": "yet another password"})
    assert shop.get(f"/account/reset/{three}").status_code == 404
    assert shop.get(f"/account/reset/{four}").status_code == 404


def attackers_token_for_reset(subscriber) -> str:
    token = subscribers.issue_token(subscriber, "reset")
    db.session.commit()
    return token


def staff_reset_links(user: User, count: int) -> list[str]:
    raws = [secrets.token_urlsafe(32) for _ in range(count)]
    for raw in raws:
        db.session.add(StaffToken(user_id=user.id, purpose="reset",
                                  token_hash=hashlib.sha256(raw.encode()).hexdigest(),
                                  expires_at=utcnow() + timedelta(hours=1)))
    db.session.commit()
    return [f"/login/reset/{raw}" for raw in raws]


def test_one_staff_reset_link_at_a_time(two_partners, host_client, login):
    owner = two_partners["acme_owner"]
    browser = host_client("localhost")
    browser.post("/login/reset", data={"email": owner.email})
    first = link_path(last_mail(owner.email), "localhost")
    browser.post("/login/reset", data={"email": owner.email})
    assert browser.get(first).status_code == 404  # a newer link voids it

    used, other = staff_reset_links(owner, 2)
    assert browser.post(used, data={"password": "a brand new password"}).status_code == 302
    assert browser.get(other).status_code == 404  # a used link voids the others

    (pending,) = staff_reset_links(owner, 1)
    browser.post("/account-settings", data={"current_password": "a brand new password",
                                            "password": "yet another password"})
    assert host_client("localhost").get(pending).status_code == 404  # so does a new password


# -- 5. the staff login takes as long for an unknown e-mail as for a wrong password ---------------


def test_the_staff_login_checks_a_password_hash_whoever_asks(
    two_partners, make_user, host_client, monkeypatch
):
    calls: list[str] = []
    verify = PasswordHasher.verify

    def counting(self, password_hash, password):
        calls.append(password)
        return verify(self, password_hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting)
    inactive = make_user("gone@acme.example.com", two_partners["acme"])
    inactive.active = False
    db.session.commit()
    cases = {
        "unknown e-mail": ("nobody@acme.example.com", STAFF_PASSWORD),
        "wrong password": (two_partners["acme_owner"].email, "wrong password!"),
        "deactivated": (inactive.email, STAFF_PASSWORD),
    }
    for case, (email, password) in cases.items():
        calls.clear()
        response = staff_login(host_client("localhost"), email, password)
        assert response.status_code == 400, case
        assert "Wrong e-mail or password." in response.text, case
        assert calls == [password], case
