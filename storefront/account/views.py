"""Subscriber account views on a partner's storefront host. Thin: parse, call the subscribers
service, render in the partner's theme (the request commits: storefront.transaction)."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, request, url_for
from flask_login import current_user, login_user
from flask_wtf import FlaskForm

from billing.profiles import find_profile
from storefront import limits, transaction
from storefront.account.forms import (
    ChangePasswordForm,
    LoginForm,
    NewPasswordForm,
    RegisterForm,
    ResetRequestForm,
)
from storefront.auth import log_out, subscriber_required
from storefront.i18n import gettext as _
from storefront.models import Subscriber
from storefront.security import local_path
from storefront.services import subscribers
from storefront.site.content import panel_ads, theme_context
from storefront.themes import render_theme

bp = Blueprint("account", __name__, url_prefix="/account")


def _me() -> Subscriber:
    return current_user._get_current_object()


def _render(template: str, status: int = 200, **context):
    return render_theme(g.site, template, **theme_context(g.site), **context), status


@bp.route("/")
@subscriber_required
def home():
    return _render("account/home.html", subscriber=current_user, panel_ads=panel_ads(g.site),
                   billing=find_profile(g.site, _me()))


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "POST":
        limits.hit("subscriber_login", account=request.form.get("email", ""))
    form = LoginForm()
    if form.validate_on_submit():
        subscriber = subscribers.authenticate(g.site, form.email.data,
                                              form.password.data)
        if subscriber is not None:
            login_user(subscriber)
            return redirect(local_path(request.args.get("next"), "/account"))
        form.form_errors.append("Wrong e-mail or password.")
    return _render("account/login.html", 400 if form.errors else 200, form=form)


@bp.route("/register", methods=["GET", "POST"])
def register():
    if request.method == "POST":
        limits.hit("signup")
    form = RegisterForm()
    if form.validate_on_submit():
        subscriber = transaction.submit(form, lambda: subscribers.register(
            g.site, form.email.data, form.password.data, form.name.data))
        if not transaction.refused(subscriber):
            login_user(subscriber)
            flash(f"Welcome! We sent a link to {subscriber.email}: open it to confirm your e-mail.")
            return redirect(local_path(request.args.get("next"), "/account"))
    return _render("account/register.html", 400 if form.errors else 200, form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    log_out()
    return redirect("/")


@bp.route("/password", methods=["GET", "POST"])
@subscriber_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        limits.hit("password_change", account=_me().email)
        changed = transaction.submit(form, lambda: subscribers.change_password(
            g.site, _me(), form.current_password.data, form.password.data))
        if not transaction.refused(changed):
            login_user(_me())  # this browser stays logged in with the new stamp
            flash(_("Your new password is set. Every other session of your account has ended."))
            return redirect(url_for("account.home"))
    return _render("account/password.html", 400 if form.errors else 200, form=form)


@bp.route("/sessions", methods=["POST"])
@subscriber_required
def end_other_sessions():
    if FlaskForm().validate_on_submit():
        subscribers.end_sessions(g.site, _me())
        login_user(_me())
        flash(_("You are logged out everywhere else: only this browser is still logged in."))
    return redirect(url_for("account.home"))


@bp.route("/verify/<token>")
def verify(token: str):
    subscriber = subscribers.verify_email(g.site, token)
    return _render("account/verified.html", 200 if subscriber else 404, subscriber=subscriber)


@bp.route("/verify/resend", methods=["POST"])
@subscriber_required
def resend_verification():
    if FlaskForm().validate_on_submit() and not current_user.is_verified:
        limits.hit("verification_resend", account=current_user.email)
        subscribers.send_verification(g.site, current_user)
        flash(f"We sent a new confirmation link to {current_user.email}.")
    return redirect(url_for("account.home"))


@bp.route("/reset", methods=["GET", "POST"])
def reset_request():
    if request.method == "POST":
        limits.hit("password_reset", account=request.form.get("email", ""))
    form = ResetRequestForm()
    if form.validate_on_submit():
        subscribers.request_password_reset(g.site, form.email.data)
        return _render("account/reset_sent.html", email=form.email.data)
    return _render("account/reset.html", 400 if form.errors else 200, form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    if subscribers.peek_token(g.site, "reset", token) is None:
        return _render("account/reset_invalid.html", 404)
    form = NewPasswordForm()
    if form.validate_on_submit():
        subscriber = transaction.submit(
            form, lambda: subscribers.reset_password(g.site, token, form.password.data))
        if subscriber is None:
            return _render("account/reset_invalid.html", 404)
        if not transaction.refused(subscriber):
            login_user(subscriber)  # with the new stamp: every session opened before has ended
            flash("Your new password is set.")
            return redirect(url_for("account.home"))
    return _render("account/reset_password.html", 400 if form.errors else 200, form=form)
