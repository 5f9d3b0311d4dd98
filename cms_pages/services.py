"""Page operations: each takes the partner first, checks its input, flushes and never commits.

Bad input raises `InvalidInput(message, field)` before anything changes. Saving a page also keeps
its body as sanitised HTML (`Page.body_html`), so a storefront never parses Markdown per request.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import select

from cms_pages.models import Page
from cms_pages.rendering import stored_html
from storefront.db import db
from storefront.services.errors import InvalidInput
from storefront.tenancy import Tenant, get_for_partner, scoped

SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
SLUG_MAX = 80
BODY_MAX = 100_000
# Paths the storefront host serves itself, now or in a later issue: a page may not hide them.
RESERVED_SLUGS = frozenset(
    {
        "account", "admin", "api", "assets", "frames", "login", "logout", "panel", "search",
        "static", "widgets", ".well-known", "well-known", "checkout", "cart", "order",
        "robots.txt", "sitemap.xml", "favicon.ico",
    }
)


@dataclass(frozen=True)
class PageFields:
    """What an editor fills in for a page."""

    title: str
    slug: str
    menu_title: str = ""
    menu_position: int = 0
    show_in_menu: bool = True
    show_in_footer: bool = False
    seo_title: str = ""
    seo_description: str = ""
    body: str = ""


def get_page(partner: Tenant, page_id: object) -> Page:
    """The partner's page with this id, or 404."""
    return get_for_partner(Page, page_id, partner.id)


def list_pages(partner: Tenant) -> list[Page]:
    """All the partner's pages in menu order."""
    query = scoped(Page, partner.id).order_by(Page.menu_position, Page.id)
    return list(db.session.scalars(query))


def validate_slug(partner: Tenant, raw: str, page: Page | None = None) -> str:
    """One path segment of lower-case ASCII letters, digits and hyphens; "" is the home page."""
    slug = (raw or "").strip().lower()
    if "/" in slug or "\\" in slug or ".." in slug:
        raise InvalidInput("A slug is one path segment: no “/”, “\\” or “..”.", "slug")
    if not slug.isascii():
        odd = next(ch for ch in slug if not ch.isascii())
        name = unicodedata.name(odd, "a non-ASCII character").lower()
        raise InvalidInput(
            f"Use only the ASCII letters a-z, digits and hyphens: “{odd}” ({name}) is not one.",
            "slug",
        )
    if slug in RESERVED_SLUGS:
        raise InvalidInput(f"“{slug}” is a reserved path on your storefront; choose another slug.",
                           "slug")
    if slug and (len(slug) > SLUG_MAX or not SLUG_RE.fullmatch(slug)):
        raise InvalidInput(
            f"Use up to {SLUG_MAX} lower-case letters a-z, digits and single hyphens, "
            "not at either end.",
            "slug",
        )
    clash = scoped(Page, partner.id).where(Page.slug == slug)
    if page is not None and page.id is not None:
        clash = clash.where(Page.id != page.id)
    if db.session.scalar(clash) is not None:
        what = "a home page" if slug == "" else f"a page at /{slug}"
        raise InvalidInput(f"There is already {what}; choose another slug.", "slug")
    return slug


def _clean(partner: Tenant, fields: PageFields, page: Page | None) -> PageFields:
    title = (fields.title or "").strip()
    if not title:
        raise InvalidInput("Give the page a title.", "title")
    checks = (
        ("title", title, 200),
        ("menu_title", fields.menu_title.strip(), 60),
        ("seo_title", fields.seo_title.strip(), 200),
        ("seo_description", fields.seo_description.strip(), 300),
        ("body", fields.body, BODY_MAX),
    )
    for field, value, limit in checks:
        if len(value) > limit:
            raise InvalidInput(f"At most {limit} characters, please.", field)
    if not -10_000 <= fields.menu_position <= 10_000:
        raise InvalidInput("Use a menu position between -10000 and 10000.", "menu_position")
    return PageFields(
        title=title,
        slug=validate_slug(partner, fields.slug, page),
        menu_title=fields.menu_title.strip(),
        menu_position=fields.menu_position,
        show_in_menu=fields.show_in_menu,
        show_in_footer=fields.show_in_footer,
        seo_title=fields.seo_title.strip(),
        seo_description=fields.seo_description.strip(),
        body=fields.body.replace("\r\n", "\n"),
    )


def create_page(partner: Tenant, fields: PageFields) -> Page:
    """A new page, unpublished until the editor publishes it."""
    clean = _clean(partner, fields, None)
    page = Page(partner_id=partner.id, published=False, body_html=stored_html(clean.body),
                **clean.__dict__)
    db.session.add(page)
    db.session.flush()
    return page


def update_page(partner: Tenant, page: Page, fields: PageFields) -> Page:
    _own(partner, page)
    clean = _clean(partner, fields, page)
    for name, value in clean.__dict__.items():
        setattr(page, name, value)
    page.body_html = stored_html(clean.body)
    db.session.flush()
    return page


def set_published(partner: Tenant, page: Page, published: bool) -> Page:
    _own(partner, page)
    page.published = published
    db.session.flush()
    return page


def move(partner: Tenant, page: Page, direction: str) -> None:
    """Swap the page with its neighbour in menu order; positions are renumbered 10, 20, 30…"""
    _own(partner, page)
    if direction not in ("up", "down"):
        raise InvalidInput("Move a page up or down.", "direction")
    pages = list_pages(partner)
    index = pages.index(page)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(pages):
        pages[index], pages[other] = pages[other], pages[index]
    for position, each in enumerate(pages, start=1):
        each.menu_position = position * 10
    db.session.flush()


def delete_page(partner: Tenant, page: Page) -> None:
    _own(partner, page)
    db.session.delete(page)
    db.session.flush()


def render_stored_bodies(every: bool = False) -> int:
    """The platform's upkeep, across partners: keep `body_html` of the pages saved before it existed
    (`every`: of all pages, after the sanitiser's rules change). Returns how many were rendered."""
    query = select(Page)
    if not every:
        query = query.where(Page.body_html == "", Page.body != "")
    count = 0
    for page in db.session.scalars(query.execution_options(yield_per=500)):
        page.body_html = stored_html(page.body)
        count += 1
    db.session.flush()
    return count


def _own(partner: Tenant, page: Page) -> None:
    # Views load pages through get_page; this guards callers that do not.
    if page.partner_id != partner.id:
        raise LookupError("page of another partner")

