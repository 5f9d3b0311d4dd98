"""Rate limits on the forms people could hammer: the reseller application, the staff and subscriber
logins, sign-ups and password resets.

Views call `hit(name)` on POST; over the limit the request ends with 429 before any work is done.
The counting is Flask-Limiter's engine, the `limits` package, used directly: Flask-Limiter's own
extension adds before/after-request hooks to every request (about 50 µs each on a storefront page
served from cache, 13 % of its time) to enforce limits this app never declares on routes.
Storage is per process by default (`RATELIMIT_STORAGE_URI`, e.g. redis://… to share it); limits
are off when `TESTING` unless a test sets `RATELIMIT_ENABLED`.
"""

from __future__ import annotations

from flask import Flask, abort, current_app, request
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

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
    if app.config["RATELIMIT_ENABLED"]:
        storage = storage_from_string(app.config["RATELIMIT_STORAGE_URI"])
        app.extensions[_EXTENSION] = MovingWindowRateLimiter(storage)


def hit(name: str) -> None:
    """Count one attempt at `name` from this client; 429 when over the limit."""
    limiter: MovingWindowRateLimiter | None = current_app.extensions.get(_EXTENSION)
    if limiter is None:
        return
    if not limiter.hit(RULES[name], name, request.remote_addr or "unknown"):
        abort(429)
