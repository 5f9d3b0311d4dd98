"""Whole-page cache for anonymous visitors of a storefront, per process, for a few seconds.

A storefront page that a visitor without cookies gets is the same for every such visitor, so it is
rendered once and served from memory until it expires or any partner data is committed in this
process (tenancy clears its caches then). Pages that used a CSP nonce, set a cookie or are not a
plain 200 are never stored.
"""

from __future__ import annotations

from flask import Response, g, request

from storefront.tenancy import partner_cached_get, partner_cached_put

CACHEABLE_ENDPOINTS = {"home", "site.page"}
SECONDS = 10.0


def _key() -> str | None:
    if request.method != "GET" or request.cookies or request.endpoint not in CACHEABLE_ENDPOINTS:
        return None
    return f"page:{request.host}:{request.full_path}"


def lookup(partner_id: int) -> Response | None:
    key = _key()
    if key is None:
        return None
    g.page_cache_key = key
    hit = partner_cached_get(partner_id, key)
    if hit is None:
        return None
    body, content_type = hit
    g.page_cache_hit = True
    return Response(body, 200, content_type=content_type)


def store(response: Response) -> Response:
    key = g.get("page_cache_key")
    site = g.get("site")
    if (
        key is None
        or site is None
        or g.get("page_cache_hit")
        or "csp_nonce" in g
        or response.status_code != 200
        or response.direct_passthrough
        or "Set-Cookie" in response.headers
        or g.get("_login_user") is not None and g._login_user.is_authenticated
    ):
        return response
    partner_cached_put(site.partner_id, key, (response.get_data(), response.content_type), SECONDS)
    return response
