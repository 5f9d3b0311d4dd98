"""Error pages: neutral on unknown hosts and suspended partners, themed on a storefront."""

from __future__ import annotations

from flask import Flask, g, render_template, request
from werkzeug.exceptions import HTTPException

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


def _handle(error: HTTPException):
    code = error.code or 500
    message = MESSAGES.get(code, error.description or "Error")
    if request.path.startswith("/api/"):
        return (
            {"type": "about:blank", "title": error.name, "status": code, "detail": message},
            code,
            {"Content-Type": "application/problem+json"},
        )
    site = g.get("site")
    if site is not None and not g.get("neutral"):
        # The storefront's menu, footer and ads: a visitor who took a wrong turn can go on.
        page = render_theme(site, "error.html", code=code, message=message, **theme_context(site))
        return page, code
    return render_template("neutral_error.html", code=code, message=message), code


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, _handle)
