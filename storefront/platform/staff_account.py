"""A staff member's or platform admin's own account on the platform host: change the password, log
out everywhere else, and reset a forgotten password by a link in an e-mail."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user
from flask_wtf import FlaskForm

from storefront import limits, transaction
from storefront.auth import end_sessions
from storefront.models import User
from storefront.platform.forms import ChangePasswordForm, NewPasswordForm, ResetRequestForm
from storefront.platform.views import bp
from storefront.services import users


def _me() -> User:
    return current_user._get_current_object()


def _home(user: User) -> str:
    return url_for("admin.index" if user.is_platform_admin else "panel.index")


@bp.route("/account-settings", methods=["GET", "POST"])
@login_required
def account_settings():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        limits.hit("password_change", account=_me().email)
        changed = transaction.submit(form, lambda: users.change_password(
            _me(), form.current_password.data, form.password.data))
        if not transaction.refused(changed):
            login_user(_me())  # this browser stays logged in with the new stamp
            flash("Your new password is set. Every other session of your account has ended.")
            return redirect(url_for("platform.account_settings"))
    return render_template("platform/account_settings.html", form=form,
                           end_form=FlaskForm()), 400 if form.errors else 200


@bp.route("/account-settings/sessions", methods=["POST"])
@login_required
def end_other_sessions():
    if FlaskForm().validate_on_submit():
        end_sessions(_me())
        login_user(_me())
        flash("You are logged out everywhere else: only this browser is still logged in.")
    return redirect(url_for("platform.account_settings"))


@bp.route("/login/reset", methods=["GET", "POST"])
def reset_request():
    if request.method == "POST":
        limits.hit("password_reset", account=request.form.get("email", ""))
    form = ResetRequestForm()
    if form.validate_on_submit():
        users.request_password_reset(form.email.data)
        # The same answer whether or not the e-mail has an account.
        return render_template("platform/reset_sent.html", email=form.email.data)
    return render_template("platform/reset.html", form=form), 400 if form.errors else 200


@bp.route("/login/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    if users.peek_reset(token) is None:
        return render_template("platform/reset_invalid.html"), 404
    form = NewPasswordForm()
    if form.validate_on_submit():
        user = transaction.submit(form, lambda: users.reset_password(token, form.password.data))
        if user is None:
            return render_template("platform/reset_invalid.html"), 404
        if isinstance(user, User):
            login_user(user)
            flash("Your new password is set. Every other session of your account has ended.")
            return redirect(_home(user))
    return render_template("platform/reset_password.html", form=form), 400 if form.errors else 200
