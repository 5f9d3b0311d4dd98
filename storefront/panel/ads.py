from __future__ import annotations

from flask import render_template

from storefront.auth import panel_route
from storefront.panel.blueprint import bp


@bp.route("/<slug>/ads")
@panel_route("admin")
def ads():
    return render_template("panel/placeholder.html", title="ads")
