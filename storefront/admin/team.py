"""A partner's team as the platform admin manages it: taking someone off the team."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for

from storefront import transaction
from storefront.admin.blueprint import bp
from storefront.admin.forms import ConfirmForm
from storefront.auth import admin_required
from storefront.db import db
from storefront.models import User
from storefront.services import partners


@bp.route("/partners/<slug>/team/<int:user_id>/remove", methods=["POST"])
@admin_required
def team_remove(slug: str, user_id: int):
    partner = partners.get_by_slug(slug)
    user = db.session.get(User, user_id)
    if partner is None or user is None:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        removed = transaction.submit(None, lambda: partners.remove_member(partner, user))
        flash(removed.error.message if transaction.refused(removed) else
              f"Removed {user.email} from {partner.name}'s team; their sessions have ended.")
    return redirect(url_for("admin.partner_detail", slug=partner.slug))
