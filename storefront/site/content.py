"""What a storefront shows, loaded in one query and cached per process as plain dicts and tuples.

A storefront nobody visited lately (the usual case across thousands of small storefronts) costs
one query for what every page shows (menu, footer, the published slugs, ads) together with the
page asked for, whose body was rendered to HTML when it was saved (`Page.body_html`). Every query
names its partner, and `partner_cached` keeps the result until it expires or the data it was built
from changes (`storefront.caches`), so a warm storefront page needs no database query. A slug that
names no page is answered from the kept set of published slugs, never kept per slug.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    Row,
    Select,
    String,
    bindparam,
    case,
    cast,
    false,
    literal_column,
    null,
    select,
    union_all,
)

from cms_pages.models import Page
from cms_pages.rendering import render_body, stored_html
from storefront.caches import ALL_KINDS, CONTENT, caches_of
from storefront.db import prepared, read_committed
from storefront.models import Ad
from storefront.models.branding import shows_on
from storefront.tenancy import Site, partner_cache_put, partner_cached, partner_cached_get

STOREFRONT_PLACEMENTS = ("banner", "sidebar")
_FROM_CONTENT = frozenset({CONTENT})
_INDEX = "cms:index"


@dataclass(frozen=True)
class _Index:
    """What every page of a storefront shows, from its pages and ads."""

    menu: tuple[dict[str, str], ...]
    footer: tuple[dict[str, str], ...]
    slugs: frozenset[str]
    ads: tuple[dict[str, Any], ...]  # every ad, with its placement and dates


def menu(site: Site) -> tuple[dict[str, str], ...]:
    """Published pages shown in the menu, by menu position: ({"title", "href"}, …)."""
    return _index(site).menu


def footer_links(site: Site) -> tuple[dict[str, str], ...]:
    return _index(site).footer


def published_page(site: Site, slug: str) -> dict[str, Any] | None:
    """The published page with this slug, its body rendered, or None."""
    key = f"cms:page:{slug}"
    page = partner_cached_get(site.partner_id, key)
    if page is not None:
        return page
    index = partner_cached_get(site.partner_id, _INDEX)
    if index is not None and slug not in index.slugs:
        return None
    generation = caches_of(current_app).content.generation
    if index is None:
        index, row = _load(site, slug)
    else:
        row = next(iter(read_committed(_ONE_PAGE, {"partner_id": site.partner_id, "slug": slug})),
                   None)
    if row is None:
        return None
    # A page shows the partner's name and contacts and may hold a price table: built from it all.
    page = _page_view(row.slug, row.title, row.seo_title, row.seo_description,
                      row.body_html or stored_html(row.body), site)
    partner_cache_put(site.partner_id, key, page, ALL_KINDS, generation)
    return page


def _index(site: Site) -> _Index:
    return partner_cached(site.partner_id, _INDEX, lambda: _load(site, None)[0], _FROM_CONTENT)


def _load(site: Site, slug: str | None) -> tuple[_Index, Row | None]:
    """One query: every published page's menu entry and every ad, and the page with this slug
    (its stored body) if it is published. Keeps the index; returns it and the page's row."""
    generation = caches_of(current_app).content.generation
    rows = read_committed(_PAGES_AND_ADS, {"partner_id": site.partner_id, "slug": slug})
    page_rows = sorted((r for r in rows if r.kind == "page"), key=lambda r: (r.menu_position, r.id))
    index = _Index(
        menu=tuple(_link(r) for r in page_rows if r.show_in_menu),
        footer=tuple(_link(r) for r in page_rows if r.show_in_footer),
        slugs=frozenset(r.slug for r in page_rows),
        ads=tuple(_ad(r) for r in sorted((r for r in rows if r.kind == "ad"), key=lambda r: r.id)),
    )
    partner_cache_put(site.partner_id, _INDEX, index, _FROM_CONTENT, generation)
    page = next((r for r in page_rows if r.slug == slug), None) if slug is not None else None
    return index, page


def _pages() -> Select:
    """The partner's published pages; only the page named by `slug` brings its body (and its
    Markdown too while its HTML is not kept yet)."""
    slug = bindparam("slug", type_=String)
    empty: ColumnElement[str] = literal_column("''")
    return select(
        literal_column("'page'").label("kind"), Page.slug, Page.title, Page.menu_title,
        Page.seo_title, Page.seo_description,
        case((Page.slug == slug, Page.body_html), else_=empty).label("body_html"),
        case(((Page.slug == slug) & (Page.body_html == empty), Page.body), else_=empty)
        .label("body"),
        Page.menu_position, Page.id, Page.show_in_menu, Page.show_in_footer,
        cast(null(), Date).label("starts_on"), cast(null(), Date).label("ends_on"),
    ).where(Page.partner_id == bindparam("partner_id"), Page.published)


def _ads() -> Select:
    """Every ad of the partner, in the columns of `_pages`."""
    return select(
        literal_column("'ad'").label("kind"), Ad.placement.label("slug"), Ad.title,
        Ad.kind.label("menu_title"), Ad.image_sha.label("seo_title"),
        Ad.link_url.label("seo_description"), Ad.body.label("body_html"),
        cast(null(), String).label("body"), cast(null(), Integer).label("menu_position"), Ad.id,
        Ad.enabled.label("show_in_menu"), false().label("show_in_footer"),
        Ad.starts_on, Ad.ends_on,
    ).where(Ad.partner_id == bindparam("partner_id"))


_PAGES_AND_ADS = prepared(union_all(_pages(), _ads()))
_ONE_PAGE = prepared(_pages().where(Page.slug == bindparam("slug")))


def _link(row: Row) -> dict[str, str]:
    return {"title": row.menu_title or row.title, "href": f"/{row.slug}"}


def _ad(row: Row) -> dict[str, Any]:
    link = row.seo_description or ""
    return {
        "placement": row.slug,
        "kind": "image" if row.menu_title == "image" and row.seo_title else "text",
        "title": row.title,
        "body": row.body_html,
        "image_sha": row.seo_title or "",
        "link": link if link.startswith(("https://", "http://")) else "",
        "enabled": bool(row.show_in_menu),
        "starts_on": row.starts_on,
        "ends_on": row.ends_on,
    }


def page_view(page: Page, site: Site) -> dict[str, Any]:
    """A page as a theme shows it (for the panel's preview): the body rendered and sanitised."""
    return _page_view(page.slug, page.title, page.seo_title, page.seo_description,
                      page.body_html or stored_html(page.body), site)


def _page_view(slug: str, title: str, seo_title: str, seo_description: str, body_html: str,
               site: Site) -> dict[str, Any]:
    default_title = site.name if slug == "" else f"{title} · {site.name}"
    return {
        "slug": slug,
        "title": title,
        "seo_title": seo_title or default_title,
        "seo_description": seo_description,
        "body_html": render_body(body_html, site),
        "is_home": slug == "",
    }


def active_ads(site: Site, today: date | None = None) -> dict[str, tuple[dict[str, str], ...]]:
    """Today's enabled ads for the storefront, by placement."""
    return _ads_on(site, today or date.today(), STOREFRONT_PLACEMENTS)


def panel_ads(site: Site, today: date | None = None) -> tuple[dict[str, str], ...]:
    """Today's enabled ads for the subscriber panel."""
    return _ads_on(site, today or date.today(), ("account",))["account"]


def _ads_on(site: Site, today: date, placements: tuple[str, ...]
            ) -> dict[str, tuple[dict[str, str], ...]]:
    ads: dict[str, list[dict[str, str]]] = {placement: [] for placement in placements}
    for ad in _index(site).ads:
        if ad["placement"] in ads and shows_on(today, ad["enabled"], ad["starts_on"],
                                               ad["ends_on"]):
            ads[ad["placement"]].append(ad)
    return {placement: tuple(items) for placement, items in ads.items()}


def theme_context(site: Site) -> dict[str, Any]:
    """Everything a themed storefront page needs besides the page itself."""
    return {"menu": menu(site), "footer_links": footer_links(site), "ads": active_ads(site)}
