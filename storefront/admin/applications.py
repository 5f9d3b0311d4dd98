"""Reseller applications: the list by state, the detail page, approval and rejection."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from storefront import transaction
from storefront.admin.blueprint import PER_PAGE, bp
from storefront.admin.forms import ApproveForm, ConfirmForm
from storefront.auth import admin_required
from storefront.db import db
from storefront.models import Partner, ResellerApplication
from storefront.services import applications


def _application_or_404(application_id: int) -> ResellerApplication:
    application = applications.get(application_id)
    if application is None:
        abort(404)
    return application


@bp.route("/applications")
@admin_required
def application_list():
    status = request.args.get("status", "new")
    if status not in applications.STATUSES:
        status = "new"
    page = db.paginate(applications.with_status(status), per_page=PER_PAGE, error_out=False)
    return render_template(
        "admin/applications.html",
        page=page,
        status=status,
        counts=applications.count_by_status(),
    )


@bp.route("/applications/<int:application_id>")
@admin_required
def application_detail(application_id: int):
    application = _application_or_404(application_id)
    form = ApproveForm(data={"slug": application.desired_slug})
    return _render_detail(application, form)


def _render_detail(application: ResellerApplication, form: ApproveForm, status: int = 200):
    partner = db.session.get(Partner, application.partner_id) if application.partner_id else None
    return render_template(
        "admin/application.html",
        application=application,
        partner=partner,
        form=form,
        confirm=ConfirmForm(),
    ), status


@bp.route("/applications/<int:application_id>/approve", methods=["POST"])
@admin_required
def application_approve(application_id: int):
    application = _application_or_404(application_id)
    form = ApproveForm()
    if form.validate_on_submit():
        partner = transaction.submit(
            form, lambda: applications.approve(application, slug=form.slug.data or None))
        if not transaction.refused(partner):
            flash(f"Approved: {partner.name} is created and its owner's invitation is queued.")
            return redirect(url_for("admin.partner_detail", slug=partner.slug))
    return _render_detail(application, form, 400)


@bp.route("/applications/<int:application_id>/reject", methods=["POST"])
@admin_required
def application_reject(application_id: int):
    application = _application_or_404(application_id)
    if ConfirmForm().validate_on_submit():
        result = transaction.submit(None, lambda: applications.reject(application))
        if transaction.refused(result):
            flash(result.error.message, "error")
        else:
            flash(f"Rejected the application from {application.company_name}; they are told so.")
    return redirect(url_for("admin.application_detail", application_id=application.id))
