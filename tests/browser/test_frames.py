"""The frames as a visitor of a partner's own website meets them, in headless Chromium: embedded by
embed.js or a plain <iframe>, refused to other origins, sized to their content, deaf to messages
from strangers, and carrying a login or a cart to the storefront's top window without third-party
cookies (which this Chromium blocks between *.localhost sites, proved below)."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Frame, Page, Response, expect

from storefront.db import db
from storefront.services import subscribers

pytestmark = pytest.mark.browser

PASSWORD = "a long password"
# A cookie only a third-party-cookie-blocking browser refuses: SameSite=None; Secure works over
# plain http on *.localhost, so a first-party page keeps it.
COOKIE_PROBE = ("() => { document.cookie = 'probe=1; SameSite=None; Secure; Path=/';"
                " return document.cookie; }")


def wait_until(page: Page, condition: Callable[[], object], seconds: float = 8) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the browser")
        page.wait_for_timeout(50)


def iframe(page: Page, path: str):
    return page.locator(f"iframe[src*='{path}']")


def content_frame(page: Page, path: str) -> Frame:
    handle = iframe(page, path).element_handle()
    frame = handle.content_frame() if handle else None
    assert frame is not None
    return frame


def height(page: Page, path: str) -> float:
    return iframe(page, path).evaluate("e => e.getBoundingClientRect().height")


def content_height(frame: Frame) -> float:
    return frame.evaluate("document.querySelector('.frame-root').getBoundingClientRect().height")


def fitted_height(page: Page, path: str) -> float:
    """Wait until the iframe is as tall as the document inside it (within a few px of rounding);
    return that height."""
    frame = content_frame(page, path)
    wait_until(page, lambda: abs(height(page, path) - content_height(frame)) <= 3)
    return height(page, path)


def frame_ancestors_violations(messages: list[str]) -> list[str]:
    return [m for m in messages if "frame-ancestors" in m and "has been blocked" in m]


# -- 1. embedding --------------------------------------------------------------------------------


def test_the_five_frames_render_inside_the_partners_page_with_embed_js(shop, page: Page):
    snippets = "".join(
        f"<section><h2>{name}</h2>{shop.embed(name, group='popular')}</section>"
        for name in ("user-login", "user-register", "domain-search", "order", "pricing")
    )
    page.goto(shop.page("/", f"<h1>Partner's own site</h1>{snippets}"))

    login = page.frame_locator("iframe[src*='/frames/user-login']")
    expect(login.get_by_role("heading", name="Log in to Acme Hosting")).to_be_visible()
    expect(login.get_by_label("E-mail")).to_be_editable()
    expect(login.get_by_label("Password")).to_be_editable()

    register = page.frame_locator("iframe[src*='/frames/user-register']")
    expect(register.get_by_role("heading", name="Create your Acme Hosting account")).to_be_visible()
    expect(register.get_by_label("Your name")).to_be_editable()

    search = page.frame_locator("iframe[src*='/frames/domain-search']")
    expect(search.get_by_label("Domain name")).to_be_editable()
    expect(search.get_by_role("link", name="Popular")).to_have_attribute("aria-current", "true")

    order = page.frame_locator("iframe[src*='/frames/order']")
    expect(order.get_by_role("heading", name="Your order")).to_be_visible()
    expect(order.get_by_text("Your cart is empty.")).to_be_visible()

    pricing = page.frame_locator("iframe[src*='/frames/pricing']")
    expect(pricing.get_by_text("Popular: prices for one year")).to_be_visible()
    rows = pricing.locator("tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.first).to_contain_text(".com")
    expect(rows.first).to_contain_text("300.00")
    expect(pricing.locator("table")).not_to_contain_text("456")  # Globex's price

    # Every frame was told who embeds it, and each one's height is its own.
    for name in ("user-login", "user-register", "domain-search", "order", "pricing"):
        query = parse_qs(urlsplit(iframe(page, f"/frames/{name}").get_attribute("src")).query)
        assert query["parent_origin"] == [shop.url("partner", "")], query
    wait_until(page, lambda: height(page, "/frames/user-register") > height(page, "/frames/order"))


def test_a_plain_iframe_renders_too(shop, page: Page):
    src = shop.url("acme", "/frames/pricing?group=everything")
    page.goto(shop.page("/", f'<iframe src="{src}" title="Prices" height="900"></iframe>'))
    pricing = page.frame_locator("iframe")
    expect(pricing.get_by_text("Everything: prices for one year")).to_be_visible()
    expect(pricing.locator("tbody tr")).to_have_count(20)


# -- 2. refusals ---------------------------------------------------------------------------------


def test_an_origin_not_on_the_list_gets_no_frame(shop, page: Page):
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    plain = shop.url("acme", "/frames/user-login")
    page.goto(shop.page("/evil", shop.embed("user-login") + f'<iframe src="{plain}"></iframe>',
                        host="evil"))

    wait_until(page, lambda: len(frame_ancestors_violations(console)) >= 2)
    for violation in frame_ancestors_violations(console):
        assert f"frame-ancestors {shop.url('partner', '')}" in violation
    # Chromium shows its error page in both frames instead.
    wait_until(page, lambda: len(page.frames) == 3 and all(
        frame.url.startswith("chrome-error://") for frame in page.frames[1:]))
    for element in page.locator("iframe").all():
        frame = element.content_frame
        expect(frame.locator("form")).to_have_count(0)
        expect(frame.get_by_text("Log in to Acme Hosting")).to_have_count(0)


def test_pages_that_are_not_frames_and_other_partners_frames_are_refused(shop, page: Page):
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    refused = [shop.url("acme", "/"), shop.url("acme", "/account/login"),
               shop.url("globex", "/frames/pricing")]  # Globex allows no origin
    page.goto(shop.page("/", "".join(f'<iframe src="{src}"></iframe>' for src in refused)
                        + shop.embed("pricing")))

    # The control: Acme's own frame renders on the same page.
    expect(page.frame_locator("iframe[src*='/frames/pricing?']").locator("table")).to_be_visible()
    wait_until(page, lambda: len(frame_ancestors_violations(console)) >= 3)
    assert all("frame-ancestors 'none'" in v for v in frame_ancestors_violations(console))
    for src in refused:
        frame = page.locator(f"iframe[src='{src}']").element_handle().content_frame()
        assert frame is not None
        wait_until(page, lambda frame=frame: frame.url.startswith("chrome-error://"))
        expect(frame.locator("body")).not_to_contain_text("Acme")


# -- 3. height -----------------------------------------------------------------------------------


def test_the_frame_height_follows_its_content(shop, page: Page):
    page.goto(shop.page("/", shop.embed("domain-search", group="everything") + "<p>Footer</p>"))
    search = page.frame_locator("iframe")
    expect(search.get_by_label("Domain name")).to_be_editable()
    before = fitted_height(page, "/frames/domain-search")
    assert before < 160  # shorter than embed.js's starting height: it shrank to fit

    search.get_by_label("Domain name").fill("free-abc")
    search.get_by_role("button", name="Search").click()
    expect(search.locator(".offer")).to_have_count(20, timeout=10_000)
    after = fitted_height(page, "/frames/domain-search")
    frame = content_frame(page, "/frames/domain-search")
    assert after > before + 600, (before, after)
    # All of the frame shows: nothing scrolls inside it.
    assert frame.evaluate("document.documentElement.scrollHeight") <= after + 3

    # And back: a new, short page shrinks the frame again.
    page.evaluate("storefrontSearch('')")
    expect(search.locator(".offer")).to_have_count(0)
    assert abs(fitted_height(page, "/frames/domain-search") - before) <= 3


# -- 4. login and signup without third-party cookies ---------------------------------------------


@pytest.fixture
def ann(shop):
    """Ann has an account at Acme; another Ann, with another password, at Globex."""
    subscribers.register(shop.acme, "ann@example.com", PASSWORD, "Ann Acme")
    subscribers.register(shop.globex, "ann@example.com", "globex's password", "Ann Globex")
    db.session.commit()


def test_a_login_in_the_frame_ends_in_the_subscriber_panel_first_party(shop, page: Page,
                                                                       ann):
    page.goto(shop.page("/", "<h1>Partner</h1>" + shop.embed("user-login")))
    login = page.frame_locator("iframe")
    expect(login.get_by_role("heading", name="Log in to Acme Hosting")).to_be_visible()
    # This browser blocks third-party cookies: the frame cannot keep one.
    assert content_frame(page, "/frames/user-login").evaluate(COOKIE_PROBE) == ""

    login.get_by_label("E-mail").fill("ann@example.com")
    login.get_by_label("Password").fill(PASSWORD)
    login.get_by_role("button", name="Log in").click()

    expect(page).to_have_url(shop.url("acme", "/account/"))
    expect(page.get_by_role("heading", name="Hello, Ann Acme")).to_be_visible()
    # Now first-party: the same cookie sticks, and the session is Acme's own.
    assert "probe=1" in page.evaluate(COOKIE_PROBE)
    assert {c["domain"] for c in page.context.cookies()} == {"acme.localhost"}


def test_a_login_in_a_plain_iframe_continues_with_a_click(shop, page: Page, ann):
    src = shop.url("acme", "/frames/user-login")
    page.goto(shop.page("/", f'<iframe src="{src}" title="Log in" height="400"></iframe>'))
    login = page.frame_locator("iframe")

    # Globex's password is not Acme's: the accounts are the partners' own.
    login.get_by_label("E-mail").fill("ann@example.com")
    login.get_by_label("Password").fill("globex's password")
    login.get_by_role("button", name="Log in").click()
    expect(login.get_by_role("alert")).to_have_text("Wrong e-mail or password.")

    login.get_by_label("Password").fill(PASSWORD)
    login.get_by_role("button", name="Log in").click()
    expect(login.get_by_text("Welcome, Ann Acme!")).to_be_visible()
    # The session cookie the frame was sent did not stick (third-party), and nothing moved the
    # top window without embed.js.
    assert page.context.cookies() == []
    assert page.url == shop.url("partner", "/")

    login.get_by_role("link", name="Continue to your account").click()
    # A link alone logs no one in (anyone could send one): the top window shows whose account it
    # is and asks for a click.
    expect(page.get_by_role("heading", name="Continue as Ann Acme?")).to_be_visible()
    expect(page.get_by_text("ann@example.com")).to_be_visible()
    page.get_by_role("button", name="Continue as Ann Acme").click()
    expect(page).to_have_url(shop.url("acme", "/account/"))
    expect(page.get_by_role("heading", name="Hello, Ann Acme")).to_be_visible()


def test_a_signup_in_the_frame_ends_in_the_subscriber_panel(shop, page: Page):
    page.goto(shop.page("/", shop.embed("user-register")))
    register = page.frame_locator("iframe")
    register.get_by_label("Your name").fill("Bob Builder")
    register.get_by_label("E-mail").fill("bob@example.com")
    register.get_by_label("Password").fill(PASSWORD)
    register.get_by_role("button", name="Create account").click()

    expect(page).to_have_url(shop.url("acme", "/account/"))
    expect(page.get_by_role("heading", name="Hello, Bob Builder")).to_be_visible()
    db.session.rollback()  # read what the server committed
    assert subscribers.find(shop.acme, "bob@example.com") is not None
    assert subscribers.find(shop.globex, "bob@example.com") is None


# -- 5. messages from strangers ------------------------------------------------------------------


def test_messages_from_other_windows_are_ignored_on_both_sides(shop, page: Page):
    evil = shop.page("/stranger", "<p>A stranger</p>", host="evil")
    sibling = shop.url("acme", "/frames/pricing?group=popular")
    page.goto(shop.page("/", shop.embed("domain-search", group="popular")
                        + f'<iframe src="{evil}"></iframe><iframe src="{sibling}"></iframe>'))
    search = page.frame_locator("iframe[src*='/frames/domain-search']")
    expect(search.get_by_label("Domain name")).to_be_editable()
    expect(page.frame_locator("iframe[src*='/frames/pricing']").locator("table")).to_be_visible()
    settled = fitted_height(page, "/frames/domain-search")
    frame = content_frame(page, "/frames/domain-search")

    resize = "{type: 'storefront:resize', height: 5000}"
    away = (f"{{type: 'storefront:handoff', url: '{shop.url('evil', '/stranger')}',"
            f" token: 'x'}}")
    # (a) The partner's page itself, a stranger's frame, and another frame of the storefront's
    # origin (not the one embed.js made) all try to resize the frame or move the top window.
    page.evaluate(f"window.postMessage({resize}, '*')")
    for frame_url in (evil, sibling):
        stranger = content_frame(page, frame_url)
        stranger.evaluate(f"parent.postMessage({resize}, '*')")
        stranger.evaluate(f"parent.postMessage({away}, '*')")
    # (b) Strangers send the search frame a search: only its parent may.
    stranger = content_frame(page, evil)
    stranger.evaluate("""() => { for (let i = 0; i < parent.frames.length; i++)
        parent.frames[i].postMessage({type: 'storefront:search', q: 'taken-x'}, '*'); }""")
    frame.evaluate("window.postMessage({type: 'storefront:search', q: 'taken-x'}, '*')")

    page.wait_for_timeout(500)
    assert height(page, "/frames/domain-search") == settled
    assert page.url == shop.url("partner", "/")
    expect(search.locator(".offer")).to_have_count(0)
    assert "q=" not in content_frame(page, "/frames/domain-search").url

    page.evaluate("storefrontSearch('free-abc')")
    expect(search.locator(".offer", has_text="free-abc.com")).to_contain_text("300.00")
    expect(search.get_by_label("Domain name")).to_have_value("free-abc")


# -- 6. the order frame hands a signed cart to the storefront ------------------------------------


def test_an_order_in_the_frame_lands_in_the_storefronts_cart(shop, page: Page):
    page.goto(shop.page("/", shop.embed("domain-search", group="popular")))
    search = page.frame_locator("iframe")
    search.get_by_label("Domain name").fill("free-abc")
    search.get_by_role("button", name="Search").click()
    search.locator(".offer", has_text="free-abc.com").get_by_role("link", name="Add").click()

    expect(search.get_by_role("heading", name="Your order")).to_be_visible()
    line = search.locator("tbody tr")
    expect(line).to_have_count(1)
    expect(line).to_contain_text("free-abc.com")
    expect(line).to_contain_text("300.00")
    # "Go to checkout" posts the signed cart to the storefront's top window (a POST: no GET
    # changes a cart), which adds it at once because it comes from the storefront's own frame.
    checkout = search.locator("form.frame-checkout")
    assert checkout.get_attribute("action") == shop.url("acme", "/cart/import")
    assert checkout.get_attribute("method") == "post"
    signed = checkout.locator("input[name=c]").get_attribute("value") or ""
    assert signed
    assert page.context.cookies() == []  # the cart travels in the form, not in a cookie

    search.get_by_role("button", name="Go to checkout").click()
    expect(page).to_have_url(shop.url("acme", "/cart/"))
    expect(page.locator("table")).to_contain_text("free-abc.com")

    # Acme's signed cart means nothing at Globex.
    page.goto(shop.url("globex", f"/cart/import?c={signed}"))
    expect(page).to_have_url(shop.url("globex", "/cart/"))
    expect(page.get_by_text("That cart link has expired.")).to_be_visible()
    expect(page.get_by_text("free-abc.com")).to_have_count(0)


# -- 7. weight -----------------------------------------------------------------------------------


def test_the_search_frame_is_light_and_framework_free(shop, page: Page):
    responses: list[Response] = []
    page.on("response", lambda response: responses.append(response))
    page.goto(shop.page("/", shop.embed("domain-search", group="everything", q="free-abc")))
    search = page.frame_locator("iframe")
    expect(search.locator(".offer")).to_have_count(20)
    fitted_height(page, "/frames/domain-search")
    frame = content_frame(page, "/frames/domain-search")

    ours = [r for r in responses if r.url.startswith(shop.url("acme", "/"))]
    kinds = {"text/html", "text/css", "text/javascript", "application/javascript"}
    sizes = {r.url: len(r.body()) for r in ours
             if r.headers.get("content-type", "").split(";")[0] in kinds}
    assert sum(sizes.values()) < 25_000, sizes
    assert any("/frames/domain-search" in url for url in sizes), sizes
    scripts = sorted(url.split("/")[-1] for url in sizes if url.endswith(".js"))
    assert [s.split(".")[0] for s in scripts] == ["embed", "frame"], scripts
    # Inside the frame: frame.js and nothing else, no inline script.
    inside = frame.evaluate("[...document.scripts].map(s => s.src)")
    assert len(inside) == 1 and "/static/widgets/frame." in inside[0], inside
