"""The storefront's cart (/cart): what the search page and the order frame hand over. Checkout comes
with the orders issue; until then the cart shows what will be ordered, priced now.

Only a POST changes the cart: the search results' buttons post with this session's CSRF token, and
the order frame posts its signed cart from its own page (see `import_cart`).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, g, redirect, request, session, url_for
from flask_wtf import FlaskForm

from storefront.services import cart as service
from storefront.services.catalog import format_price
from storefront.services.errors import InvalidInput
from storefront.site.content import theme_context
from storefront.tenancy import site_of_host
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


@bp.route("/add", methods=["POST"])
def add():
    wanted = (request.form.get("domain", ""), request.form.get("years"),
              request.form.get("operation"))
    items, refused = service.check_items(g.site, [wanted])
    if refused:
        return _render(400, refused[0].message)
    try:
        _save(service.add(_items(), items[0]))
    except InvalidInput as error:
        return _render(400, error.message)
    return redirect(url_for("cart.show"), code=303)


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


@bp.route("/import", methods=["GET", "POST"])
def import_cart():
    """The order frame's hand-off: a signed cart becomes this storefront's first-party cart.

    The frame posts it from its own page, on one of this partner's hosts, which the browser's
    Origin header proves (the frame has no cookie here, so no session CSRF token either). Any
    other arrival, a link or a post from elsewhere, only shows what would be added, with a button
    that posts it with this session's CSRF token.
    """
    opened = service.open_cart(g.site, request.values.get("c", ""))
    if opened is None:
        flash("That cart link has expired. Please choose your domains again.")
        return redirect(url_for("cart.show"))
    items, promo = opened
    form = FlaskForm()
    if request.method == "POST" and (_from_own_pages() or form.validate_on_submit()):
        kept, refused = service.check_items(g.site, items)
        merged = _items()
        try:
            for item in kept:
                merged = service.add(merged, item)
        except InvalidInput as full:  # the cart holds MAX_ITEMS
            refused.append(full)
        _save(merged, promo)
        for reason in refused:
            flash(reason.message)
        return redirect(url_for("cart.show"), code=303)
    arriving = service.view(g.site, items, promo)
    return render_theme(
        g.site, "cart_import.html", arriving=arriving, token=request.values.get("c", ""),
        form=form, format_price=format_price, **theme_context(g.site)
    )


def _from_own_pages() -> bool:
    """Whether the browser says this request comes from a page on one of this partner's hosts.
    Browsers send Origin with every POST, and no other site can set it."""
    origin = request.headers.get("Origin", "")
    if not origin.startswith(("https://", "http://")):
        return False
    site = site_of_host(urlsplit(origin).netloc)
    return site is not None and site.partner_id == g.site.partner_id
