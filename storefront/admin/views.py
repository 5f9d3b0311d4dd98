"""The admin dashboard and the e-mail outbox."""

from __future__ import annotations

from flask import abort, render_template

from storefront.admin.blueprint import PER_PAGE, bp
from storefront.auth import admin_required
from storefront.db import db
from storefront.models import OutboxMessage
from storefront.services import applications, outbox, partners


@bp.route("/")
@admin_required
def index():
    return render_template(
        "admin/dashboard.html",
        partner_counts=partners.count_by_status(),
        application_counts=applications.count_by_status(),
        unsent=outbox.unsent_count(),
    )


@bp.route("/outbox")
@admin_required
def outbox_list():
    page = db.paginate(outbox.newest_first(), per_page=PER_PAGE, error_out=False)
    return render_template("admin/outbox.html", page=page)


@bp.route("/outbox/<int:message_id>")
@admin_required
def outbox_message(message_id: int):
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        abort(404)
    return render_template("admin/message.html", message=message)
