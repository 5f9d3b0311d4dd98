"""Billing in the partner panel: /panel/<slug>/billing/settings (who sells on the partner's
documents, VAT rate, language, renewal lead time) and /panel/<slug>/billing/balance (the wholesale
balance at the platform and its ledger). Admins and owners only."""

from __future__ import annotations

from dataclasses import fields

from flask import Blueprint, flash, g, redirect, render_template, url_for

from billing import balance as ledger
from billing import settings as service
from billing.forms import SellerSettingsForm
from storefront import transaction
from storefront.auth import panel_route

bp = Blueprint("billing_panel", __name__, url_prefix="/panel/<slug>/billing",
               template_folder="templates")


@bp.route("/settings", methods=["GET", "POST"])
@panel_route("admin")
def settings():
    saved = service.seller_settings(g.partner)
    form = SellerSettingsForm(obj=saved)
    if saved is not None and not form.is_submitted():
        form.bank_account.data = service.grouped_iban(saved.bank_account)
    if form.validate_on_submit():
        text = {field.name: form[field.name].data or "" for field in fields(service.SellerFields)
                if field.name != "renewal_lead_days"}
        given = service.SellerFields(**text, renewal_lead_days=form.renewal_lead_days.data)
        result = transaction.submit(form, lambda: service.save_seller_settings(g.partner, given))
        if not transaction.refused(result):
            flash("The billing settings are saved.")
            return redirect(url_for("billing_panel.settings", slug=g.partner.slug), code=303)
    status = 400 if form.errors or form.form_errors else 200
    return render_template("billing_panel/settings.html", form=form,
                           missing=service.missing(saved)), status


LEDGER_LINES = 50


@bp.route("/balance")
@panel_route("admin")
def balance():
    return render_template("billing_panel/balance.html",
                           balance=ledger.balance(g.partner),
                           ledger=ledger.ledger(g.partner, limit=LEDGER_LINES))
