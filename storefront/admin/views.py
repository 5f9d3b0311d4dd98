from __future__ import annotations

from flask import Blueprint, render_template

from storefront.auth import admin_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/")
@admin_required
def index():
    return render_template("panel/placeholder.html", title="Admin")
