from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user
from flask_wtf import FlaskForm

from storefront import limits, transaction
from storefront.auth import log_out
from storefront.models import Invitation, Membership, User
from storefront.platform.forms import ApplicationForm, LoginForm, SetPasswordForm
from storefront.security import local_path
from storefront.services import applications, domains, partners, users

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
        user = users.authenticate(form.email.data, form.password.data)
        if user is not None:
            login_user(user)
            home = url_for("admin.index" if user.is_platform_admin else "panel.index")
            return redirect(local_path(request.args.get("next"), home))
        form.form_errors.append("Wrong e-mail or password.")
    return render_template("platform/login.html", form=form), 400 if form.errors else 200


@bp.route("/logout", methods=["POST"])
def logout():
    log_out()
    return redirect(url_for("platform.login"))


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    invitation = partners.find_invitation(token)
    if invitation is None:
        abort(404)
    invitee = partners.invitee(invitation)
    if invitee is not None:
        return _join(invitation, invitee)
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


def _join(invitation: Invitation, invitee: User):
    """An invitation to an e-mail that already has an account: its owner logs in as themselves and
    accepts with a click. The link alone changes nothing, whoever holds it."""
    me = current_user if current_user.is_authenticated else None
    form = FlaskForm()
    if me is not None and me.id == invitee.id and form.validate_on_submit():
        membership = transaction.submit(form, lambda: partners.join(invitation, invitee))
        if isinstance(membership, Membership):
            flash(f"You joined {membership.partner.name}'s team as {membership.role}.")
            return redirect(url_for("panel.dashboard", slug=membership.partner.slug))
    refused = request.method == "POST" and not form.errors
    status = 400 if form.errors else 403 if refused else 200
    return render_template("platform/invite_join.html", form=form, invitation=invitation,
                           invitee=invitee, me=me), status


@bp.route("/.well-known/storefront/tls-allowed")
def tls_allowed():
    """Caddy's on-demand TLS "ask": 200 only for a verified partner domain; no DNS work."""
    if domains.is_verified_host(request.args.get("domain", "")):
        return "ok", 200, {"Content-Type": "text/plain"}
    return "no", 404, {"Content-Type": "text/plain"}
