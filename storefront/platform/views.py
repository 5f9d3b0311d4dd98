from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import login_user, logout_user

from storefront import limits, transaction
from storefront.auth import check_password
from storefront.platform.forms import ApplicationForm, LoginForm, SetPasswordForm
from storefront.security import local_path
from storefront.services import applications, domains, partners
from storefront.services.users import find_user

bp = Blueprint("platform", __name__)


def platform_home():
    if request.method == "POST":
        limits.hit("application")
    form = ApplicationForm()
    if form.validate_on_submit():
        application = transaction.submit(form, lambda: applications.submit(form.data))
        if not transaction.refused(application):
            return render_template("platform/applied.html", email=application.email)
    return render_template("platform/home.html", form=form), 400 if form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "POST":
        limits.hit("login", account=request.form.get("email", ""))
    form = LoginForm()
    if form.validate_on_submit():
        user = find_user(form.email.data)
        if user and user.active and check_password(user.password_hash, form.password.data):
            login_user(user)
            home = url_for("admin.index" if user.is_platform_admin else "panel.index")
            return redirect(local_path(request.args.get("next"), home))
        form.form_errors.append("Wrong e-mail or password.")
    return render_template("platform/login.html", form=form), 400 if form.errors else 200


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    return redirect(url_for("platform.login"))


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    invitation = partners.find_invitation(token)
    if invitation is None:
        abort(404)
    form = SetPasswordForm()
    if form.validate_on_submit():
        user = transaction.submit(form, lambda: partners.accept_invitation(
            invitation, form.name.data, form.password.data))
        if not transaction.refused(user):
            login_user(user)
            flash("Welcome! Your password is set.")
            return redirect(url_for("panel.index"))
    status = 400 if form.errors else 200
    return render_template("platform/invite.html", form=form, invitation=invitation), status


@bp.route("/.well-known/storefront/tls-allowed")
def tls_allowed():
    """Caddy's on-demand TLS "ask": 200 only for a verified partner domain; no DNS work."""
    if domains.is_verified_host(request.args.get("domain", "")):
        return "ok", 200, {"Content-Type": "text/plain"}
    return "no", 404, {"Content-Type": "text/plain"}
