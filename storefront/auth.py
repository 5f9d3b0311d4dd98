"""Logins. Staff and platform admins log in on the platform host only; the loader refuses a staff
session anywhere else, and panel routes check the member's role for the partner in the URL.

Every account (staff, admin, subscriber) has a session stamp that its session carries (in the
flask-login id) and the loader compares: changing the stamp ends every session opened before.
Logout, "log out everywhere", a new password (changed or reset), deactivation and the removal of a
membership change it, so a copy of the cookie taken earlier, or a session opened before a reset,
stops working.
"""

from __future__ import annotations

import hmac
import secrets
from functools import cache, wraps

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, abort, g, redirect, request, url_for
from flask_login import LoginManager, current_user, logout_user
from sqlalchemy import select

from storefront.db import db, new_stamp
from storefront.models import Membership, Partner, Subscriber, User
from storefront.tenancy import enter_tenant

# The shortest password anyone may choose: staff, platform admins and subscribers alike.
MIN_PASSWORD = 10

login_manager = LoginManager()
_hasher = PasswordHasher()

Account = User | Subscriber


def hash_password(password: str) -> str:
    return _hasher.hash(password)


@cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_hex(16))


def check_password(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches. Without a hash (an unknown e-mail, an account with no password
    yet) a dummy hash is checked all the same, so a failed login takes as long either way and its
    time does not tell whether the e-mail has an account."""
    try:
        matches = _hasher.verify(password_hash or _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return False
    return matches and bool(password_hash)


def set_password(account: Account, password: str) -> None:
    """A new password ends every session opened with the old one (the caller logs the current
    browser in again when it should stay logged in)."""
    account.password_hash = hash_password(password)
    end_sessions(account)


def end_sessions(account: Account) -> None:
    """Every session of `account` opened before now stops counting."""
    account.session_stamp = new_stamp()


def log_out() -> None:
    """Log this browser out, and end every other session of the account too: a copy of the
    cookie taken before logging out must not outlive it."""
    account = current_user._get_current_object()
    if isinstance(account, User | Subscriber):
        end_sessions(account)
    logout_user()


def _stamp_matches(account: Account | None, stamp: str) -> bool:
    return (
        account is not None
        and account.active
        and hmac.compare_digest(account.session_stamp.encode(), stamp.encode())
    )


@login_manager.user_loader
def load_user(user_id: str) -> Account | None:
    """Staff sessions count on the platform host only; a subscriber's session only on the hosts
    of the partner it belongs to (its id names the partner). Either only while its stamp is the
    account's current one."""
    kind, _, rest = user_id.partition(":")
    site = g.get("site")
    if kind == "staff" and site is None:
        raw_id, _, stamp = rest.partition(":")
        if not raw_id.isdigit():
            return None
        user = db.session.get(User, int(raw_id))
        return user if _stamp_matches(user, stamp) else None
    if kind == "subscriber" and site is not None:
        partner_id, _, rest = rest.partition(":")
        raw_id, _, stamp = rest.partition(":")
        if partner_id != str(site.partner_id) or not raw_id.isdigit():
            return None
        subscriber = db.session.scalar(
            select(Subscriber).where(
                Subscriber.id == int(raw_id), Subscriber.partner_id == site.partner_id
            )
        )
        return subscriber if _stamp_matches(subscriber, stamp) else None
    return None


@login_manager.unauthorized_handler
def _unauthorized():
    if g.get("site") is not None:
        return redirect(url_for("account.login", next=request.full_path))
    return redirect(url_for("platform.login", next=request.full_path))


def subscriber_required(view):
    """For /account/… views on a storefront host: the partner's logged-in subscriber, else login."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if g.get("site") is None or not isinstance(current_user._get_current_object(), Subscriber):
            return _unauthorized()
        return view(*args, **kwargs)

    return wrapped


def admin_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return _unauthorized()
        if not current_user.is_platform_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def panel_route(role: str = "editor"):
    """For /panel/<slug>/… views: load the partner for a member with at least `role`, else 403/404.

    Sets g.partner and g.membership and scopes the rest of the request to that partner.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(slug: str, *args, **kwargs):
            if not current_user.is_authenticated:
                return _unauthorized()
            partner = db.session.scalar(select(Partner).where(Partner.slug == slug))
            if partner is None:
                abort(404)
            membership = db.session.scalar(
                select(Membership).where(
                    Membership.partner_id == partner.id, Membership.user_id == current_user.id
                )
            )
            if membership is None:
                # Platform admins may look into any partner's panel, as its owner.
                if not current_user.is_platform_admin:
                    abort(404)
                membership = Membership(
                    partner_id=partner.id, user_id=current_user.id, role="owner"
                )
            if not membership.allows(role):
                abort(403)
            g.partner = partner
            g.membership = membership
            enter_tenant(partner.id)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    # flask-login loads the user for every template; a lazy proxy spares anonymous storefront pages.
    processors = app.template_context_processors[None]
    processors[:] = [p for p in processors if p.__name__ != "_user_context_processor"]
    app.jinja_env.globals["current_user"] = current_user
    login_manager.session_protection = "basic"
