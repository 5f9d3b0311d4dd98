from __future__ import annotations

from flask import Blueprint, abort, g

from storefront.themes import render_theme

bp = Blueprint("site", __name__)


def storefront_home():
    return render_theme(g.site, "page.html", page=None)


@bp.route("/<slug>")
def page(slug: str):
    abort(404)
