"""Partners: the searchable list, creation, the detail page, suspension and reactivation."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from billing import balance as ledger
from storefront import transaction
from storefront.admin.blueprint import PER_PAGE, bp
from storefront.admin.forms import ConfirmForm, CreatePartnerForm, CreditBalanceForm
from storefront.auth import admin_required
from storefront.db import db
from storefront.models import Partner
from storefront.money import Money
from storefront.services import outbox, partners
from storefront.tenancy import partner_url, raw_host

LEDGER_LINES = 50


def _partner_or_404(slug: str) -> Partner:
    partner = partners.get_by_slug(slug)
    if partner is None:
        abort(404)
    return partner


@bp.route("/partners")
@admin_required
def partner_list():
    query = request.args.get("q", "")[:120]
    page = db.paginate(partners.search(query), per_page=PER_PAGE, error_out=False)
    return render_template("admin/partners.html", page=page, query=query)


@bp.route("/partners/new", methods=["GET", "POST"])
@admin_required
def partner_new():
    form = CreatePartnerForm()
    if form.validate_on_submit():
        partner = transaction.submit(form, lambda: partners.create_partner(
            form.slug.data, form.name.data, owner_email=form.owner_email.data
        ))
        if not transaction.refused(partner):
            flash(f"Created {partner.name}; the owner's invitation is in the outbox.")
            return redirect(url_for("admin.partner_detail", slug=partner.slug))
    status = 400 if form.errors else 200
    return render_template("admin/partner_new.html", form=form), status


@bp.route("/partners/<slug>")
@admin_required
def partner_detail(slug: str):
    return _detail_page(_partner_or_404(slug), CreditBalanceForm(formdata=None))


def _detail_page(partner: Partner, credit_form: CreditBalanceForm):
    return render_template(
        "admin/partner.html",
        partner=partner,
        storefront_url=partner_url(partner),
        raw_host=raw_host(partner.slug),
        team=partners.team(partner),
        invitations=partners.pending_invitations(partner),
        messages=db.session.scalars(outbox.newest_first(partner.id).limit(10)).all(),
        form=ConfirmForm(),
        balance=ledger.balance(partner),
        ledger=ledger.ledger(partner, limit=LEDGER_LINES),
        credit_form=credit_form,
    )


@bp.route("/partners/<slug>/balance", methods=["POST"])
@admin_required
def partner_credit(slug: str):
    """Book a bank transfer from the partner on its wholesale balance."""
    partner = _partner_or_404(slug)
    form = CreditBalanceForm()
    if form.validate_on_submit():
        entry = transaction.submit(form, lambda: ledger.credit(
            partner, Money.parse(form.amount.data or "", ledger.CURRENCY, "amount"),
            form.reference.data or "", current_user._get_current_object(),
        ))
        if not transaction.refused(entry):
            amount = Money(entry.amount_minor, entry.currency).format("en")
            flash(f"Credited {amount} to {partner.name}'s balance.")
            return redirect(url_for("admin.partner_detail", slug=partner.slug,
                                    _anchor="balance"), code=303)
    return _detail_page(_partner_or_404(slug), form), 400


@bp.route("/balances")
@admin_required
def balances():
    """Every partner's wholesale balance, by name."""
    return render_template("admin/balances.html", rows=ledger.balances(),
                           currency=ledger.CURRENCY)


@bp.route("/partners/<slug>/suspend", methods=["POST"])
@admin_required
def partner_suspend(slug: str):
    return _change_status(slug, "suspended", "Suspended {name}: its storefront is now offline.")


@bp.route("/partners/<slug>/reactivate", methods=["POST"])
@admin_required
def partner_reactivate(slug: str):
    return _change_status(slug, "active", "Reactivated {name}: its storefront is back online.")


def _change_status(slug: str, status: str, message: str):
    partner = _partner_or_404(slug)
    if ConfirmForm().validate_on_submit():
        partners.set_status(partner, status)
        flash(message.format(name=partner.name))
    return redirect(url_for("admin.partner_detail", slug=partner.slug))
