"""The public reseller application form on the platform home page, and the rate limits on the
forms people could hammer: the application, the staff and subscriber logins (storefront and
frame), sign-ups, password resets, new verification mails and password changes, per client address
and per account, counted as in production (RATELIMIT_ENABLED, the database)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from storefront.db import db
from storefront.models import OutboxMessage, RateLimitCounter, ResellerApplication
from storefront.services import subscribers
from tests.conftest import PASSWORD

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

SUBSCRIBER_PASSWORD = "a long password"


class Visitor:
    """A client of an app with rate limits on, as in production, posting from any address."""

    def __init__(self, app) -> None:
        self.client = app.test_client()

    def __call__(self, path: str, data: dict, host: str = "localhost",
                 address: str = "192.0.2.1"):
        return self.client.post(path, data=data, headers={"Host": host},
                                environ_base={"REMOTE_ADDR": address})


@pytest.fixture
def limited(app, extra_app) -> Visitor:
    return Visitor(extra_app(RATELIMIT_ENABLED=True))


@pytest.fixture
def members(two_partners):
    """ann@example.com at Acme and at Globex (two accounts), bob@example.com at Acme."""
    for partner, email in ((two_partners["acme"], "ann@example.com"),
                           (two_partners["globex"], "ann@example.com"),
                           (two_partners["acme"], "bob@example.com")):
        subscribers.register(partner, email, SUBSCRIBER_PASSWORD, email.split("@")[0].title())
    db.session.commit()
    return two_partners


def mails_to(email: str, partner) -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.to_email == email, OutboxMessage.partner_id == partner.id))


def address(n: int) -> str:
    return f"198.51.100.{n}"


def test_application_form_allows_ten_posts_a_minute_per_address(limited):
    bad = {**GOOD, "email": "bad"}
    for _ in range(10):
        assert limited("/", bad).status_code == 400
    refused = limited("/", GOOD)
    assert refused.status_code == 429
    assert "Too many attempts. Please try again in 1 minute." in refused.text
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert stored() == 0
    # Reading the page is not limited, and another address is not affected.
    assert limited.client.get("/", headers={"Host": "localhost"}).status_code == 200
    assert limited("/", GOOD, address="192.0.2.7").status_code == 200


def test_staff_login_allows_ten_posts_a_minute_per_address(limited, make_user):
    user = make_user("staff@example.com")
    for n in range(10):
        wrong = {"email": f"guess{n}@example.com", "password": "wrong password"}
        assert limited("/login", wrong).status_code == 400
    right = {"email": user.email, "password": PASSWORD}
    assert limited("/login", right).status_code == 429
    assert limited.client.get("/login", headers={"Host": "localhost"}).status_code == 200
    assert limited("/login", right, address="192.0.2.7").status_code == 302


def test_staff_login_allows_ten_guesses_per_account_whatever_the_address(limited, make_user):
    user = make_user("staff@example.com")
    other = make_user("other@example.com")
    for n in range(10):
        wrong = {"email": "Staff@Example.com ", "password": "wrong password"}
        assert limited("/login", wrong, address=address(n)).status_code == 400
    refused = limited("/login", {"email": user.email, "password": PASSWORD}, address=address(99))
    assert refused.status_code == 429
    assert "Please try again in 15 minutes." in refused.text
    right = {"email": other.email, "password": PASSWORD}
    assert limited("/login", right, address=address(98)).status_code == 302


def test_subscriber_login_allows_ten_posts_a_minute_per_address(limited, members):
    for n in range(10):
        wrong = {"email": f"guess{n}@example.com", "password": "wrong password"}
        assert limited("/account/login", wrong, host="acme.localhost").status_code == 400
    right = {"email": "ann@example.com", "password": SUBSCRIBER_PASSWORD}
    assert limited("/account/login", right, host="acme.localhost").status_code == 429
    assert limited("/account/login", right, host="acme.localhost",
                   address="192.0.2.7").status_code == 302


def test_subscriber_login_allows_ten_guesses_per_account_at_each_partner(limited, members):
    wrong = {"email": "ann@example.com", "password": "wrong password"}
    for n in range(10):
        assert limited("/account/login", wrong, host="acme.localhost",
                       address=address(n)).status_code == 400
    ann = {"email": "ann@example.com", "password": SUBSCRIBER_PASSWORD}
    refused = limited("/account/login", ann, host="acme.localhost", address=address(99))
    assert refused.status_code == 429 and "Please try again in 15 minutes." in refused.text
    # Ann's account at Globex is another account; so is Bob's at Acme.
    assert limited("/account/login", ann, host="globex.localhost",
                   address=address(98)).status_code == 302
    bob = {"email": "bob@example.com", "password": SUBSCRIBER_PASSWORD}
    assert limited("/account/login", bob, host="acme.localhost",
                   address=address(97)).status_code == 302


def test_the_login_frame_counts_with_the_storefront_login_and_refuses_in_polish(limited,
                                                                               members):
    wrong = {"email": "ann@example.com", "password": "wrong password"}
    for n in range(10):
        assert limited("/account/login", wrong, host="acme.localhost",
                       address=address(n)).status_code == 400
    refused = limited("/frames/user-login?locale=pl", wrong, host="acme.localhost",
                      address=address(99))
    assert refused.status_code == 429
    assert '<html lang="pl">' in refused.text
    assert "Zbyt wiele prób. Spróbuj ponownie za 15 minut." in refused.text
    assert refused.headers["Retry-After"]


def test_sign_up_allows_ten_posts_a_minute_per_address(limited, members):
    for n in range(10):
        short = {"name": "Eve", "email": f"eve{n}@example.com", "password": "short"}
        assert limited("/account/register", short, host="acme.localhost").status_code == 400
    good = {"name": "Carol", "email": "carol@example.com", "password": SUBSCRIBER_PASSWORD}
    assert limited("/account/register", good, host="acme.localhost").status_code == 429
    assert subscribers.find(members["acme"], "carol@example.com") is None
    assert limited("/account/register", good, host="acme.localhost",
                   address="192.0.2.7").status_code == 302


def test_password_reset_allows_five_posts_a_minute_per_address(limited, members):
    for n in range(5):
        data = {"email": f"nobody{n}@example.com"}
        assert limited("/account/reset", data, host="acme.localhost").status_code == 200
    ann = {"email": "ann@example.com"}
    assert limited("/account/reset", ann, host="acme.localhost").status_code == 429
    assert mails_to("ann@example.com", members["acme"]) == 1  # the sign-up's verification only
    assert limited("/account/reset", ann, host="acme.localhost",
                   address="192.0.2.7").status_code == 200
    assert mails_to("ann@example.com", members["acme"]) == 2


def test_password_reset_mails_one_account_five_times_an_hour_whatever_the_address(limited,
                                                                                  members):
    ann = {"email": "ann@example.com"}
    for n in range(5):
        assert limited("/account/reset", ann, host="acme.localhost",
                       address=address(n)).status_code == 200
    refused = limited("/account/reset", ann, host="acme.localhost", address=address(99))
    assert refused.status_code == 429 and "Please try again in 60 minutes." in refused.text
    assert mails_to("ann@example.com", members["acme"]) == 1 + 5
    # Ann at Globex and Bob at Acme still get their links.
    assert limited("/account/reset", ann, host="globex.localhost",
                   address=address(98)).status_code == 200
    assert limited("/account/reset", {"email": "bob@example.com"}, host="acme.localhost",
                   address=address(97)).status_code == 200
    assert mails_to("ann@example.com", members["globex"]) == 1 + 1
    assert mails_to("bob@example.com", members["acme"]) == 1 + 1


def test_a_new_verification_mail_has_its_own_limit(limited, members):
    signed_up = {"email": "ann@example.com", "password": SUBSCRIBER_PASSWORD}
    assert limited("/account/login", signed_up, host="acme.localhost").status_code == 302
    # Five resets from this address spend the reset limit, not the verification one.
    for n in range(5):
        limited("/account/reset", {"email": f"nobody{n}@example.com"}, host="acme.localhost")
    for _ in range(5):
        assert limited("/account/verify/resend", {}, host="acme.localhost").status_code == 302
    assert mails_to("ann@example.com", members["acme"]) == 1 + 5
    refused = limited("/account/verify/resend", {}, host="acme.localhost", address=address(99))
    assert refused.status_code == 429
    assert mails_to("ann@example.com", members["acme"]) == 1 + 5


def test_staff_password_reset_mails_one_account_five_times_an_hour_whatever_the_address(
    limited, make_user
):
    staff = make_user("staff@example.com")
    other = make_user("other@example.com")
    for n in range(5):
        sent = limited("/login/reset", {"email": "Staff@Example.com "}, address=address(n))
        assert sent.status_code == 200
    refused = limited("/login/reset", {"email": staff.email}, address=address(99))
    assert refused.status_code == 429 and "Please try again in 60 minutes." in refused.text
    assert staff_mails(staff.email) == 5
    # Another account still gets its link.
    assert limited("/login/reset", {"email": other.email}, address=address(98)).status_code == 200
    assert staff_mails(other.email) == 1


def staff_mails(email: str) -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.to_email == email, OutboxMessage.partner_id.is_(None)))


# --- password changes: what a stolen session cookie can guess ----------------------------------

NEW_PASSWORD = "a brand new password"
GUESS = {"current_password": "a guess", "password": NEW_PASSWORD}


def the_window_passes() -> None:
    db.session.execute(update(RateLimitCounter).values(
        window_ends=RateLimitCounter.window_ends - 15 * 60))
    db.session.commit()


def test_a_subscriber_session_guesses_the_current_password_ten_times_in_15_minutes(limited,
                                                                                   members):
    ann = {"email": "ann@example.com", "password": SUBSCRIBER_PASSWORD}
    assert limited("/account/login", ann, host="acme.localhost").status_code == 302
    for n in range(10):
        wrong = limited("/account/password", GUESS, host="acme.localhost", address=address(n))
        assert wrong.status_code == 400 and "not your current password" in wrong.text
    right = {"current_password": SUBSCRIBER_PASSWORD, "password": NEW_PASSWORD}
    refused = limited("/account/password", right, host="acme.localhost", address=address(99))
    assert refused.status_code == 429 and "Please try again in 15 minutes." in refused.text
    # The password is unchanged; Ann at Globex and Bob at Acme are other accounts.
    owner = Visitor(limited.client.application)
    assert owner("/account/login", ann, host="acme.localhost",
                 address=address(96)).status_code == 302
    for host, email in (("globex.localhost", "ann@example.com"),
                        ("acme.localhost", "bob@example.com")):
        someone = Visitor(limited.client.application)
        login = {"email": email, "password": SUBSCRIBER_PASSWORD}
        assert someone("/account/login", login, host=host, address=address(98)).status_code == 302
        assert someone("/account/password", right, host=host,
                       address=address(98)).status_code == 302
    # When the window has passed, the right password goes through.
    the_window_passes()
    assert limited("/account/password", right, host="acme.localhost",
                   address=address(97)).status_code == 302


def test_password_changes_allow_ten_posts_a_minute_per_address(limited, members):
    ann = {"email": "ann@example.com", "password": SUBSCRIBER_PASSWORD}
    assert limited("/account/login", ann, host="acme.localhost").status_code == 302
    for _ in range(10):
        assert limited("/account/password", GUESS, host="acme.localhost").status_code == 400
    bob = Visitor(limited.client.application)
    login = {"email": "bob@example.com", "password": SUBSCRIBER_PASSWORD}
    assert bob("/account/login", login, host="acme.localhost").status_code == 302
    right = {"current_password": SUBSCRIBER_PASSWORD, "password": NEW_PASSWORD}
    assert bob("/account/password", right, host="acme.localhost").status_code == 429
    assert bob("/account/password", right, host="acme.localhost",
               address="192.0.2.7").status_code == 302


def behind_the_proxy(visitor: Visitor, path: str, data: dict, client: str):
    """A post through the trusted proxy (127.0.0.1), which names the client in X-Forwarded-For."""
    return visitor.client.post(path, data=data, environ_base={"REMOTE_ADDR": "127.0.0.1"},
                               headers={"Host": "localhost", "X-Forwarded-For": client})


def test_a_staff_session_guesses_the_current_password_ten_times_in_15_minutes(limited,
                                                                             make_user):
    staff = make_user("staff@example.com")
    other = make_user("other@example.com")
    login = {"email": staff.email, "password": PASSWORD}
    assert behind_the_proxy(limited, "/login", login, address(1)).status_code == 302
    for n in range(10):
        wrong = behind_the_proxy(limited, "/account-settings", GUESS, address(n))
        assert wrong.status_code == 400 and "not your current password" in wrong.text
    right = {"current_password": PASSWORD, "password": NEW_PASSWORD}
    refused = behind_the_proxy(limited, "/account-settings", right, address(99))
    assert refused.status_code == 429 and "Please try again in 15 minutes." in refused.text
    # The password is unchanged, and another staff member changes theirs.
    owner = Visitor(limited.client.application)
    assert behind_the_proxy(owner, "/login", login, address(96)).status_code == 302
    colleague = Visitor(limited.client.application)
    assert behind_the_proxy(colleague, "/login", {"email": other.email, "password": PASSWORD},
                            address(98)).status_code == 302
    assert behind_the_proxy(colleague, "/account-settings", right, address(98)).status_code == 302
    # When the window has passed, the right password goes through.
    the_window_passes()
    assert behind_the_proxy(limited, "/account-settings", right, address(97)).status_code == 302
