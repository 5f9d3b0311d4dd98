from __future__ import annotations

from flask import render_template

from storefront.auth import panel_route
from storefront.panel.blueprint import bp


@bp.route("/<slug>/domains")
@panel_route("admin")
def domains():
    return render_template("panel/placeholder.html", title="domains")
