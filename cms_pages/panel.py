from __future__ import annotations

from flask import Blueprint, render_template

from storefront.auth import panel_route

bp = Blueprint("cms_panel", __name__, url_prefix="/panel/<slug>/pages")


@bp.route("/")
@panel_route("editor")
def pages():
    return render_template("panel/placeholder.html", title="Pages")
