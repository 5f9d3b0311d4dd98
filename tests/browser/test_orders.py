"""The whole bank-transfer path in a real browser: a name chosen in the order frame on the partner's
own site, checked out on the storefront (log in, billing details, place the order), the proforma
with the partner's account and title; the partner books the transfer in the panel; the subscriber
then sees the service active and downloads the VAT invoice."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from billing import balance, settings
from storefront import jobs
from storefront.db import db
from storefront.money import Money
from storefront.services import partners, subscribers
from storefront.services.users import ensure_user

PASSWORD = "a long password"
SELLER = settings.SellerFields(
    name="Acme Hosting sp. z o.o.", street="ul. Prosta 1", postal_code="00-838", city="Warszawa",
    country="PL", tax_id="5260250274", bank_account="PL61109010140000071219812874",
    bank_name="Santander", vat_rate="23", language="pl")


def test_from_the_order_frame_to_an_active_domain_and_its_invoice(shop, page: Page, browser):
    settings.save_seller_settings(shop.acme, SELLER)
    balance.credit(shop.acme, Money(100000, "PLN"), "top-up", None)
    subscribers.register(shop.acme, "ann@example.com", PASSWORD, "Ann Acme")
    owner = ensure_user("owner@acme.example.com", password=PASSWORD)
    partners.add_member(shop.acme, owner, "owner")
    db.session.commit()

    # The order frame on the partner's own page hands the cart to the storefront.
    page.goto(shop.page("/", shop.embed("domain-search", group="popular")))
    search = page.frame_locator("iframe")
    search.get_by_label("Domain name").fill("free-abc")
    search.get_by_role("button", name="Search").click()
    search.locator(".offer", has_text="free-abc.com").get_by_role("link", name="Add").click()
    search.get_by_role("button", name="Go to checkout").click()
    expect(page).to_have_url(shop.url("acme", "/cart/"))
    expect(page.locator("table")).to_contain_text("free-abc.com")

    # Place the order: log in first, then billing details, then back to the cart.
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.get_by_label("E-mail").fill("ann@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main form, article form").get_by_role("button", name="Log in").click()
    expect(page).to_have_url(shop.url("acme", "/cart/"))
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_role("heading", name="Billing details")).to_be_visible()
    page.get_by_label("Full name or company name").fill("Ann Nowak")
    page.get_by_label("Street and number").fill("ul. Polna 2")
    page.get_by_label("Postal code").fill("00-001")
    page.get_by_label("City").fill("Warszawa")
    page.get_by_label("Phone").fill("600 100 200")
    page.get_by_role("button", name="Save billing details").click()
    expect(page).to_have_url(shop.url("acme", "/cart/"))
    expect(page.locator("table")).to_contain_text("free-abc.com")
    page.get_by_role("button", name="Place order").click()

    expect(page.get_by_role("heading", name="Proforma PF/")).to_be_visible()
    notice = page.locator(".notice", has_text="To pay")
    expect(notice).to_contain_text("PLN\u00a0300.00")
    expect(notice).to_contain_text("PL61 1090 1014 0000 0712 1981 2874")
    number = page.get_by_role("heading", name="Proforma PF/").inner_text().split()[-1]
    expect(notice).to_contain_text(number)  # the transfer title
    expect(page.get_by_text("Cart (0)")).to_have_count(0)

    # Acme's owner books the transfer in the panel.
    staff = browser.new_context()
    panel = staff.new_page()
    panel.goto(f"http://localhost:{shop.port}/login")
    panel.get_by_label("E-mail").fill("owner@acme.example.com")
    panel.get_by_label("Password").fill(PASSWORD)
    panel.get_by_label("Password").press("Enter")
    panel.goto(f"http://localhost:{shop.port}/panel/acme/billing/proformas")
    panel.get_by_role("link", name=number).click()
    expect(panel.get_by_label("Amount received")).to_have_value("300.00")
    panel.get_by_role("button", name="Record payment and activate").click()
    expect(panel.get_by_text("its invoice is issued")).to_be_visible()
    invoice_number = panel.get_by_role("link", name="FV/").inner_text()
    staff.close()

    assert jobs.run_due() == 1  # the registration, as `flask run-jobs` runs it
    page.goto(shop.url("acme", "/account/services/"))
    expect(page.locator("tr", has_text="free-abc.com")).to_contain_text("Active")
    page.goto(shop.url("acme", "/account/invoices/"))
    page.get_by_role("link", name=invoice_number).click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    assert download.value.suggested_filename == invoice_number.replace("/", "-") + ".pdf"
