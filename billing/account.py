"""Billing in the subscriber's account on a storefront: /account/billing (billing details)."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, url_for
from flask_login import current_user

from billing import profiles
from billing.forms import BillingProfileForm
from storefront import transaction
from storefront.auth import subscriber_required
from storefront.site.content import theme_context
from storefront.themes import render_theme

bp = Blueprint("billing_account", __name__, url_prefix="/account/billing",
               template_folder="templates")


@bp.route("/", methods=["GET", "POST"])
@subscriber_required
def details():
    subscriber = current_user._get_current_object()
    profile = profiles.find_profile(g.site, subscriber)
    form = BillingProfileForm(obj=profile)
    if profile is None and not form.is_submitted():
        form.email.data = subscriber.email
    if form.validate_on_submit():
        given = profiles.ProfileFields(**{name: (form[name].data or "")
                                          for name in profiles.ProfileFields.__dataclass_fields__})
        saved = transaction.submit(form, lambda: profiles.save_profile(g.site, subscriber, given))
        if not transaction.refused(saved):
            flash("Your billing details are saved.", "success")
            return redirect(url_for("billing_account.details"), code=303)
    status = 400 if form.errors or form.form_errors else 200
    return render_theme(g.site, "billing/details.html", form=form,
                        is_business=(form.kind.data == "business"),
                        **theme_context(g.site)), status
