"""Which host serves what: the platform host, a partner's storefront hosts, or nothing at all.

Every request passes `gate()` first. An unknown or malformed host gets a neutral 404 that names no
partner; a suspended partner's hosts answer "temporarily unavailable"; a partner's non-primary
domains redirect (301) to its primary one, except for frames and assets, which serve on every host.
"""

from __future__ import annotations

import hashlib
from functools import cache

from flask import Flask, Response, abort, g, redirect, request
from werkzeug.routing import IntegerConverter

from storefront import ROOT, page_cache
from storefront.tenancy import Site, enter_tenant, partner_url, resolve_host

# Blueprints that exist only on the platform host, and ones that exist only on partner hosts.
PLATFORM_ONLY = {"platform", "panel", "cms_panel", "billing_panel", "billing_pricing", "admin",
                 "stripe_connect", "stripe_webhook", "billing_panel_documents"}
STOREFRONT_ONLY = {"site", "frames", "account", "billing_account", "cart",
                   "billing_account_documents", "billing_domains"}
SERVED_ON_EVERY_PARTNER_HOST = {"frames", "site.asset", "site.palette", "frames_static",
                                "favicon"}
PLATFORM_FAVICON = ROOT / "storefront" / "static" / "favicon.ico"
# /favicon.ico keeps its address when the icon changes: kept a day, not for good.
FAVICON_MAX_AGE = 24 * 3600


# Answered on any Host: Caddy asks by address (http://127.0.0.1:8000/…), before any partner exists
# for the name it asks about. The answer is an indexed lookup that reveals nothing but yes or no.
ANY_HOST = {"platform.tls_allowed"}


def gate():
    if request.endpoint in ANY_HOST:
        return None
    match = resolve_host(request.headers.get("Host"))
    if match is None:
        g.neutral = True
        abort(404)
    blueprint = request.blueprint
    if match.site is None:
        if blueprint in STOREFRONT_ONLY:
            abort(404)
        return None
    site = match.site
    g.site = site
    enter_tenant(site.partner_id)
    if site.suspended:
        g.neutral = True
        abort(503)
    if blueprint in PLATFORM_ONLY:
        abort(404)
    if not match.is_primary and not (
        blueprint in SERVED_ON_EVERY_PARTNER_HOST
        or request.endpoint in SERVED_ON_EVERY_PARTNER_HOST
    ):
        path = request.full_path if request.query_string else request.path
        return redirect(partner_url(site, path), code=301)
    return page_cache.lookup(site.partner_id)


def home():
    """`/` is the platform's page on the platform host and the storefront's home elsewhere."""
    from storefront.platform.views import platform_home
    from storefront.site.views import storefront_home

    return storefront_home() if g.get("site") else platform_home()


class AsciiIntegerConverter(IntegerConverter):
    """`<int:…>` in the digits 0-9 only: Werkzeug's `\\d+` also matches "٣" (page 3)."""

    regex = r"[0-9]+"


def favicon() -> Response:
    """/favicon.ico, which browsers ask every host for: the platform's icon on the platform host;
    on a storefront the partner's own favicon, never the platform's (storefronts are white-label),
    and 404 for a partner without one (its pages then tell browsers not to ask)."""
    from storefront.site.views import asset_response

    site: Site | None = g.get("site")
    if site is None:
        data = _platform_favicon()
        response = Response(data, mimetype="image/x-icon")
        response.set_etag(hashlib.sha256(data).hexdigest())
        response.make_conditional(request)
    elif site.favicon_sha:
        response = asset_response(site, site.favicon_sha)
    else:
        abort(404)
    response.headers["Cache-Control"] = f"public, max-age={FAVICON_MAX_AGE}"
    return response


@cache
def _platform_favicon() -> bytes:
    return PLATFORM_FAVICON.read_bytes()


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = AsciiIntegerConverter
    app.before_request(gate)
    app.after_request(page_cache.store)
    app.add_url_rule("/", "home", home, methods=["GET", "POST"])
    app.add_url_rule("/favicon.ico", "favicon", favicon)
