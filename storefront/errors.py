"""Error pages: neutral on unknown hosts and suspended partners, themed on a storefront."""

from __future__ import annotations

import math

from flask import Flask, g, render_template, request
from werkzeug.exceptions import HTTPException, TooManyRequests

from storefront.i18n import ngettext
from storefront.site.content import theme_context
from storefront.themes import render_theme

MESSAGES = {
    400: "The request could not be understood.",
    403: "You are not allowed to see this page.",
    404: "Page not found.",
    405: "This action is not allowed here.",
    413: "The upload is too large.",
    429: "Too many requests; please wait a moment.",
    503: "This site is temporarily unavailable.",
}


def too_many_attempts(error: TooManyRequests) -> str:
    """What a 429 says: how long to wait (storefront.limits gives the seconds), in the page's
    language."""
    seconds = error.retry_after
    if not isinstance(seconds, int):
        return MESSAGES[429]
    return ngettext("Too many attempts. Please try again in %(num)d minute.",
                    "Too many attempts. Please try again in %(num)d minutes.",
                    max(1, math.ceil(seconds / 60)))


def retry_after(error: HTTPException) -> dict[str, str]:
    seconds = getattr(error, "retry_after", None)
    return {"Retry-After": str(seconds)} if isinstance(seconds, int) else {}


def _handle(error: HTTPException):
    code = error.code or 500
    if isinstance(error, TooManyRequests):
        message = too_many_attempts(error)
    else:
        message = MESSAGES.get(code, error.description or "Error")
    headers = retry_after(error)
    if request.path.startswith("/api/"):
        return (
            {"type": "about:blank", "title": error.name, "status": code, "detail": message},
            code,
            {"Content-Type": "application/problem+json", **headers},
        )
    site = g.get("site")
    if site is not None and not g.get("neutral"):
        # The storefront's menu, footer and ads: a visitor who took a wrong turn can go on.
        page = render_theme(site, "error.html", code=code, message=message, **theme_context(site))
        return page, code, headers
    return render_template("neutral_error.html", code=code, message=message), code, headers


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, _handle)
