"""The cart from the search results, in headless Chromium: adding a name keeps the visitor on the
same results, where its row says "In cart" and the header counts the cart; a logged-in subscriber
sees their name in the header and logs out with its button (a POST with the session's CSRF)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from storefront.db import db
from storefront.services import subscribers

pytestmark = pytest.mark.browser

PASSWORD = "a long password"
SCREENSHOT = "/tmp/cartux.png"
SCREENSHOT_LOGGED_IN = "/tmp/cartux-account.png"


def test_add_from_the_search_results_then_log_in_and_out(shop, page: Page):
    subscribers.register(shop.acme, "ann@example.com", PASSWORD, "Ann Acme")
    db.session.commit()
    page.goto(shop.url("acme", "/search?q=free-abc.com"))
    row = page.locator("tr.domain-offer", has_text="free-abc.com").first
    row.get_by_role("button", name="Add to cart").click()

    expect(page).to_have_url(shop.url("acme", "/search?q=free-abc.com"))
    expect(page.get_by_text("free-abc.com is in your cart.")).to_be_visible()
    row = page.locator("tr.domain-offer", has_text="free-abc.com").first
    expect(row.get_by_role("link", name="In cart")).to_be_visible()
    expect(row.get_by_role("button", name="Add to cart")).to_have_count(0)
    header = page.get_by_role("navigation", name="Account")
    expect(header.get_by_role("link", name="Cart (1)")).to_be_visible()
    page.screenshot(path=SCREENSHOT, full_page=True)

    page.goto(shop.url("acme", "/account/login"))
    page.get_by_label("E-mail").fill("ann@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(shop.url("acme", "/"))
    expect(header).to_contain_text("Ann Acme")
    expect(header.get_by_role("link", name="Cart (1)")).to_be_visible()
    page.screenshot(path=SCREENSHOT_LOGGED_IN, clip={"x": 0, "y": 0, "width": 1280, "height": 120})
    header.get_by_role("button", name="Log out").click()
    expect(header).not_to_contain_text("Ann Acme")
    expect(header.get_by_role("button", name="Log out")).to_have_count(0)
