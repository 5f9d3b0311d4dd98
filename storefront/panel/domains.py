"""Panel: custom domains. Add, prove over DNS, pick the primary one, remove."""

from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from storefront import transaction
from storefront.auth import panel_route
from storefront.models import PartnerDomain
from storefront.panel.blueprint import bp
from storefront.services import domains as service
from storefront.tenancy import get_for_partner, raw_host


class DomainForm(FlaskForm):
    # The service judges the name; the length cap only keeps silly payloads out.
    host = StringField(
        "Domain", validators=[DataRequired(), Length(max=1000)],
        description="A domain you own, e.g. www.example.com or shop.example.com.",
    )


def _page(form: DomainForm | None = None, error: str | None = None, status: int = 200):
    partner = g.partner
    cfg = current_app.config
    return render_template(
        "panel/domains.html",
        form=form or DomainForm(formdata=None),
        error=error,
        domains=service.partner_domains(partner),
        raw_host=raw_host(partner.slug),
        primary_host=partner.primary_host,
        ipv4=cfg.get("PLATFORM_IPV4") or "",
        ipv6=cfg.get("PLATFORM_IPV6") or "",
        txt_name=service.txt_name,
    ), status


def _back():
    return redirect(url_for("panel.domains", slug=g.partner.slug))


@bp.route("/<slug>/domains", methods=["GET", "POST"])
@panel_route("admin")
def domains():
    form = DomainForm()
    if not form.is_submitted():
        return _page(form)
    if form.validate():
        domain = transaction.submit(form, lambda: service.add_domain(g.partner, form.host.data))
        if not transaction.refused(domain):
            if service.held_elsewhere(g.partner, domain.host):
                flash(f"{domain.host} is in use by another storefront. Add the records below: it "
                      "moves to yours once its TXT token is proven.", "warning")
            else:
                flash(f"Added {domain.host}. Add the DNS records below, then check DNS.")
            return _back()
    return _page(form, status=400)


@bp.route("/<slug>/domains/<domain_id>/check", methods=["POST"])
@panel_route("admin")
def check_domain(domain_id: str):
    domain = get_for_partner(PartnerDomain, domain_id, g.partner.id)
    result = service.check_dns(g.partner, domain)
    flash(f"{domain.host}: {result.summary}", "message" if result.verified else "error")
    return _back()


@bp.route("/<slug>/domains/<domain_id>/primary", methods=["POST"])
@panel_route("admin")
def make_primary(domain_id: str):
    domain = None if domain_id == "raw" else get_for_partner(PartnerDomain, domain_id, g.partner.id)
    result = transaction.submit(None, lambda: service.set_primary(g.partner, domain))
    if transaction.refused(result):
        return _page(error=result.error.message, status=400)
    flash(f"{g.partner.primary_host} is now the primary address.")
    return _back()


@bp.route("/<slug>/domains/<domain_id>/remove", methods=["POST"])
@panel_route("admin")
def remove_domain(domain_id: str):
    domain = get_for_partner(PartnerDomain, domain_id, g.partner.id)
    host = domain.host
    service.remove_domain(g.partner, domain)
    flash(f"Removed {host}.")
    return _back()
