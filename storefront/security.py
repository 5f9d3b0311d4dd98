"""Security headers, the frame policy and cookie flags: set here, in one place, for every response.

A view that serves a frame sets `g.frame_ancestors` to the partner's allowed origins; every other
response forbids framing (`frame-ancestors 'none'` and `X-Frame-Options: DENY`).
"""

from __future__ import annotations

import ipaddress
import secrets
from urllib.parse import urlsplit

from flask import Flask, Response, abort, g, request
from flask.sessions import SecureCookieSessionInterface


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def local_path(target: str | None, default: str) -> str:
    """`target` if it is a path on this host, else `default`: a `next` parameter never sends a
    login elsewhere (`//host` and `/\\host` are other hosts to a browser)."""
    target = target or ""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    parts = urlsplit(target)
    return default if parts.scheme or parts.netloc else target


def allow_framing_by(origins: list[str] | tuple[str, ...]) -> None:
    g.frame_ancestors = tuple(origins)


def allow_frames_from(origins: list[str] | tuple[str, ...]) -> None:
    """This page shows iframes from these origins (the panel's live preview of frames)."""
    g.frame_src = tuple(origins)


def allow_form_posts_to(origins: list[str] | tuple[str, ...]) -> None:
    """This page's forms may also post to these origins (the order frame's checkout, served on
    any of a partner's hosts, posts to its primary one)."""
    g.form_action = tuple(origins)


def _set_headers(response: Response) -> Response:
    nonce = g.get("csp_nonce")
    source = f" 'nonce-{nonce}'" if nonce else ""
    ancestors = g.get("frame_ancestors")
    frame_policy = " ".join(ancestors) if ancestors else "'none'"
    # A view that set its own, stricter policy (an SVG asset's sandbox) keeps it.
    response.headers.setdefault("Content-Security-Policy", (
        "default-src 'self'; "
        f"script-src 'self'{source}; "
        f"style-src 'self'{source}; "
        "img-src 'self' data:; "
        f"frame-src 'self'{''.join(' ' + o for o in g.get('frame_src', ()))}; "
        "object-src 'none'; base-uri 'none'; "
        f"form-action 'self'{''.join(' ' + o for o in g.get('form_action', ()))}; "
        f"frame-ancestors {frame_policy}"
    ))
    if not ancestors:
        response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = "max-age=31536000"
    return response


_BODILESS = frozenset({"GET", "HEAD", "OPTIONS"})


def refuse_nul_bytes() -> None:
    """400 for a NUL byte in the path, the query string or a form field (name, value, file name).

    PostgreSQL refuses NUL in text (the request would end in a 500) and SQLite stores it, so it is
    stopped here, before the host lookup and any other database work. The hot path pays for two
    substring tests on the raw strings: a GET's body is never parsed.
    """
    environ = request.environ
    query = environ.get("QUERY_STRING", "")
    if "\x00" in environ.get("PATH_INFO", "") or "%00" in query or "\x00" in query:
        abort(400)
    if environ.get("REQUEST_METHOD") in _BODILESS:
        return
    for name, values in request.form.lists():
        if "\x00" in name or any("\x00" in value for value in values):
            abort(400)
    for name, upload in request.files.items(multi=True):
        if "\x00" in name or "\x00" in (upload.filename or ""):
            abort(400)


class SessionInterface(SecureCookieSessionInterface):
    """Session cookies are host-only, HttpOnly, SameSite=Lax, and Secure when served over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return request.is_secure or super().get_cookie_secure(app)


class TrustedProxies:
    """Honour X-Forwarded-Host/-Proto/-For only when the peer is one of TRUSTED_PROXIES, and then
    only what a trusted proxy wrote: anything a client sends in these headers comes first in the
    list, and each proxy appends (or replaces) after it.

    - The client address is the right-most X-Forwarded-For entry that is not itself a trusted
      proxy: the peer the outermost trusted proxy saw. Entries left of it are the client's own.
    - The host and scheme are the right-most values: the ones the nearest proxy set.
    """

    def __init__(self, wsgi_app, networks: list) -> None:
        self.wsgi_app = wsgi_app
        self.networks = networks

    def __call__(self, environ, start_response):
        trusted = self._trusted(environ.get("REMOTE_ADDR", ""))
        forwarded = {name: environ.pop(name, "") for name in
                     ("HTTP_X_FORWARDED_HOST", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_FOR")}
        if trusted:
            host = _last(forwarded["HTTP_X_FORWARDED_HOST"])
            if host:
                environ["HTTP_HOST"] = host
            if _last(forwarded["HTTP_X_FORWARDED_PROTO"]) in ("http", "https"):
                environ["wsgi.url_scheme"] = _last(forwarded["HTTP_X_FORWARDED_PROTO"])
            client = self._client(forwarded["HTTP_X_FORWARDED_FOR"])
            if client:
                environ["REMOTE_ADDR"] = client
        return self.wsgi_app(environ, start_response)

    def _client(self, chain: str) -> str | None:
        """The right-most untrusted address of X-Forwarded-For (None if it is not an address);
        the left-most when every hop is a trusted proxy."""
        hops = [hop.strip() for hop in chain.split(",") if hop.strip()]
        for hop in reversed(hops):
            if not self._trusted(hop):
                return hop if _is_address(hop) else None
        return hops[0] if hops else None

    def _trusted(self, addr: str) -> bool:
        try:
            ip = ipaddress.ip_address(addr)
        except ValueError:
            return False
        return any(ip in net for net in self.networks)


def _last(values: str) -> str:
    return values.rsplit(",", 1)[-1].strip()


def _is_address(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def init_app(app: Flask) -> None:
    app.session_interface = SessionInterface()
    # First of all before-request hooks (the CSRF check, the host gate): nothing else sees a NUL.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_nul_bytes)
    app.after_request(_set_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    # Flask's documented way to add WSGI middleware; mypy sees a method being replaced.
    app.wsgi_app = TrustedProxies(  # type: ignore[method-assign]
        app.wsgi_app, app.config["TRUSTED_PROXY_NETWORKS"]
    )
