"""Logins. Staff and platform admins log in on the platform host only; the loader refuses a staff
session anywhere else, and panel routes check the member's role for the partner in the URL."""

from __future__ import annotations

from functools import wraps

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, abort, g, redirect, request, url_for
from flask_login import LoginManager, current_user
from sqlalchemy import select

from storefront.db import db
from storefront.models import Membership, Partner, Subscriber, User
from storefront.tenancy import enter_tenant

# The shortest password anyone may choose: staff, platform admins and subscribers alike.
MIN_PASSWORD = 10

login_manager = LoginManager()
_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@login_manager.user_loader
def load_user(user_id: str):
    """Staff sessions count on the platform host only; a subscriber's session only on the hosts
    of the partner it belongs to (its id names the partner)."""
    kind, _, rest = user_id.partition(":")
    site = g.get("site")
    if kind == "staff" and rest.isdigit() and site is None:
        user = db.session.get(User, int(rest))
        return user if user is not None and user.active else None
    if kind == "subscriber" and site is not None:
        partner_id, _, raw_id = rest.partition(":")
        if partner_id != str(site.partner_id) or not raw_id.isdigit():
            return None
        subscriber = db.session.scalar(
            select(Subscriber).where(
                Subscriber.id == int(raw_id), Subscriber.partner_id == site.partner_id
            )
        )
        return subscriber if subscriber is not None and subscriber.active else None
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
