"""Price lists in the partner panel, for admins and owners: discount codes (with how often each
was used), promotions (shown struck through on the storefront) and price groups. Another
partner's ids are 404; a refused change rolls back and the form shows why."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, DateField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from billing import discounts, pricing
from billing.documents import local_today
from billing.pricing_models import (
    DiscountCode,
    PriceGroup,
    PriceGroupPrice,
    Promotion,
    SubscriberPriceGroup,
)
from storefront import transaction
from storefront.auth import panel_route
from storefront.db import db
from storefront.forms import WholeNumberField
from storefront.models import Subscriber
from storefront.money import Money
from storefront.services.partner_catalogue import load_catalogue
from storefront.tenancy import get_for_partner

LOCALE = "en"  # the panel speaks English
bp = Blueprint("billing_pricing", __name__, url_prefix="/panel/<slug>/billing",
               template_folder="templates")


def partner_currency() -> str:
    """The partner's selling currency: its offers'."""
    offers = load_catalogue(g.partner.id).tlds
    return next((row["currency"] for row in offers.values()), "PLN")


def money(amount_minor: int | None, currency: str) -> str:
    return Money(amount_minor or 0, currency or partner_currency()).format(LOCALE)


# -- discount codes ------------------------------------------------------------------------------


class CodeForm(FlaskForm):
    code = StringField("Code", validators=[Length(max=40)],
                       description="Letters, digits, dashes; stored in capitals (SPRING10).")
    kind = RadioField("Discount", choices=[SelectChoice("percent", "a percentage"),
                                           SelectChoice("amount", "a fixed amount")],
                      default="percent", validate_choice=False)
    value = StringField("Percent or amount", validators=[Length(max=20)],
                        description="10 for 10%, or 20.00 for a fixed amount (gross).")
    minimum = StringField("Minimum order (gross, optional)", validators=[Length(max=20)])
    tlds = StringField("Only for these TLDs (optional)", validators=[Length(max=1000)],
                       description="Separated by spaces, e.g. pl com.pl; empty: every TLD.")
    starts_on = DateField("First day (optional)", validators=[Optional()])
    ends_on = DateField("Last day (optional)", validators=[Optional()])
    max_uses = WholeNumberField("Uses in total (optional)")
    uses_per_subscriber = WholeNumberField("Uses per subscriber (optional)")
    new_subscribers_only = BooleanField("New subscribers only (no paid order yet)")
    enabled = BooleanField("Switched on", default=True)


@bp.route("/discount-codes")
@panel_route("admin")
def codes():
    return render_template("billing_panel/discount_codes.html", codes=discounts.codes_of(
        g.partner), used=discounts.uses_of(g.partner), money=money, today=local_today(),
        form=FlaskForm())


@bp.route("/discount-codes/new", methods=["GET", "POST"])
@bp.route("/discount-codes/<int:code_id>", methods=["GET", "POST"])
@panel_route("admin")
def code(code_id: int | None = None):
    existing = get_for_partner(DiscountCode, code_id, g.partner.id) if code_id else None
    form = CodeForm(obj=existing)
    if existing is not None and not form.is_submitted():
        form.kind.data = "percent" if existing.percent is not None else "amount"
        form.value.data = (str(existing.percent) if existing.percent is not None else
                           Money(existing.amount_minor or 0, existing.currency).plain())
        form.minimum.data = (Money(existing.minimum_minor, existing.currency).plain()
                             if existing.minimum_minor else "")
    if form.validate_on_submit():
        fields = discounts.CodeFields(
            code=form.code.data or "", kind=form.kind.data or "", value=form.value.data or "",
            minimum=form.minimum.data or "", tlds=form.tlds.data or "",
            starts_on=form.starts_on.data, ends_on=form.ends_on.data,
            max_uses=form.max_uses.data, uses_per_subscriber=form.uses_per_subscriber.data,
            new_subscribers_only=form.new_subscribers_only.data, enabled=form.enabled.data)
        saved = transaction.submit(form, lambda: discounts.save_code(
            g.partner, fields, partner_currency(), existing))
        if not transaction.refused(saved):
            flash(f"The code {saved.code} is saved.")
            return redirect(url_for("billing_pricing.codes", slug=g.partner.slug), code=303)
    status = 400 if form.errors or form.form_errors else 200
    return render_template("billing_panel/discount_code.html", form=form,
                           existing=existing), status


@bp.route("/discount-codes/<int:code_id>/switch", methods=["POST"])
@panel_route("admin")
def switch_code(code_id: int):
    if not FlaskForm().validate_on_submit():
        abort(400)
    found = get_for_partner(DiscountCode, code_id, g.partner.id)
    found.enabled = not found.enabled
    flash(f"The code {found.code} is switched {'on' if found.enabled else 'off'}.")
    return redirect(url_for("billing_pricing.codes", slug=g.partner.slug), code=303)


# -- promotions ----------------------------------------------------------------------------------


class PromotionForm(FlaskForm):
    tld = StringField("TLD", validators=[Length(max=63)], description="e.g. pl or com")
    starts_on = DateField("First day", validators=[Optional()])
    ends_on = DateField("Last day", validators=[Optional()])
    kind = RadioField("Promotion", choices=[SelectChoice("price", "a price per year"),
                                            SelectChoice("percent", "a percentage off")],
                      default="price", validate_choice=False)
    value = StringField("Price or percent", validators=[Length(max=20)],
                        description="A year's registration price (gross), or 20 for 20% off.")
    first_term_only = RadioField(
        "For", choices=[SelectChoice("first", "the first year only"),
                        SelectChoice("every", "every year, renewals too, while it runs")],
        default="first", validate_choice=False)
    enabled = BooleanField("Switched on", default=True)


@bp.route("/promotions")
@panel_route("admin")
def promotions():
    return render_template("billing_panel/promotions.html",
                           promotions=pricing.promotions_of(g.partner), money=money,
                           today=local_today(), offers=load_catalogue(g.partner.id).tlds,
                           form=FlaskForm())


@bp.route("/promotions/new", methods=["GET", "POST"])
@bp.route("/promotions/<int:promotion_id>", methods=["GET", "POST"])
@panel_route("admin")
def promotion(promotion_id: int | None = None):
    existing = (get_for_partner(Promotion, promotion_id, g.partner.id) if promotion_id
                else None)
    form = PromotionForm(obj=existing)
    offers = load_catalogue(g.partner.id).tlds
    if existing is not None and not form.is_submitted():
        form.kind.data = "percent" if existing.percent is not None else "price"
        currency = offers.get(existing.tld, {}).get("currency", partner_currency())
        form.value.data = (str(existing.percent) if existing.percent is not None else
                           Money(existing.price_minor or 0, currency).plain())
        form.first_term_only.data = "first" if existing.first_term_only else "every"
    if form.validate_on_submit():
        fields = pricing.PromotionFields(
            tld=form.tld.data or "", starts_on=form.starts_on.data, ends_on=form.ends_on.data,
            kind=form.kind.data or "", value=form.value.data or "",
            first_term_only=form.first_term_only.data != "every", enabled=form.enabled.data)
        saved = transaction.submit(form, lambda: pricing.save_promotion(g.partner, fields,
                                                                        existing))
        if not transaction.refused(saved):
            flash(f"The promotion of .{saved.tld} is saved.")
            return redirect(url_for("billing_pricing.promotions", slug=g.partner.slug), code=303)
    status = 400 if form.errors or form.form_errors else 200
    return render_template("billing_panel/promotion.html", form=form, existing=existing,
                           offers=offers), status


@bp.route("/promotions/<int:promotion_id>/switch", methods=["POST"])
@panel_route("admin")
def switch_promotion(promotion_id: int):
    if not FlaskForm().validate_on_submit():
        abort(400)
    found = get_for_partner(Promotion, promotion_id, g.partner.id)
    found.enabled = not found.enabled
    flash(f"The promotion of .{found.tld} is switched {'on' if found.enabled else 'off'}.")
    return redirect(url_for("billing_pricing.promotions", slug=g.partner.slug), code=303)


# -- price groups --------------------------------------------------------------------------------


class GroupForm(FlaskForm):
    name = StringField("Name", validators=[Length(max=100)], description="e.g. Agencies")
    percent = WholeNumberField("Percent off your prices", default=0)
    is_default = BooleanField("Default group (subscribers in no group, and visitors)")
    prices = StringField("Own prices per TLD (optional)", validators=[Length(max=4000)],
                         description="One per TLD: tld register renew transfer, separated by "
                                     "semicolons, e.g. “pl 19.00 59.00 49.00; com 49 59 59”.")
    members = StringField("Subscribers in it (e-mails, optional)",
                          validators=[Length(max=4000)],
                          description="Separated by spaces or commas; each moves to this group.")


@bp.route("/price-groups")
@panel_route("admin")
def groups():
    found = list(db.session.scalars(select(PriceGroup).where(
        PriceGroup.partner_id == g.partner.id).order_by(PriceGroup.name)))
    members: dict[int, list[str]] = {}
    for group_id, email in db.session.execute(
            select(SubscriberPriceGroup.group_id, Subscriber.email)
            .join(Subscriber, Subscriber.id == SubscriberPriceGroup.subscriber_id)
            .where(SubscriberPriceGroup.partner_id == g.partner.id).order_by(Subscriber.email)):
        members.setdefault(group_id, []).append(email)
    prices: dict[int, int] = {}
    for row in db.session.scalars(select(PriceGroupPrice).where(
            PriceGroupPrice.partner_id == g.partner.id)):
        prices[row.group_id] = prices.get(row.group_id, 0) + 1
    return render_template("billing_panel/price_groups.html", groups=found, members=members,
                           prices=prices)


@bp.route("/price-groups/new", methods=["GET", "POST"])
@bp.route("/price-groups/<int:group_id>", methods=["GET", "POST"])
@panel_route("admin")
def group(group_id: int | None = None):
    existing = get_for_partner(PriceGroup, group_id, g.partner.id) if group_id else None
    form = GroupForm(obj=existing)
    if existing is not None and not form.is_submitted():
        form.prices.data = "; ".join(
            f"{row.tld} {Money(row.register_minor, partner_currency()).plain()} "
            f"{Money(row.renew_minor, partner_currency()).plain()} "
            f"{Money(row.transfer_minor, partner_currency()).plain()}"
            for row in db.session.scalars(select(PriceGroupPrice).where(
                PriceGroupPrice.partner_id == g.partner.id,
                PriceGroupPrice.group_id == existing.id).order_by(PriceGroupPrice.tld)))
        form.members.data = " ".join(db.session.scalars(
            select(Subscriber.email).join(SubscriberPriceGroup,
                                          SubscriberPriceGroup.subscriber_id == Subscriber.id)
            .where(SubscriberPriceGroup.partner_id == g.partner.id,
                   SubscriberPriceGroup.group_id == existing.id).order_by(Subscriber.email)))
    if form.validate_on_submit():
        given = pricing.GroupFields(
            name=form.name.data or "", percent=form.percent.data or 0,
            is_default=form.is_default.data, prices=form.prices.data or "",
            members=form.members.data or "")
        saved = transaction.submit(form, lambda: pricing.save_group(g.partner, given, existing))
        if not transaction.refused(saved):
            flash(f"The price group {saved.name} is saved.")
            return redirect(url_for("billing_pricing.groups", slug=g.partner.slug), code=303)
    status = 400 if form.errors or form.form_errors else 200
    return render_template("billing_panel/price_group.html", form=form,
                           existing=existing), status

