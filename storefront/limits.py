"""Rate limits on the forms people could hammer: the reseller application and the staff login.

One Flask-Limiter instance per app (in-memory storage by default, so per process), off when
`TESTING` unless a test sets `RATELIMIT_ENABLED`. Views call `hit(name)` on POST; over the limit
the request ends with 429 before any work is done.
"""

from __future__ import annotations

from flask import Flask, abort, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse

# Per client IP (the X-Forwarded-For of a trusted proxy, see security.TrustedProxies).
RULES: dict[str, RateLimitItem] = {
    "application": parse("10 per minute"),
    "login": parse("10 per minute"),
    "subscriber_login": parse("10 per minute"),
    "signup": parse("10 per minute"),
    "password_reset": parse("5 per minute"),
}
_EXTENSION = "storefront_limiter"


def init_app(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_ENABLED", not app.config.get("TESTING", False))
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    limiter = Limiter(key_func=get_remote_address)
    limiter.init_app(app)
    app.extensions[_EXTENSION] = limiter


def hit(name: str) -> None:
    """Count one attempt at `name` from this client; 429 when over the limit."""
    limiter: Limiter | None = current_app.extensions.get(_EXTENSION)
    if limiter is None or not limiter.enabled:
        return
    if not limiter.limiter.hit(RULES[name], name, get_remote_address()):
        abort(429)
