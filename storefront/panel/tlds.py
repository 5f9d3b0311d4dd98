"""Panel: TLDs & prices. The platform's enabled TLDs with their wholesale prices, the partner's
retail prices for those it sells; start selling, change prices, stop selling, sell with a markup.

Prices are judged by `catalog.set_retail_prices` (never below wholesale), so the panel shows its
messages; a refused change rolls back and nothing is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from flask import abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from storefront import transaction
from storefront.auth import panel_route
from storefront.db import db
from storefront.forms import add_error
from storefront.models.catalog import OPERATIONS, PartnerTld, Tld
from storefront.models.partner import Partner
from storefront.money import Money
from storefront.panel.blueprint import bp
from storefront.panel.tld_forms import (
    KIND_LABELS,
    ActionForm,
    MarkupForm,
    RetailPricesForm,
    TldFilterForm,
)
from storefront.services import catalog
from storefront.services.errors import InvalidInput

LOCALE = "en"  # the panel speaks English; storefronts format prices in the subscriber's locale


@dataclass(frozen=True)
class TldRow:
    tld: Tld
    offer: PartnerTld | None


def price(amount_minor: int, currency: str) -> str:
    return Money(amount_minor, currency).format(LOCALE)


def price_text(amount_minor: int, currency: str) -> str:
    """Minor units as a plain number for a form field: 3900 PLN → "39.00"."""
    return Money(amount_minor, currency).plain()


def tld_rows(partner: Partner, filters: TldFilterForm) -> list[TldRow]:
    """Enabled TLDs by name with the partner's offer, narrowed by the filter. The catalogue is a
    few hundred rows at most, so matching the unicode form happens here rather than in SQL."""
    tlds = db.session.scalars(select(Tld).where(Tld.enabled.is_(True)).order_by(Tld.name))
    offers = {offer.tld_id: offer for offer in db.session.scalars(
        select(PartnerTld).where(PartnerTld.partner_id == partner.id))}
    text = (filters.q.data or "").strip().lower().lstrip(".")
    rows = []
    for tld in tlds:
        offer = offers.get(tld.id)
        if text and text not in tld.name and text not in tld.unicode_name.lower():
            continue
        if filters.kind.data and tld.kind != filters.kind.data:
            continue
        if filters.sale.data == "selling" and offer is None:
            continue
        if filters.sale.data == "not-selling" and offer is not None:
            continue
        rows.append(TldRow(tld, offer))
    return rows


def _enabled_tld(name: str) -> Tld:
    tld = catalog.get_tld(name)
    if tld is None or not tld.enabled:
        abort(404)
    return tld


def _list_page(filters: TldFilterForm, markup_form: MarkupForm | None = None,
               errors: list[str] | None = None, status: int = 200):
    return render_template(
        "panel/tlds.html",
        rows=tld_rows(g.partner, filters),
        filters=filters,
        markup_form=markup_form or MarkupForm(formdata=None),
        action_form=ActionForm(formdata=None),
        errors=errors or [],
        operations=OPERATIONS,
        price=price,
        kinds=KIND_LABELS,
        filtered=any(f.data for f in (filters.q, filters.kind, filters.sale)),
    ), status


@bp.route("/<slug>/tlds")
@panel_route("admin")
def tlds():
    return _list_page(TldFilterForm(formdata=request.args))


@bp.route("/<slug>/tlds/markup", methods=["POST"])
@panel_route("admin")
def tld_markup():
    """Sell the ticked TLDs (or all listed by the current filter) at wholesale + N %."""
    filters = TldFilterForm(formdata=request.form)
    form = MarkupForm()
    if not form.validate_on_submit():
        return _list_page(filters, form, status=400)
    try:
        percent = form.percent_value()
    except InvalidInput as error:
        add_error(form, error.field, error.message)
        return _list_page(filters, form, status=400)
    if request.form.get("scope") == "all":
        chosen = [row.tld for row in tld_rows(g.partner, filters)]
    else:
        ticked = set(request.form.getlist("tld"))
        chosen = [tld for tld in map(catalog.get_tld, sorted(ticked))
                  if tld is not None and tld.enabled]
    if not chosen:
        add_error(form, "percent", "Tick the TLDs to sell first, or choose “all listed”.")
        return _list_page(filters, form, status=400)
    result = transaction.submit(None, lambda: _mark_up(chosen, percent))
    if transaction.refused(result):
        return _list_page(filters, form, [message for _, message in result.error.field_errors()],
                          status=400)
    flash(f"{len(chosen)} TLD(s) now sell at the wholesale price plus {percent} %.")
    return redirect(url_for("panel.tlds", slug=g.partner.slug, q=filters.q.data or None,
                            kind=filters.kind.data or None, sale=filters.sale.data or None))


class MarkupRefused(InvalidInput):
    """Some TLDs refused the new prices: all or nothing, so a partner reading the messages does
    not have to guess what was applied."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("Nothing was changed.")
        self.errors = errors

    def field_errors(self) -> list[tuple[str | None, str]]:
        return [(None, message) for message in [self.message, *self.errors]]


def _mark_up(tlds: list[Tld], percent: Decimal) -> None:
    errors = []
    for tld in tlds:
        prices = {operation: price_text(_marked_up(tld.wholesale_price(operation), percent),
                                        tld.currency) for operation in OPERATIONS}
        try:
            catalog.set_retail_prices(g.partner, tld.name, locale=LOCALE, **prices)
        except InvalidInput as error:
            errors.append(f".{tld.unicode_name}: {error.message}")
    if errors:
        raise MarkupRefused(errors)


def _marked_up(wholesale: int, percent: Decimal) -> int:
    # Rounded up to a whole minor unit, so a markup never lands below wholesale.
    return int((Decimal(wholesale) * (100 + percent) / 100).to_integral_value(ROUND_CEILING))


@bp.route("/<slug>/tlds/<tld_name>", methods=["GET", "POST"])
@panel_route("admin")
def tld_prices(tld_name: str):
    tld = _enabled_tld(tld_name)
    offer = catalog.get_partner_tld(g.partner, tld.name)
    current = {op: price_text(offer.retail_price(op), tld.currency) for op in OPERATIONS} \
        if offer else {}
    form = RetailPricesForm(data=current)
    if form.validate_on_submit():
        saved = transaction.submit(form, lambda: catalog.set_retail_prices(
            g.partner, tld.name, locale=LOCALE,
            register=form.register.data or "", renew=form.renew.data or "",
            transfer=form.transfer.data or "",
        ))
        if not transaction.refused(saved):
            flash(f"Your prices for .{tld.unicode_name} are saved.")
            return redirect(url_for("panel.tlds", slug=g.partner.slug, _anchor=f"tld-{tld.name}"))
        # The rollback expired the objects; read the stored offer again for the page.
        tld = _enabled_tld(tld_name)
        offer = catalog.get_partner_tld(g.partner, tld.name)
    status = 400 if form.errors else 200
    return render_template(
        "panel/tld_prices.html", form=form, tld=tld, offer=offer, operations=OPERATIONS,
        price=price, kinds=KIND_LABELS, action_form=ActionForm(formdata=None),
    ), status


@bp.route("/<slug>/tlds/<tld_name>/stop", methods=["POST"])
@panel_route("admin")
def stop_selling(tld_name: str):
    tld = _enabled_tld(tld_name)
    back = redirect(url_for("panel.tlds", slug=g.partner.slug))
    if not ActionForm().validate_on_submit():
        return back
    if catalog.get_partner_tld(g.partner, tld.name) is None:
        flash(f"You don't sell .{tld.unicode_name}.", "error")
        return back
    left = [group.name for group in catalog.groups(g.partner) if tld.name in group.tld_names]
    catalog.stop_selling(g.partner, tld.name)
    message = f"You no longer sell .{tld.unicode_name}."
    if left:
        message += f" It was taken out of these TLD groups: {', '.join(left)}."
    flash(message)
    return back
