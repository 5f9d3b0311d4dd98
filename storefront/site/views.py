"""The storefront: the home page, published CMS pages, the domain search, partner assets."""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

from flask import Blueprint, Response, abort, g, request

from storefront.db import db
from storefront.i18n import select_locale
from storefront.models import Asset
from storefront.money import Money
from storefront.palette import css_variables
from storefront.services import domain_search
from storefront.site.cart import shop_subscriber
from storefront.site.content import published_page, theme_context
from storefront.tenancy import Site, Tenant, scoped
from storefront.themes import render_theme

bp = Blueprint("site", __name__)

SHA256 = re.compile(r"^[0-9a-f]{64}$")
# An SVG is shown as an image only: no scripts, no external loads, even when opened directly.
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


@bp.app_template_global()
def palette_css(site: Site) -> str:
    """The partner's colours as CSS custom properties."""
    return _stylesheet(site.palette)[0]


@bp.app_template_global()
def palette_url(site: Site) -> str:
    """The partner's colours as a stylesheet named by its content: cached for good by browsers, and
    no inline <style>, so a page needs no CSP nonce and the page cache can keep it."""
    return f"/palette/{_palette_digest(site)}.css"


def _palette_digest(site: Site) -> str:
    return _stylesheet(site.palette)[1]


@lru_cache(maxsize=4096)
def _stylesheet(palette: tuple[tuple[str, str], ...]) -> tuple[str, str]:
    """(CSS, its digest) of a palette: made once per process, not on every frame rendered."""
    css = css_variables(palette)
    return css, hashlib.sha256(css.encode()).hexdigest()[:16]


@bp.route("/palette/<digest>.css")
def palette(digest: str) -> Response:
    response = Response(palette_css(g.site), mimetype="text/css")
    if digest == _palette_digest(g.site):
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    else:  # an address from before the palette changed: the current colours, not kept
        response.headers["Cache-Control"] = "no-cache"
    return response


def storefront_home() -> str:
    return _render_page(g.site, "")


@bp.route("/<slug>")
def page(slug: str) -> str:
    return _render_page(g.site, slug)


def _render_page(site: Site, slug: str) -> str:
    page = published_page(site, slug)
    if page is None:
        abort(404)
    return render_theme(site, "page.html", page=page, **theme_context(site))


@bp.route("/search")
def search() -> str:
    """GET /search?q=&group=&tld=: the search box, then the results for q across the group."""
    submitted = "q" in request.args
    try:
        result = domain_search.search(
            g.site,
            request.args.get("q", "") if submitted else "",
            request.args.get("group") or None,
            tld=request.args.get("tld") or None,
            subscriber=shop_subscriber(),
        )
    except domain_search.GroupNotFound:
        abort(404)
    return render_theme(
        g.site,
        "search.html",
        result=result,
        submitted=submitted,
        query=result.query,
        search_group=result.group,
        money=_money,
        **theme_context(g.site),
    )


def _money(amount_minor: int, currency: str) -> str:
    """A price as the page shows it, in the page's locale (English on the storefront for now)."""
    return Money(amount_minor, currency).format(select_locale())


@bp.route("/assets/<sha>")
def asset(sha: str) -> Response:
    return asset_response(g.site, sha)


def asset_response(partner: Tenant, sha: str) -> Response:
    """One of this partner's assets, with far-future caching; 404 for anything else."""
    if not SHA256.match(sha):
        abort(404)
    found = db.session.scalar(scoped(Asset, partner.id).where(Asset.sha256 == sha))
    if found is None:
        abort(404)
    response = Response(found.data, mimetype=found.content_type)
    response.set_etag(sha)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    response.headers["X-Content-Type-Options"] = "nosniff"
    if found.content_type == "image/svg+xml":
        response.headers["Content-Security-Policy"] = SVG_POLICY
    response.make_conditional(request)
    return response
