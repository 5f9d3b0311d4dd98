"""The storefront's cart (/cart): what the search page and the order frame hand over. Checkout comes
with the orders issue; until then the cart shows what will be ordered, priced now."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, request, session, url_for
from flask_wtf import FlaskForm

from storefront.services import cart as service
from storefront.services.catalog import format_price
from storefront.services.errors import InvalidInput
from storefront.site.content import theme_context
from storefront.themes import render_theme

bp = Blueprint("cart", __name__, url_prefix="/cart")


def _items() -> list[service.Item]:
    return service.parse_items(session.get("cart"))


def _save(items: list[service.Item], promo: str | None = None) -> None:
    session["cart"] = service.format_items(items)
    if promo is not None:
        session["promo"] = promo


@bp.route("/")
def show():
    return _render()


def _render(status: int = 200, error: str | None = None):
    cart = service.view(g.site, _items(), session.get("promo", ""))
    return render_theme(
        g.site, "cart.html", cart=cart, error=error, format_price=format_price,
        form=FlaskForm(), **theme_context(g.site)
    ), status


@bp.route("/add")
def add():
    try:
        item = service.check_item(g.site, request.args.get("domain", ""),
                                  request.args.get("years"), request.args.get("operation"))
        _save(service.add(_items(), item))
    except InvalidInput as error:
        return _render(400, error.message)
    return redirect(url_for("cart.show"))


@bp.route("/update", methods=["POST"])
def update():
    if not FlaskForm().validate_on_submit():
        return _render(400, "The form expired. Please try again.")
    domain = request.form.get("domain", "")
    items = _items()
    if request.form.get("action") == "remove":
        _save(service.remove(items, domain))
        return redirect(url_for("cart.show"))
    try:
        current = next((i for i in items if i[0] == domain.strip().lower()), None)
        if current is None:
            raise InvalidInput("That domain is not in your cart.", "domain")
        item = service.check_item(g.site, domain, request.form.get("years"),
                                  current[2])
        _save([item if i[0] == item[0] else i for i in items])
    except InvalidInput as error:
        return _render(400, error.message)
    return redirect(url_for("cart.show"))


@bp.route("/import")
def import_cart():
    """The order frame's hand-off: a signed cart becomes this storefront's first-party cart."""
    opened = service.open_cart(g.site, request.args.get("c", ""))
    if opened is None:
        flash("That cart link has expired. Please choose your domains again.")
        return redirect(url_for("cart.show"))
    items, promo = opened
    merged = _items()
    for domain, years, operation in items:
        try:
            merged = service.add(
                merged, service.check_item(g.site, domain, years, operation))
        except InvalidInput:
            continue  # no longer sold, or years out of range: the cart page shows what is left
    _save(merged, promo)
    return redirect(url_for("cart.show"))
