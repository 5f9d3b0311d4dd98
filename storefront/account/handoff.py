"""The frame login's hand-off: where a login made inside a frame becomes a first-party session in
the top window (no third-party cookie needed), without letting anyone else choose who is logged in
in this browser (login CSRF).

The threat. Whoever logs in inside a frame gets a single-use hand-off token for *their own*
account, and an attacker can get one whenever they like: their own account, their own browser,
even on the partner's real page. If a GET of /account/handoff?token=… logged in, any page, mail
or forum post could send a visitor there and sign them in as the attacker (who then sees the
orders, addresses and payments the visitor makes), or silently replace the account the visitor was
already logged in with.

What proves nothing: anything in a URL. A nonce that embed.js makes up, binds to the token through
the frame and adds to the hand-off URL is the attacker's to copy as well: they run the same
embed.js flow for their own account and put its token *and* nonce in their link. Only what the
visitor's own browser writes can tell the real flow from a forwarded link.

What proves the flow:
1. embed.js does not navigate to a hand-off URL: it submits a POST form in the top window to
   `arrive`. The browser writes that POST's `Origin`, and no page can forge it. It must be one of
   the partner's allowed frame origins: a page of the partner's own site, the only place where
   embed.js can show the frame. A link is a GET; an attacker's own form carries their origin.
2. `arrive` does not log in. It keeps the token in a short-lived, HttpOnly cookie on the storefront
   host and redirects to the hand-off page. Only the browser that made that POST holds the cookie;
   the address it lands on carries no token, so there is nothing to copy from it.
3. The hand-off page logs in at once only with that cookie, and only when nobody else is logged in
   in this browser (or the same subscriber already is). In every other case (a token in the URL:
   a plain <iframe>'s "Continue" link, a forwarded link; or another subscriber logged in here) it
   shows which account would be signed in and asks for one click: a POST that carries this
   top-level session's CSRF token, which no other site can read.

So a GET never switches an account that is logged in, and a link alone never logs anyone in. What
is left to trust is the partner's own origin: a script injected there could post the form, but it
could already read and do anything on the partner's page.
"""

from __future__ import annotations

import hmac

from flask import flash, g, make_response, redirect, request, url_for
from flask_login import current_user, login_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from storefront.account.views import _render, bp
from storefront.i18n import gettext as _
from storefront.models import Subscriber
from storefront.security import local_path
from storefront.services import subscribers, tokens
from widgets.policy import may_embed

PROOF_COOKIE = "handoff"
PROOF_PATH = "/account/handoff"
PROOF_SECONDS = 60


@bp.route("/handoff/arrive", methods=["POST"])
def handoff_arrive() -> Response:
    """embed.js's POST from the partner's page. Exempt from the session's CSRF check: it comes
    from another site by design, its proof is the `Origin` header, and it logs no one in."""
    raw = request.form.get("token", "")[: tokens.MAX_LENGTH + 1]
    response = redirect(url_for("account.handoff"), code=303)
    if may_embed(g.site, request.headers.get("Origin", "")) and raw:
        response.set_cookie(PROOF_COOKIE, raw, max_age=PROOF_SECONDS, path=PROOF_PATH,
                            secure=request.is_secure, httponly=True, samesite="Lax")
    return response


@bp.record_once
def _exempt_arrive_from_csrf(state) -> None:
    state.app.extensions["csrf"].exempt(handoff_arrive)


@bp.route("/handoff")
def handoff() -> Response:
    """Log in at once when embed.js's proof came with the token and no other subscriber is logged
    in here; otherwise show whose account it is and ask for a click."""
    in_url = request.args.get("token", "")
    in_cookie = request.cookies.get(PROOF_COOKIE, "")
    raw = in_url or in_cookie
    proven = bool(in_cookie) and hmac.compare_digest(in_cookie.encode(), raw.encode())
    next_path = local_path(request.args.get("next"), "/account/")
    subscriber = subscribers.peek_token(g.site, "handoff", raw)
    logged_in = current_user._get_current_object()
    me = logged_in if isinstance(logged_in, Subscriber) else None
    if subscriber is None:
        response = _expired()
    elif (me is not None and me.id == subscriber.id) or (proven and me is None):
        response = _sign_in(raw, next_path)
    else:
        response = make_response(_render("account/handoff.html", subscriber=subscriber, me=me,
                                          token=raw, next_path=next_path, form=FlaskForm()))
    if in_cookie:  # used once, whatever happened
        response.delete_cookie(PROOF_COOKIE, path=PROOF_PATH, secure=request.is_secure,
                               httponly=True, samesite="Lax")
    return response


@bp.route("/handoff", methods=["POST"])
def handoff_confirm() -> Response:
    """The visitor's click on the hand-off page (CSRF-checked like every storefront form)."""
    if not FlaskForm().validate_on_submit():
        return _expired()
    return _sign_in(request.form.get("token", ""),
                    local_path(request.form.get("next"), "/account/"))


def _sign_in(raw: str, next_path: str) -> Response:
    subscriber = subscribers.consume_token(g.site, "handoff", raw)
    if subscriber is None:
        return _expired()
    login_user(subscriber)
    flash(_("You are logged in as %(email)s.", email=subscriber.email))
    return redirect(next_path)


def _expired() -> Response:
    flash(_("That sign-in link has expired. Please log in again."))
    return redirect(url_for("account.login"))
