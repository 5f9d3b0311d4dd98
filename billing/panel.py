"""Billing in the partner panel, for admins and owners: settings (who sells on the partner's
documents, VAT rate, language, renewal lead time), balance (the wholesale balance at the platform
and its ledger), services (every subscriber's, with what is pending; retry a failed activation),
proformas (record a bank transfer, which pays it; cancel an unpaid one) and invoices. Another
partner's ids are 404."""

from __future__ import annotations

from dataclasses import fields

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from billing import balance as ledger
from billing import documents, payments, provisioning, stripe_gateway
from billing import settings as service
from billing.documents import local_today
from billing.forms import SellerSettingsForm, TransferForm
from billing.models import Service
from storefront import transaction
from storefront.auth import panel_route
from storefront.db import db
from storefront.i18n import gettext as _
from storefront.models import Subscriber
from storefront.money import Money
from storefront.security import allow_form_posts_to

STRIPE_CONNECT = ("https://connect.stripe.com",)
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
    allow_form_posts_to(STRIPE_CONNECT)  # "Connect Stripe" answers with a redirect there
    return render_template("billing_panel/settings.html", form=form, saved=saved,
                           stripe_available=stripe_gateway.is_configured(),
                           stripe_form=FlaskForm(), missing=service.missing(saved)), status


LEDGER_LINES = 50


@bp.route("/balance")
@panel_route("admin")
def balance():
    waiting = db.session.scalar(
        select(db.func.count(Service.id)).where(Service.partner_id == g.partner.id,
                                                Service.status == "waiting"))
    return render_template("billing_panel/balance.html",
                           balance=ledger.balance(g.partner), waiting=waiting, form=FlaskForm(),
                           ledger=ledger.ledger(g.partner, limit=LEDGER_LINES))


@bp.route("/balance/release", methods=["POST"])
@panel_route("admin")
def release():
    if not FlaskForm().validate_on_submit():
        abort(400)
    queued = provisioning.release_waiting(g.partner)
    flash(_("%(count)d services are being activated.", count=queued) if queued
          else _("The balance is still short: the services keep waiting."))
    return redirect(url_for("billing_panel.balance", slug=g.partner.slug), code=303)


def _money(minor: int, currency: str) -> str:
    return Money(minor, currency).format("en")


def _subscribers(ids: set[int]) -> dict[int, Subscriber]:
    return {subscriber.id: subscriber for subscriber in db.session.scalars(
        select(Subscriber).where(Subscriber.partner_id == g.partner.id,
                                 Subscriber.id.in_(ids)))}


@bp.route("/services")
@panel_route("admin")
def services():
    held = provisioning.services_of(g.partner)
    return render_template("billing_panel/services.html", services=held, form=FlaskForm(),
                           subscribers=_subscribers({s.subscriber_id for s in held}))


@bp.route("/services/<int:service_id>/retry", methods=["POST"])
@panel_route("admin")
def retry(service_id: int):
    found = db.session.get(Service, service_id)
    if found is None or found.partner_id != g.partner.id:
        abort(404)
    if not FlaskForm().validate_on_submit():
        abort(400)
    if provisioning.retry(g.partner, found):
        flash(_("The activation of %(name)s runs again.", name=found.name))
    else:
        flash(_("Nothing to retry for %(name)s.", name=found.name))
    return redirect(url_for("billing_panel.services", slug=g.partner.slug), code=303)


@bp.route("/subscribers")
@panel_route("admin")
def subscribers():
    """The partner's subscribers, with how many services each holds; internal ones marked."""
    people = list(db.session.scalars(
        select(Subscriber).where(Subscriber.partner_id == g.partner.id)
        .order_by(Subscriber.id.desc()).limit(1000)))
    held: dict[int, int] = dict(db.session.execute(
        select(Service.subscriber_id, db.func.count(Service.id))
        .where(Service.partner_id == g.partner.id, Service.status != "cancelled")
        .group_by(Service.subscriber_id)).all())
    return render_template("billing_panel/subscribers.html", subscribers=people, held=held,
                           form=FlaskForm())


@bp.route("/subscribers/<int:subscriber_id>/internal", methods=["POST"])
@panel_route("admin")
def internal(subscriber_id: int):
    person = db.session.get(Subscriber, subscriber_id)
    if person is None or person.partner_id != g.partner.id:
        abort(404)
    if not FlaskForm().validate_on_submit():
        abort(400)
    person.internal = request.form.get("internal") == "on"
    flash(_("%(email)s is internal now: their orders are not charged.", email=person.email)
          if person.internal else _("%(email)s pays for their orders again.", email=person.email))
    return redirect(url_for("billing_panel.subscribers", slug=g.partner.slug), code=303)


@bp.route("/settlements")
@panel_route("admin")
def settlements():
    """Payments received (transfers booked, Stripe payments), what each paid, and what needs a
    look: amounts that did not match a proforma, and failed online attempts."""
    received = payments.payments_of(g.partner, limit=500)
    paid_for = {document.id: document for document in documents.documents_of(
        g.partner, "proforma", limit=5000) if any(p.document_id == document.id
                                                  for p in received)}
    totals: dict[tuple[str, str], int] = {}
    for payment in received:
        if payment.status == "received":
            key = (payment.method, payment.currency)
            totals[key] = totals.get(key, 0) + payment.amount_minor
    return render_template("billing_panel/settlements.html", payments=received,
                           paid_for=paid_for, money=_money, totals=sorted(totals.items()),
                           unmatched=[p for p in received if p.status == "mismatch"])


@bp.route("/proformas")
@panel_route("admin")
def proformas():
    issued = documents.documents_of(g.partner, "proforma", limit=500)
    return render_template("billing_panel/documents.html", documents=issued, kind="proforma",
                           money=_money,
                           subscribers=_subscribers({d.subscriber_id for d in issued}))


@bp.route("/invoices")
@panel_route("admin")
def invoices():
    issued = documents.documents_of(g.partner, ("invoice", "credit_note"), limit=500)
    return render_template("billing_panel/documents.html", documents=issued, kind="invoice",
                           money=_money,
                           subscribers=_subscribers({d.subscriber_id for d in issued}))


@bp.route("/proformas/<int:document_id>", methods=["GET", "POST"])
@panel_route("admin")
def proforma(document_id: int):
    found = documents.find_document(g.partner, document_id, "proforma")
    if found is None:
        abort(404)
    form = TransferForm()
    if not form.is_submitted():
        form.amount.data = Money(found.gross_minor, found.currency).plain()
        form.received_on.data = local_today()
        form.reference.data = found.transfer_title
    if request.form.get("action") == "cancel":
        if not FlaskForm().validate_on_submit():
            abort(400)
        result = transaction.submit(form, lambda: payments.cancel(g.partner, found))
        if not transaction.refused(result):
            flash(_("Proforma %(number)s is cancelled.", number=found.number))
            return redirect(url_for("billing_panel.proforma", slug=g.partner.slug,
                                    document_id=found.id), code=303)
    elif form.validate_on_submit():
        paid = transaction.submit(form, lambda: payments.record_transfer(
            g.partner, found, Money.parse(form.amount.data or "", found.currency, "amount"),
            form.received_on.data, form.reference.data or "", current_user))
        if not transaction.refused(paid):
            if paid.status == "received":
                flash(_("The payment is recorded and %(number)s is paid: its invoice is issued "
                        "and activation has started.", number=found.number))
            else:
                flash(_("The payment is recorded, but it does not match the proforma (%(note)s): "
                        "nothing is activated.", note=paid.note))
            return redirect(url_for("billing_panel.proforma", slug=g.partner.slug,
                                    document_id=found.id), code=303)
    return _document_page(found, form)


@bp.route("/invoices/<int:document_id>")
@panel_route("admin")
def invoice(document_id: int):
    found = documents.find_document(g.partner, document_id, "invoice")
    if found is None:
        abort(404)
    return _document_page(found, None)


@bp.route("/credit-notes/<int:document_id>")
@panel_route("admin")
def credit_note(document_id: int):
    found = documents.find_document(g.partner, document_id, "credit_note")
    if found is None:
        abort(404)
    return _document_page(found, None)


@bp.route("/invoices/<int:document_id>/credit-note", methods=["POST"])
@panel_route("admin")
def issue_credit_note(document_id: int):
    found = documents.find_document(g.partner, document_id, "invoice")
    if found is None:
        abort(404)
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    positions = [int(value) for value in request.form.getlist("line")
                 if value.isascii() and value.isdigit() and len(value) < 4]
    note = transaction.submit(form, lambda: documents.issue_credit_note(
        g.partner, found, positions, request.form.get("reason", ""), current_user))
    if transaction.refused(note):
        flash(note.error.message, "error")
        return redirect(url_for("billing_panel.invoice", slug=g.partner.slug,
                                document_id=found.id), code=303)
    flash(_("Credit note %(number)s is issued.", number=note.number))
    return redirect(url_for("billing_panel.credit_note", slug=g.partner.slug,
                            document_id=note.id), code=303)


def _document_page(document, form):
    subscriber = db.session.get(Subscriber, document.subscriber_id)
    related = [documents.find_document(g.partner, other) for other in
               (document.invoice_id, document.source_id) if other]
    if document.kind == "invoice":
        related += documents.corrections_of(g.partner, document)
    status = 400 if form is not None and (form.errors or form.form_errors) else 200
    return render_template(
        "billing_panel/document.html", document=document, form=form, cancel_form=FlaskForm(),
        credited={line.position for other in related if other and other.kind == "credit_note"
                  for line in other.lines},
        subscriber=subscriber, money=_money, related=[d for d in related if d],
        payments=payments.payments_of(g.partner, document) if document.kind == "proforma"
        else [],
        services={s.id: s for s in provisioning.services_of(g.partner, document.subscriber_id)},
    ), status
