"""What a storefront shows, loaded once and cached per process as plain dicts and tuples.

Every loader names its partner (`scoped`), and `partner_cached` keeps the result until it expires or
the data it was built from changes (`storefront.caches`), so a warm storefront page needs no
database query. A slug that names no page is not kept per slug: the first miss keeps the set of the
partner's published slugs, and later misses are answered from it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from cms_pages.models import Page
from cms_pages.rendering import render_body
from storefront.caches import ALL_KINDS, CONTENT
from storefront.db import db
from storefront.models import Ad
from storefront.tenancy import Site, partner_cached, partner_cached_get, scoped

STOREFRONT_PLACEMENTS = ("banner", "sidebar")
_FROM_CONTENT = frozenset({CONTENT})


def menu(site: Site) -> tuple[dict[str, str], ...]:
    """Published pages shown in the menu, by menu position: ({"title", "href"}, …)."""
    return partner_cached(
        site.partner_id, "cms:menu", lambda: _links(site.partner_id, Page.show_in_menu),
        _FROM_CONTENT,
    )


def footer_links(site: Site) -> tuple[dict[str, str], ...]:
    return partner_cached(
        site.partner_id, "cms:footer", lambda: _links(site.partner_id, Page.show_in_footer),
        _FROM_CONTENT,
    )


def _links(partner_id: int, flag) -> tuple[dict[str, str], ...]:
    query = (
        select(Page.slug, Page.title, Page.menu_title)
        .where(Page.partner_id == partner_id, Page.published, flag)
        .order_by(Page.menu_position, Page.id)
    )
    return tuple(
        {"title": menu_title or title, "href": f"/{slug}"}
        for slug, title, menu_title in db.session.execute(query)
    )


def published_page(site: Site, slug: str) -> dict[str, Any] | None:
    """The published page with this slug, its body rendered, or None."""
    published = partner_cached_get(site.partner_id, "cms:slugs")
    if published is not None and slug not in published:
        return None
    # A page shows the partner's name and contacts and may hold a price table: built from it all.
    page = partner_cached(
        site.partner_id, f"cms:page:{slug}", lambda: _load_page(site, slug), ALL_KINDS
    )
    if page is None:
        partner_cached(site.partner_id, "cms:slugs", lambda: _published_slugs(site.partner_id),
                       _FROM_CONTENT)
    return page


def _published_slugs(partner_id: int) -> frozenset[str]:
    query = select(Page.slug).where(Page.partner_id == partner_id, Page.published)
    return frozenset(db.session.scalars(query))


def _load_page(site: Site, slug: str) -> dict[str, Any] | None:
    page = db.session.scalar(scoped(Page, site.partner_id).where(Page.slug == slug, Page.published))
    return None if page is None else page_view(page, site)


def page_view(page: Page, site: Site) -> dict[str, Any]:
    """A page as a theme shows it: plain values, the body already rendered and sanitised."""
    return {
        "slug": page.slug,
        "title": page.title,
        "seo_title": page.seo_title or _default_title(page, site),
        "seo_description": page.seo_description,
        "body_html": render_body(page.body, site),
        "is_home": page.slug == "",
    }


def _default_title(page: Page, site: Site) -> str:
    return site.name if page.slug == "" else f"{page.title} · {site.name}"


def active_ads(site: Site, today: date | None = None) -> dict[str, tuple[dict[str, str], ...]]:
    """Today's enabled ads for the storefront, by placement."""
    today = today or date.today()
    return partner_cached(
        site.partner_id, f"ads:{today.isoformat()}", lambda: _load_ads(site.partner_id, today),
        _FROM_CONTENT,
    )


def panel_ads(site: Site, today: date | None = None) -> tuple[dict[str, str], ...]:
    """Today's enabled ads for the subscriber panel."""
    today = today or date.today()
    return partner_cached(
        site.partner_id,
        f"ads:account:{today.isoformat()}",
        lambda: _load_ads(site.partner_id, today, ("account",))["account"],
        _FROM_CONTENT,
    )


def _load_ads(partner_id: int, today: date, placements: tuple[str, ...] = STOREFRONT_PLACEMENTS
              ) -> dict[str, tuple[dict[str, str], ...]]:
    query = scoped(Ad, partner_id).where(Ad.placement.in_(placements)).order_by(Ad.id)
    ads: dict[str, list[dict[str, str]]] = {placement: [] for placement in placements}
    for ad in db.session.scalars(query):
        if not ad.is_active_on(today):
            continue
        link = ad.link_url if ad.link_url.startswith(("https://", "http://")) else ""
        ads[ad.placement].append(
            {
                "kind": "image" if ad.kind == "image" and ad.image_sha else "text",
                "title": ad.title,
                "body": ad.body,
                "image_sha": ad.image_sha or "",
                "link": link,
            }
        )
    return {placement: tuple(items) for placement, items in ads.items()}


def theme_context(site: Site) -> dict[str, Any]:
    """Everything a themed storefront page needs besides the page itself."""
    return {"menu": menu(site), "footer_links": footer_links(site), "ads": active_ads(site)}
