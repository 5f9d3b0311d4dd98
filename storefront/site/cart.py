"""The storefront's cart (/cart): what the search page and the order frame hand over, priced now,
and checkout (`checkout`): a logged-in subscriber with billing details gets a proforma for it
(billing.checkout), and the cart is emptied.

Only a POST changes the cart: the search results' buttons post with this session's CSRF token, and
the order frame posts its signed cart from its own page (see `import_cart`). A button on the search
results brings the visitor back to the same results (`_back_to_search`), where the row now says
"In cart"; the header shows the cart's count (`visitor`).

The session keeps the items and, beside them, the registry's price of each premium name in them
(`premium`): the session cookie is signed, so a browser cannot change either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Blueprint, flash, g, redirect, request, session, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from billing import checkout as ordering
from billing.profiles import find_profile
from storefront import transaction
from storefront.i18n import gettext as _
from storefront.models import Subscriber
from storefront.services import cart as service
from storefront.services.catalog import format_price
from storefront.services.errors import InvalidInput
from storefront.services.partner_catalogue import to_unicode
from storefront.site.content import theme_context
from storefront.tenancy import site_of_host
from storefront.themes import render_theme

bp = Blueprint("cart", __name__, url_prefix="/cart")


# What the search results' add form may carry back: the search's own parameters, each checked.
_GROUP = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_TLD = re.compile(r"^[a-z0-9.-]{1,63}$")


@dataclass(frozen=True)
class Visitor:
    """Who is looking, for the header and the search results: never cached, never shared."""

    cart_domains: frozenset[str] = frozenset()
    account: str = ""  # the logged-in subscriber's name, else e-mail; "" when nobody is
    email: str = ""

    @property
    def cart_count(self) -> int:
        return len(self.cart_domains)


NOBODY = Visitor()


@bp.app_template_global()
def visitor() -> Visitor:
    """This request's visitor. A request without cookies has no session and no login, so it is
    answered without touching either: the page it renders is the one the page cache may keep for
    every visitor without cookies (storefront/page_cache.py), and it shows nobody's cart."""
    if not request.cookies or g.get("site") is None:
        return NOBODY
    found = g.get("_visitor")
    if found is None:
        account = current_user._get_current_object()
        name = email = ""
        if getattr(account, "partner_id", None) == g.site.partner_id:  # this shop's subscriber
            name, email = (account.name or "").strip() or account.email, account.email
        found = g._visitor = Visitor(frozenset(item[0] for item in _items()), name, email)
    return found


def _items() -> list[service.Item]:
    return service.parse_items(session.get("cart"))


def _quotes(items: list[service.Item]) -> service.Quotes:
    return service.parse_quotes(session.get("premium"), items)


def _save(items: list[service.Item], promo: str | None = None,
          quotes: service.Quotes | None = None) -> None:
    """Keep the cart; the premium quotes of names still in it are kept, `quotes` added."""
    kept = {**_quotes(items), **(quotes or {})}
    session["cart"] = service.format_items(items)
    session["premium"] = {domain: list(quote) for domain, quote in kept.items()
                          if any(item[0] == domain for item in items)}
    g.pop("_visitor", None)
    if promo is not None:
        session["promo"] = promo


@bp.route("/")
def show():
    return _render()


def _render(status: int = 200, error: str | None = None):
    items = _items()
    cart = service.view(g.site, items, session.get("promo", ""), _quotes(items), shop_subscriber())
    return render_theme(
        g.site, "cart.html", cart=cart, error=error, format_price=format_price,
        form=FlaskForm(), **theme_context(g.site)
    ), status


def shop_subscriber() -> Subscriber | None:
    """This shop's logged-in subscriber, whose price group and code limits the cart and search
    show. A request without cookies has nobody logged in: it is answered without a session."""
    if not request.cookies:
        return None
    account = current_user._get_current_object()
    if isinstance(account, Subscriber) and account.partner_id == g.site.partner_id:
        return account
    return None


@bp.route("/promo", methods=["POST"])
def promo():
    """Enter or remove a promotion code; the cart then shows what it gives, or why not."""
    if not FlaskForm().validate_on_submit():
        return _render(400, _("The form expired. Please try again."))
    if request.form.get("action") == "remove":
        session.pop("promo", None)
        return redirect(url_for("cart.show"), code=303)
    try:
        code = service.check_promo(request.form.get("promo"))
    except InvalidInput as error:
        return _render(400, error.message)
    if code:
        session["promo"] = code
    else:
        session.pop("promo", None)
    return redirect(url_for("cart.show"), code=303)


@bp.route("/add", methods=["POST"])
def add():
    wanted = (request.form.get("domain", ""), request.form.get("years"),
              request.form.get("operation"))
    checked = service.check(g.site, [wanted])
    if checked.refused:
        return _render(400, checked.refused[0].message)
    item = checked.items[0]
    try:
        _save(service.add(_items(), item), quotes=checked.quotes)
    except InvalidInput as error:
        return _render(400, error.message)
    back = _back_to_search()
    if back is None:
        return redirect(url_for("cart.show"), code=303)
    flash(_("%(domain)s is in your cart.", domain=to_unicode(item[0])))
    return redirect(back, code=303)


def _back_to_search() -> str | None:
    """The search results the add button was on, when the form says it was on them: built here
    from the search's own parameters, so the visitor only ever goes back to this storefront's
    /search, whatever the form carries."""
    if request.form.get("from") != "search":
        return None
    query = request.form.get("q", "")[:1000]
    group = request.form.get("group", "")
    tld = request.form.get("tld", "")
    return url_for("site.search", q=query,
                   group=group if _GROUP.match(group) else None,
                   tld=tld if _TLD.match(tld) else None)


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
        _save([item if i[0] == item[0] else i for i in items])  # a premium quote stays
    except InvalidInput as error:
        return _render(400, error.message)
    return redirect(url_for("cart.show"))


@bp.route("/checkout", methods=["POST"])
def checkout():
    form = FlaskForm()
    if not form.validate_on_submit():
        return _render(400, _("The form expired. Please try again."))
    subscriber = current_user._get_current_object()
    if getattr(subscriber, "partner_id", None) != g.site.partner_id \
            or not isinstance(subscriber, Subscriber):
        flash(_("Log in or create an account to check out. Your cart is kept."))
        return redirect(url_for("account.login", next=url_for("cart.show")), code=303)
    if find_profile(g.site, subscriber) is None:
        flash(_("Give your billing details first: your proforma is made out to them."))
        return redirect(url_for("billing_account.details", next=url_for("cart.show")), code=303)
    items = _items()
    codes = {domain: request.form.get(f"code-{domain}", "")[:200]
             for domain, _years, operation in items if operation == "transfer"}
    proforma = transaction.submit(form, lambda: ordering.checkout(
        g.site, subscriber, items, _quotes(items), codes, session.get("promo", "")))
    if transaction.refused(proforma):
        return _render(400, proforma.error.message)
    _save([])
    session.pop("promo", None)
    flash(_("Thank you. Your order is placed: proforma %(number)s is below.",
            number=proforma.number), "success")
    return redirect(url_for("billing_account.proforma", document_id=proforma.id), code=303)


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
        checked = service.check(g.site, items)
        refused = checked.refused
        merged = _items()
        try:
            for item in checked.items:
                merged = service.add(merged, item)
        except InvalidInput as full:  # the cart holds MAX_ITEMS
            refused.append(full)
        _save(merged, promo, checked.quotes)
        for reason in refused:
            flash(reason.message)
        return redirect(url_for("cart.show"), code=303)
    checked = service.check(g.site, items)  # priced as they would be added
    for reason in checked.refused:
        flash(reason.message)
    arriving = service.view(g.site, checked.items, promo, checked.quotes)
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
