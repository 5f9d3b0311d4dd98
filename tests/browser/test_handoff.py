"""The frame login's hand-off against login CSRF, in headless Chromium: what the browser itself
writes (the Origin of embed.js's POST, the cookie it gets back, the session it already has) decides
whether a hand-off logs in at once or asks first (storefront/account/handoff.py)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from storefront.db import db
from storefront.services import subscribers

pytestmark = pytest.mark.browser

PASSWORD = "a long password"


@pytest.fixture
def people(shop):
    """Ann is the visitor; Mallory, the attacker, has her own account at the same shop."""
    subscribers.register(shop.acme, "ann@example.com", PASSWORD, "Ann Acme")
    mallory = subscribers.register(shop.acme, "mallory@example.com", PASSWORD, "Mallory")
    db.session.commit()
    return mallory


def mallorys_token(mallory) -> str:
    """What Mallory gets by logging in to her own account in the frame, anywhere."""
    token = subscribers.issue_token(mallory, "handoff")
    db.session.commit()
    return token


def log_in_first_party(shop, page: Page) -> None:
    page.goto(shop.url("acme", "/account/login"))
    page.get_by_label("E-mail").fill("ann@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Hello, Ann Acme")).to_be_visible()


def test_a_link_from_the_attackers_page_asks_before_logging_in(shop, page: Page, people):
    link = shop.url("acme", f"/account/handoff?token={mallorys_token(people)}")
    page.goto(shop.page("/trap", f"<script>location.href = {link!r};</script>", host="evil"))

    expect(page.get_by_role("heading", name="Continue as Mallory?")).to_be_visible()
    expect(page.get_by_text("mallory@example.com")).to_be_visible()
    page.goto(shop.url("acme", "/account/"))
    expect(page).to_have_url(shop.url("acme", "/account/login?next=/account/?"))


def test_a_post_from_the_attackers_page_proves_nothing(shop, page: Page, people):
    """The attacker copies embed.js's form onto their own page: the browser writes their Origin."""
    form = (f'<form method="post" action="{shop.url("acme", "/account/handoff/arrive")}">'
            f'<input type="hidden" name="token" value="{mallorys_token(people)}"></form>'
            "<script>document.forms[0].submit();</script>")
    page.goto(shop.page("/trap", form, host="evil"))

    expect(page).to_have_url(shop.url("acme", "/account/login"))
    expect(page.get_by_text("That sign-in link has expired.")).to_be_visible()
    page.goto(shop.url("acme", "/account/"))
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()


def test_a_frame_login_never_replaces_the_account_already_logged_in(shop, page: Page, people):
    log_in_first_party(shop, page)
    # Someone signs in as Mallory in the frame on the partner's page, in Ann's browser.
    page.goto(shop.page("/", shop.embed("user-login")))
    login = page.frame_locator("iframe")
    login.get_by_label("E-mail").fill("mallory@example.com")
    login.get_by_label("Password").fill(PASSWORD)
    login.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", name="Continue as Mallory?")).to_be_visible()
    expect(page.get_by_text("You are logged in here as Ann Acme (ann@example.com)")).to_be_visible()
    page.goto(shop.url("acme", "/account/"))
    expect(page.get_by_role("heading", name="Hello, Ann Acme")).to_be_visible()
