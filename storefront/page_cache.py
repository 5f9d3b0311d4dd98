"""Whole-page cache for anonymous visitors of a storefront, per process, for a few seconds.

A storefront page that a visitor without cookies gets is the same for every such visitor, so it is
rendered once and served from memory (`caches.pages`, one entry per partner and path) until it
expires (`PAGE_CACHE_SECONDS`, at most `HOST_CACHE_SECONDS`; 0 turns this cache off) or the
partner's site, content or catalogue changes in this process. Pages that used a CSP nonce, set a
cookie or are not a plain 200 are never stored, nor is an address with a query string, which would
let anyone fill the cache with copies of one page.
"""

from __future__ import annotations

from flask import Response, current_app, g, request

from storefront.caches import ALL_KINDS, caches_of

CACHEABLE_ENDPOINTS = {"home", "site.page"}


def _key() -> str | None:
    if (
        request.method != "GET"
        or request.cookies
        or request.query_string
        or request.endpoint not in CACHEABLE_ENDPOINTS
    ):
        return None
    # Only a partner's primary host gets this far (routing.gate), so the path names the page.
    return request.path


def lookup(partner_id: int) -> Response | None:
    key = _key()
    if key is None:
        return None
    pages = caches_of(current_app).pages
    g.page_cache_key = (key, pages.generation)
    hit = pages.get((partner_id, key))
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
    path, generation = key
    caches_of(current_app).pages.put((site.partner_id, path), (response.get_data(),
                                     response.content_type), site.partner_id, ALL_KINDS,
                                     generation)
    return response
