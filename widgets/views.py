"""The five frames. Each renders in the partner's palette with no site chrome, answers with
`frame-ancestors` = the partner's allowed origins, and keeps the deep-link parameters it was given
(parent_origin, group, locale, promo) on every link and form inside it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    g,
    render_template,
    request,
    url_for,
)
from flask_login import login_user
from werkzeug.exceptions import TooManyRequests

from storefront import limits, transaction
from storefront.errors import retry_after, too_many_attempts
from storefront.i18n import frame_locale
from storefront.i18n import gettext as _
from storefront.money import Money
from storefront.security import allow_form_posts_to
from storefront.services import cart, subscribers
from storefront.services.domain_search import GroupNotFound, price_table, search
from storefront.services.errors import InvalidInput
from storefront.services.partner_catalogue import catalogue
from storefront.tenancy import partner_url
from widgets.policy import (
    FrameRefused,
    allow_framing,
    check_form,
    current_site,
    form_token,
    parent_origin,
)

bp = Blueprint("frames", __name__, url_prefix="/frames")

KEPT_PARAMS = ("parent_origin", "locale", "group", "promo", "items", "preview")


@bp.before_request
def _frame_policy():
    site = current_site()
    allow_framing(site)
    try:
        g.parent_origin = parent_origin(site)
        g.promo = cart.check_promo(request.values.get("promo"))
    except FrameRefused as refused:
        return _refusal(refused)
    except InvalidInput as error:
        return _refusal(FrameRefused(error.message))
    return None


@bp.errorhandler(FrameRefused)
def _refusal(refused: FrameRefused):
    return _render("frames/refused.html", refused.status, message=refused.message)


@bp.errorhandler(TooManyRequests)
def _too_many_attempts(error: TooManyRequests):
    page, status = _render("frames/refused.html", 429, message=too_many_attempts(error))
    return page, status, retry_after(error)


def kept(**extra: Any) -> dict[str, str]:
    """The deep-link parameters to carry on, plus `extra` (None drops one)."""
    params = {key: request.values.get(key, "") for key in KEPT_PARAMS}
    params["parent_origin"] = g.get("parent_origin", "")
    params.update({k: ("" if v is None else str(v)) for k, v in extra.items()})
    return {k: v for k, v in params.items() if v}


def _render(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    site = current_site()
    locale = frame_locale()
    return render_template(
        template,
        site=site,
        frame_parent_origin=g.get("parent_origin", ""),
        frame_allowed_origins=json.dumps(list(site.frame_origins)),
        locale=locale,
        price=lambda amount, currency: Money(amount, currency).format(locale),
        kept=kept,
        **context,
    ), status


def _years_param() -> int | None:
    raw = request.args.get("years", "").strip()
    if not raw:
        return None
    try:
        return cart.parse_years(raw)
    except InvalidInput as error:
        raise FrameRefused(error.message) from None


@bp.route("/domain-search")
def domain_search():
    site = current_site()
    years = _years_param()
    query = request.args.get("q", "")
    group_slug = request.args.get("group") or None
    try:
        if query.strip():  # the search picks (and checks) the group itself
            result = search(site, query, group_slug,
                            tld=request.args.get("tld") or None)
            group = result.group
        else:
            result, (group, _rows) = None, price_table(site, group_slug)
    except GroupNotFound:
        abort(404)
    in_cart = frozenset(item[0] for item in cart.parse_items(request.args.get("items")))
    return _render("frames/domain_search.html", result=result, query=query, years=years or 1,
                   group=group, groups=catalogue(site).group_views, in_cart=in_cart)


@bp.route("/pricing")
def pricing():
    site = current_site()
    try:
        group, rows = price_table(site, request.args.get("group") or None)
    except GroupNotFound:
        abort(404)
    return _render("frames/pricing.html", group=group, rows=rows)


@bp.route("/order")
def order():
    """The order, carried in the `items` parameter (the frame has no cookie of its own). Every
    item is checked on every view, as the storefront's cart checks it: the parameter is
    whatever the address says."""
    site = current_site()
    items = cart.parse_items(request.args.get("items"))
    refused: list[InvalidInput] = []
    try:
        # `q` is embed.js's deep link (data-q="example.pl" data-years="2"), `add` the frame's.
        add = request.args.get("add") or request.args.get("q")
        if add:
            items = cart.add(items, cart.check_item(site, add,
                                                    request.args.get("years"),
                                                    request.args.get("operation")))
        if request.args.get("remove"):
            items = cart.remove(items, request.args["remove"].lower())
    except InvalidInput as error:
        refused.append(error)
    checked = cart.check(site, items)
    refused += checked.refused
    view = cart.view(site, checked.items, g.promo, checked.quotes)
    allow_form_posts_to([partner_url(site, "").rstrip("/")])
    return _render(
        "frames/order.html", 400 if refused else 200, cart=view, refused=refused,
        transfers=[taken for taken in refused if isinstance(taken, cart.NameTaken)],
        checkout_url=partner_url(site, url_for("cart.import_cart")),
        cart_token=cart.sign_cart(site, view.items, g.promo),
        items_param=cart.format_items(view.items),
    )


# -- login and signup ------------------------------------------------------------------------------


@bp.route("/user-login", methods=["GET", "POST"])
def user_login():
    site = current_site()
    error = None
    email = ""
    if request.method == "POST":
        limits.hit("subscriber_login", account=request.form.get("email", ""))
        check_form(site, g.parent_origin)
        email = request.form.get("email", "")[:254]
        subscriber = subscribers.authenticate(site, email,
                                              request.form.get("password", "")[:200])
        if subscriber is not None:
            return _hand_off(subscriber)
        error = _("Wrong e-mail or password.")
    return _render("frames/user_login.html", 400 if error else 200, error=error, email=email,
                   token=form_token(site, g.parent_origin))


@bp.route("/user-register", methods=["GET", "POST"])
def user_register():
    site = current_site()
    errors: dict[str, str] = {}
    values = {"name": "", "email": ""}
    if request.method == "POST":
        limits.hit("signup")
        check_form(site, g.parent_origin)
        values = {"name": request.form.get("name", "")[:120],
                  "email": request.form.get("email", "")[:254]}
        subscriber = transaction.submit(None, lambda: subscribers.register(
            site, values["email"], request.form.get("password", "")[:201], values["name"]))
        if not transaction.refused(subscriber):
            return _hand_off(subscriber)
        errors[subscriber.error.field or "form"] = subscriber.error.message
    return _render("frames/user_register.html", 400 if errors else 200, errors=errors,
                   values=values, token=form_token(site, g.parent_origin))


def _hand_off(subscriber) -> tuple[str, int]:
    """Logged in: a single-use token takes the subscriber to the storefront's top window, where it
    becomes a first-party session (storefront/account/handoff.py says how, and why embed.js posts
    it rather than following a link). A first-party frame (embedded from the partner's own site)
    also gets the session right away."""
    site = current_site()
    token = subscribers.issue_token(subscriber, "handoff")
    login_user(subscriber)
    return _render("frames/login_done.html", subscriber=subscriber, token=token,
                   arrive_url=partner_url(site, url_for("account.handoff_arrive")),
                   handoff_url=partner_url(site, url_for("account.handoff", token=token)))


# -- embed.js --------------------------------------------------------------------------------------

static_bp = Blueprint("frames_static", __name__)
STATIC = Path(__file__).resolve().parent / "static"


@static_bp.route("/widgets/embed.js")
def embed_js() -> Response:
    current_site()
    response = Response((STATIC / "embed.js").read_bytes(), mimetype="text/javascript")
    # A stable address partners paste into their pages: cached briefly, so fixes reach them.
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response
