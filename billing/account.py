"""Billing in the subscriber's account on a storefront: /account/billing (billing details),
/account/services (what they hold, renew, auto-renew), /account/proformas (pay) and
/account/invoices. Another subscriber's or partner's ids are 404."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from billing import checkout, documents, profiles, provisioning, stripe_gateway, stripe_payments
from billing.forms import BillingProfileForm
from billing.models import Service
from billing.settings import grouped_iban
from storefront import transaction
from storefront.auth import subscriber_required
from storefront.db import db
from storefront.i18n import gettext as _
from storefront.money import Money
from storefront.security import allow_form_posts_to, local_path
from storefront.services.partner_catalogue import catalogue, to_unicode
from storefront.site.content import theme_context
from storefront.themes import render_theme

STRIPE_CHECKOUT = ("https://checkout.stripe.com",)
bp = Blueprint("billing_account", __name__, url_prefix="/account",
               template_folder="templates")


@bp.route("/billing/", methods=["GET", "POST"])
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
            return redirect(local_path(request.args.get("next"),
                                       url_for("billing_account.details")), code=303)
    status = 400 if form.errors or form.form_errors else 200
    return render_theme(g.site, "billing/details.html", form=form,
                        is_business=(form.kind.data == "business"),
                        **theme_context(g.site)), status


def _render(template: str, status: int = 200, **context):
    return render_theme(g.site, template, money=_money, to_unicode=to_unicode,
                        **theme_context(g.site), **context), status


def _money(minor: int, currency: str) -> str:
    return Money(minor, currency).format("en")


@bp.route("/services/")
@subscriber_required
def services():
    subscriber = current_user._get_current_object()
    held = provisioning.services_of(g.site, subscriber.id)
    offers = catalogue(g.site).tlds
    renewable = {service.id: offers[service.name.split(".", 1)[1]]
                 for service in held if service.kind == "domain"
                 and service.status in ("active", "expired", "grace", "blocked")
                 and service.name.split(".", 1)[1] in offers}
    return _render("billing/services.html", services=held, renewable=renewable,
                   form=FlaskForm())


def _own_service(service_id: int) -> Service:
    service = db.session.get(Service, service_id)
    if (service is None or service.partner_id != g.site.partner_id
            or service.subscriber_id != current_user.id):
        abort(404)
    return service


@bp.route("/services/<int:service_id>/renew", methods=["POST"])
@subscriber_required
def renew(service_id: int):
    service = _own_service(service_id)
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    proforma = transaction.submit(form, lambda: checkout.renewal(
        g.site, current_user._get_current_object(), service, request.form.get("years")))
    if transaction.refused(proforma):
        flash(proforma.error.message, "error")
        return redirect(url_for("billing_account.services"), code=303)
    return redirect(url_for("billing_account.proforma", document_id=proforma.id), code=303)


@bp.route("/services/<int:service_id>/auto-renew", methods=["POST"])
@subscriber_required
def auto_renew(service_id: int):
    service = _own_service(service_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    service.auto_renew = request.form.get("auto_renew") == "on"
    flash(_("Automatic renewal of %(name)s is %(state)s.", name=to_unicode(service.name),
            state=_("on") if service.auto_renew else _("off")), "success")
    return redirect(url_for("billing_account.services"), code=303)


@bp.route("/proformas/")
@subscriber_required
def proformas():
    mine = documents.documents_of(g.site, "proforma", current_user._get_current_object())
    return _render("billing/documents.html", documents=mine, kind="proforma")


@bp.route("/invoices/")
@subscriber_required
def invoices():
    mine = documents.documents_of(g.site, ("invoice", "credit_note"),
                                  current_user._get_current_object())
    return _render("billing/documents.html", documents=mine, kind="invoice")


@bp.route("/proformas/<int:document_id>")
@subscriber_required
def proforma(document_id: int):
    return _document(document_id, "proforma")


@bp.route("/invoices/<int:document_id>")
@subscriber_required
def invoice(document_id: int):
    return _document(document_id, "invoice")


@bp.route("/credit-notes/<int:document_id>")
@subscriber_required
def credit_note(document_id: int):
    return _document(document_id, "credit_note")


def _document(document_id: int, kind: str):
    document = documents.find_document(g.site, document_id, kind,
                                       current_user._get_current_object())
    if document is None:
        abort(404)
    held = {service.id: service for service in provisioning.services_of(
        g.site, current_user.id) if any(line.service_id == service.id
                                         for line in document.lines)}
    invoice = (documents.find_document(g.site, document.invoice_id, "invoice")
               if document.invoice_id else None)
    online = (document.kind == "proforma" and document.status == "unpaid"
              and stripe_payments.online_account(g.site) is not None)
    if online:
        allow_form_posts_to(STRIPE_CHECKOUT)  # the form's answer is a redirect to Checkout
    return _render("billing/document.html", document=document, services=held,
                   invoice=invoice, iban=grouped_iban(document.bank_account), online=online,
                   form=FlaskForm())


@bp.route("/proformas/<int:document_id>/pay-online", methods=["POST"])
@subscriber_required
def pay_online(document_id: int):
    """Off to Stripe Checkout, in the top window, for an unpaid proforma."""
    document = documents.find_document(g.site, document_id, "proforma",
                                       current_user._get_current_object())
    if document is None:
        abort(404)
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    here = url_for("billing_account.proforma", document_id=document.id, _external=True)
    back = url_for("billing_account.stripe_return", document_id=document.id, _external=True)
    started = transaction.submit(form, lambda: stripe_payments.start_checkout(
        g.site, document, success_url=back + "?session_id={CHECKOUT_SESSION_ID}",
        cancel_url=here))
    if transaction.refused(started):
        flash(started.error.message, "error")
        return redirect(here, code=303)
    return redirect(started.url, code=303)


@bp.route("/proformas/<int:document_id>/paid")
@subscriber_required
def stripe_return(document_id: int):
    """Back from Checkout: the session is read from Stripe and fulfilled here and now (the
    webhook may come later, or have come already: either way it is fulfilled once)."""
    document = documents.find_document(g.site, document_id, "proforma",
                                       current_user._get_current_object())
    account = stripe_payments.online_account(g.site)
    session_id = request.args.get("session_id", "")
    if document is None or account is None or not session_id.startswith("cs_") \
            or len(session_id) > 255:
        abort(404)
    try:
        session = stripe_gateway.retrieve_session(account, session_id)
    except stripe_gateway.NotFound:
        abort(404)
    except stripe_gateway.StripeUnavailable:
        flash(_("We couldn't reach Stripe to confirm your payment. If you paid, it shows here "
                "within minutes."), "error")
        return redirect(url_for("billing_account.proforma", document_id=document.id))
    found = stripe_payments.proforma_of_session(g.site, session)
    if found is None or found.id != document.id:
        abort(404)  # a session of another proforma: never fulfilled from this address
    outcome = stripe_payments.fulfil(g.site, session)
    flash({"paid": _("Thank you: your payment is received. Your services are being "
                     "activated."),
           "pending": _("Your payment is being processed. It shows here once Stripe confirms "
                        "it."),
           "mismatch": _("Your payment arrived but does not match this proforma: the shop will "
                         "contact you."),
           }.get(outcome.state, _("Your payment could not be confirmed.")),
          "success" if outcome.state == "paid" else "error")
    return redirect(url_for("billing_account.proforma", document_id=document.id), code=303)
