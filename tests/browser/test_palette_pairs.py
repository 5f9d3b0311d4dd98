"""Every pair of palette colours a visitor reads, measured in Chromium on the real pages: each
element showing text, its colour and the colour painted behind it (its own background or the
nearest ancestor's), mapped back to palette slots. The contrast check (palette.PAINTED_PAIRS)
must cover every one of them and warn about none that no page paints; and the pages visited must
show every rule of the stylesheets that paints in palette colours, so no rule can hide a pair."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page

from cms_pages.services import PageFields, create_page, set_published
from storefront import palette
from storefront.db import db
from storefront.services import ads, catalog, subscribers
from tests.stylesheets import palette_rules, stylesheets

pytestmark = pytest.mark.browser

# One distinct colour per slot, so a computed colour names its slot.
UNIQUE = {"primary": "#110001", "accent": "#220002", "background": "#fefef0",
          "surface": "#eeeee1", "text": "#330003", "header": "#440004", "header_text": "#f0f0e5",
          "link": "#550005", "button": "#660006", "button_text": "#e0e0d5"}
SLOT_OF = {",".join(str(int(hex_[i:i + 2], 16)) for i in (1, 3, 5)): slot
           for slot, hex_ in UNIQUE.items()}
PASSWORD = "a long password"
STYLED_BODY = "> A quote\n\nSome `code` and a [link](/).\n\n```\npreformatted\n```\n"

# Each element with text of its own (or a form field): [its colour, [colours behind it]] as "r,g,b".
PAINTED = """() => {
  const rgb = text => {
    const m = text.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const parts = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return {rgb: parts.slice(0, 3).join(","), alpha: parts.length > 3 ? parts[3] : 1};
  };
  const behind = element => {
    for (let e = element; e; e = e.parentElement) {
      const style = getComputedStyle(e);
      const stops = [...style.backgroundImage.matchAll(/rgba?\\([^)]+\\)/g)];
      if (stops.length) return stops.map(m => rgb(m[0]).rgb);
      const colour = rgb(style.backgroundColor);
      if (colour && colour.alpha > 0) return [colour.rgb];
    }
    return ["255,255,255"];
  };
  const found = [];
  for (const element of document.querySelectorAll("body, body *")) {
    const text = [...element.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!text && !element.matches("input:not([type=hidden]), select, textarea")) continue;
    const box = element.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1 || getComputedStyle(element).visibility === "hidden") {
      continue;
    }
    found.push([rgb(getComputedStyle(element).color).rgb, behind(element)]);
  }
  return found;
}"""
MATCHES = "selectors => selectors.filter(s => document.querySelector(s) !== null)"


@pytest.fixture
def painted_shops(shop):
    """Acme on the classic theme, Globex on the minimal one; both with ads and a subscriber."""
    shop.globex.theme = "minimal"
    catalog.create_group(shop.globex, "Globex more", ["net"])  # two groups: the group tabs
    for partner in (shop.acme, shop.globex):
        partner.palette = UNIQUE
        ads.create_ad(partner, ads.AdInput(kind="text", title="Banner offer", body="Cheap .pl",
                                           link_url="https://example.com/a", placement="banner"))
        ads.create_ad(partner, ads.AdInput(kind="text", title="Side offer", body="Hosting",
                                           link_url="https://example.com/b", placement="sidebar"))
        subscribers.register(partner, "ann@example.com", PASSWORD, "Ann")
        styled = create_page(partner, PageFields(title="Styles", slug="styles", body=STYLED_BODY))
        set_published(partner, styled, True)
    db.session.commit()
    return shop


class Walk:
    """What the visited pages painted, per stylesheet, and which of its selectors they showed."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.pairs: dict[str, set[tuple[str, str]]] = {}
        self.shown: dict[str, set[str]] = {}

    def visit(self, sheet: str, url: str | None = None) -> None:
        if url:
            self.page.goto(url)
        self._measure(sheet)
        self.page.keyboard.press("Tab")  # the skip link, painted only while focused
        self._measure(sheet)

    def _measure(self, sheet: str) -> None:
        for fg, backgrounds in self.page.evaluate(PAINTED):
            for bg in backgrounds:
                if fg in SLOT_OF and bg in SLOT_OF:
                    self.pairs.setdefault(sheet, set()).add((SLOT_OF[fg], SLOT_OF[bg]))
        selectors = sorted(selectors_of(sheet))
        self.shown.setdefault(sheet, set()).update(self.page.evaluate(MATCHES, selectors))


def selectors_of(sheet: str) -> set[str]:
    """The sheet's selectors that paint in palette colours, without :hover, :focus and the like
    (the element they style must be on some page)."""
    found = set()
    for path in stylesheets()[sheet]:
        for rule in palette_rules(path.read_text()):
            found.update(re.sub(r"::?[a-z-]+(\([^)]*\))?", "", s).strip() for s in rule.selectors)
    return found - {""}


def storefront_walk(walk: Walk, sheet: str, base: str) -> None:
    for path in ("/", "/contact", "/search", "/search?q=my+shop", "/search?q=premium-shop.com",
                 "/search?q=taken-name", "/search?q=name.nosuchtld", "/no-such-page",
                 "/styles", "/account/login"):
        walk.visit(sheet, base + path)
    walk.page.goto(base + "/search?q=free-name.com")
    walk.page.locator(".add-to-cart").first.click()
    walk.visit(sheet, base + "/cart/")
    walk.page.goto(base + "/account/login")
    walk.page.get_by_label("E-mail").fill("ann@example.com")
    walk.page.get_by_label("Password").fill(PASSWORD)
    walk.page.get_by_role("button", name="Log in").click()
    walk.visit(sheet, base + "/account/")
    walk.page.get_by_role("button", name="Send the link again").click()  # a flashed notice
    walk.visit(sheet)
    walk.visit(sheet, base + "/account/billing/")  # a select, radio choices


def frames_walk(walk: Walk, base: str) -> None:
    for path in ("/frames/domain-search?group=popular&q=my+shop",
                 "/frames/domain-search?group=everything&q=taken-name.com",
                 "/frames/pricing?group=popular", "/frames/user-login", "/frames/user-register"):
        walk.visit(palette.FRAMES, base + path)
    walk.page.goto(base + "/frames/domain-search?group=popular&q=free-name")
    walk.page.get_by_role("link", name="Add").first.click()  # the order frame, with its cart
    walk.visit(palette.FRAMES)


def test_every_palette_pair_on_the_pages_is_checked(painted_shops, page: Page):
    walk = Walk(page)
    storefront_walk(walk, "classic", painted_shops.url("acme"))
    storefront_walk(walk, "minimal", painted_shops.url("globex"))
    frames_walk(walk, painted_shops.url("acme"))

    for sheet in ("classic", "minimal", palette.FRAMES):
        checked = set(palette.PAINTED_PAIRS[sheet])
        assert not walk.pairs[sheet] - checked, f"{sheet} paints pairs the check misses"
        # and the check warns about nothing the pages never paint
        assert not checked - walk.pairs[sheet], f"{sheet} never paints these checked pairs"
        not_shown = selectors_of(sheet) - walk.shown[sheet]
        assert not not_shown, f"no page visited shows these {sheet} rules: {sorted(not_shown)}"
    assert ("text", "accent") in walk.pairs["classic"]  # the banner ads
