from __future__ import annotations

from flask import g, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from storefront.auth import panel_route
from storefront.db import db
from storefront.models import Membership, Partner
from storefront.panel.blueprint import bp
from storefront.tenancy import partner_url, raw_host


@bp.route("/")
@login_required
def index():
    """The partners this person works for; one partner goes straight to its dashboard."""
    rows = db.session.execute(
        select(Partner, Membership.role)
        .join(Membership, Membership.partner_id == Partner.id)
        .where(Membership.user_id == current_user.id)
        .order_by(Partner.name)
    ).all()
    if len(rows) == 1 and not current_user.is_platform_admin:
        return redirect(url_for("panel.dashboard", slug=rows[0][0].slug))
    return render_template("panel/index.html", rows=rows)


@bp.route("/<slug>/")
@panel_route("editor")
def dashboard():
    partner = g.partner
    return render_template(
        "panel/dashboard.html",
        raw_host=raw_host(partner.slug),
        storefront_url=partner_url(partner),
    )
