"""A domain's own page in the subscriber's account: /account/services/<id>/ on a storefront.

The page shows the domain's status and expiry and its nameservers as the registry holds them (the
stored value when the registry cannot be asked), in a form to change them: the registry is asked
first, and only when it agrees is the service's `nameservers` updated. "Show transfer code" is a
POST that asks the registry for the domain's auth code and shows it on the answer only: the code
is never stored here, never in a URL, and the page is `Cache-Control: no-store`.

Only an active domain of the signed-in subscriber at this partner has a page; any other id is 404.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, flash, g, redirect, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import TextAreaField, ValidationError

from billing.models import Service
from billing.nameservers import MAX_TEXT_LENGTH, NameserversRefused, parse_nameservers
from storefront.auth import subscriber_required
from storefront.db import db
from storefront.i18n import gettext as _
from storefront.registrars import (
    DomainRecord,
    RegistrarError,
    RegistrarUnavailable,
    UnknownBackend,
    get_backend,
)
from storefront.services.partner_catalogue import to_unicode
from storefront.site.content import theme_context
from storefront.themes import render_theme

log = logging.getLogger(__name__)

bp = Blueprint("billing_domains", __name__, url_prefix="/account/services",
               template_folder="templates")


class NameserversForm(FlaskForm):
    """One host name a line; `hosts` holds them, checked, once the form validates."""

    nameservers = TextAreaField(render_kw={"rows": 4, "maxlength": MAX_TEXT_LENGTH,
                                           "spellcheck": "false", "autocapitalize": "none"})
    hosts: list[str]

    def validate_nameservers(self, field: TextAreaField) -> None:
        try:
            self.hosts = parse_nameservers(field.data or "")
        except NameserversRefused as refused:
            # Every message, each naming its entry: all but the last go straight onto the field.
            field.errors.extend(refused.messages[:-1])
            raise ValidationError(refused.messages[-1]) from None


@bp.route("/<int:service_id>/")
@subscriber_required
def domain(service_id: int):
    service = _active_domain(service_id)
    record, unreachable = _ask_registry(service)
    form = NameserversForm()
    form.nameservers.data = "\n".join(_current_nameservers(service, record))
    return _render(service, form, unreachable=unreachable)


@bp.route("/<int:service_id>/nameservers", methods=["POST"])
@subscriber_required
def nameservers(service_id: int):
    service = _active_domain(service_id)
    form = NameserversForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        return _render(service, form, status=400)
    try:
        record = _backend(service).set_nameservers(service.name, form.hosts)
    except RegistrarUnavailable as exc:
        log.warning("nameservers of %s (service %s): %s", service.name, service.id, exc)
        form.nameservers.errors = [_("The registry could not be reached, so nothing was "
                                     "changed. Please try again in a few minutes.")]
        return _render(service, form, status=503)
    except RegistrarError as exc:
        log.warning("nameservers of %s (service %s) refused: %s", service.name, service.id, exc)
        form.nameservers.errors = [_("The registry did not accept these nameservers, so nothing "
                                     "was changed. Check that each of them exists and answers "
                                     "for your domain, then try again.")]
        return _render(service, form, status=422)
    service.nameservers = " ".join(record.nameservers or form.hosts)
    service.last_error = ""
    flash(_("The nameservers of %(name)s are changed. The change reaches the whole internet "
            "within a day or two.", name=to_unicode(service.name)), "success")
    return redirect(url_for("billing_domains.domain", service_id=service.id), code=303)


@bp.route("/<int:service_id>/auth-code", methods=["POST"])
@subscriber_required
def auth_code(service_id: int):
    service = _active_domain(service_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    record, unreachable = _ask_registry(service)
    form = NameserversForm()
    form.nameservers.data = "\n".join(_current_nameservers(service, record))
    code = record.auth_code if record is not None else None
    code_error = None
    if unreachable:
        code_error = _("The registry could not be reached, so the transfer code cannot be shown "
                       "now. Please try again in a few minutes.")
    elif not code:
        code_error = _("The registry gave no transfer code for this domain. Please contact us "
                       "and we will get it for you.")
    return _render(service, form, status=503 if unreachable else 200, auth_code=code,
                   code_error=code_error)


def _active_domain(service_id: int) -> Service:
    service = db.session.get(Service, service_id)
    if (service is None or service.partner_id != g.site.partner_id
            or service.subscriber_id != current_user.id
            or service.kind != "domain" or service.status != "active"):
        abort(404)
    return service


def _backend(service: Service):
    try:
        return get_backend(service.backend or "sandbox")
    except UnknownBackend as exc:
        raise RegistrarError(f"no registrar backend {service.backend!r}") from exc


def _ask_registry(service: Service) -> tuple[DomainRecord | None, bool]:
    """The registry's record of the domain, and whether the registry failed to answer."""
    try:
        return _backend(service).info(service.name), False
    except RegistrarError as exc:
        log.warning("info of %s (service %s): %s", service.name, service.id, exc)
        return None, True


def _current_nameservers(service: Service, record: DomainRecord | None) -> list[str]:
    if record is not None and record.nameservers:
        return list(record.nameservers)
    return service.nameservers.split()


def _render(service: Service, form: NameserversForm, status: int = 200, **context) -> Response:
    response = Response(render_theme(
        g.site, "billing/domain.html", service=service, form=form,
        code_form=FlaskForm(), to_unicode=to_unicode, **theme_context(g.site), **context),
        status=status)
    response.headers["Cache-Control"] = "private, no-store"
    return response
