"""Stripe's side of online payment: the webhook (`POST /stripe/webhook`, platform host) and the
partner's Stripe connection in the panel (`/panel/<slug>/billing/stripe/…`, admins and owners).

The webhook verifies every event's signature and age (`stripe_gateway.verify_event`): a forged or
stale one answers 400 and changes nothing. A genuine event is handled once per event id
(`stripe_payments.handle_event`), in the request's one transaction; when Stripe cannot be reached
to re-read the session, the request rolls back and answers 503, and Stripe delivers it again.

Connecting: the panel creates the partner's connected account (once) and sends the partner to
Stripe's hosted onboarding (an Account Link); coming back, it asks Stripe whether the account may
take charges and keeps the answer.
"""

from __future__ import annotations

import logging

from flask import Blueprint, abort, flash, g, redirect, request, url_for
from flask_wtf import FlaskForm

from billing import settings as seller
from billing import stripe_gateway as gateway
from billing import stripe_payments
from billing.models import SellerSettings
from storefront.auth import panel_route
from storefront.db import db
from storefront.i18n import gettext as _
from storefront.tenancy import platform_url

log = logging.getLogger(__name__)
webhook_bp = Blueprint("stripe_webhook", __name__)
connect_bp = Blueprint("stripe_connect", __name__, url_prefix="/panel/<slug>/billing/stripe")
MAX_EVENT_BYTES = 512 * 1024


def _problem(status: int, detail: str):
    return ({"type": "about:blank", "title": "Bad Request" if status == 400 else "Unavailable",
             "status": status, "detail": detail}, status,
            {"Content-Type": "application/problem+json"})


@webhook_bp.route("/stripe/webhook", methods=["POST"])
def webhook():
    if not gateway.is_configured():
        return _problem(404, "Stripe is not set up on this platform.")
    if (request.content_length or 0) > MAX_EVENT_BYTES:
        return _problem(400, "The event is too large.")
    payload = request.get_data(cache=False)
    try:
        event = gateway.verify_event(payload, request.headers.get("Stripe-Signature", ""))
    except gateway.InvalidEvent as error:
        return _problem(400, str(error) or "The event's signature does not verify.")
    try:
        done = stripe_payments.handle_event(event)
    except gateway.NotFound:
        done = "ignored"  # no such session on that account: nothing of ours
    except gateway.StripeUnavailable:
        log.warning("Stripe event %s: the session could not be re-read; Stripe will retry",
                    event.id)
        return _problem(503, "Stripe could not be reached; deliver the event again.")
    return {"received": True, "result": done}, 200


@connect_bp.route("/connect", methods=["POST"])
@panel_route("admin")
def connect():
    if not FlaskForm().validate_on_submit():
        abort(400)
    if not gateway.is_configured():
        flash(_("Online payment is not set up on this platform yet."))
        return redirect(url_for("billing_panel.settings", slug=g.partner.slug), code=303)
    settings = seller.seller_settings(g.partner)
    if settings is None:
        settings = SellerSettings(partner_id=g.partner.id)
        db.session.add(settings)
    try:
        if not settings.stripe_account_id:
            settings.stripe_account_id = gateway.create_connected_account(
                g.partner.contact_email or "", settings.country or "PL")
        link = gateway.account_link(
            settings.stripe_account_id,
            refresh_url=platform_url(url_for("stripe_connect.refresh", slug=g.partner.slug)),
            return_url=platform_url(url_for("stripe_connect.back", slug=g.partner.slug)))
    except gateway.StripeUnavailable:
        db.session.rollback()
        flash(_("Stripe could not be reached. Please try again in a few minutes."))
        return redirect(url_for("billing_panel.settings", slug=g.partner.slug), code=303)
    db.session.flush()
    return redirect(link, code=303)


@connect_bp.route("/refresh")
@panel_route("admin")
def refresh():
    """Stripe sends the partner here when an onboarding link expired: start again."""
    flash(_("The Stripe link expired. Please connect again."))
    return redirect(url_for("billing_panel.settings", slug=g.partner.slug))


@connect_bp.route("/return")
@panel_route("admin")
def back():
    settings = seller.seller_settings(g.partner)
    if settings is None or not settings.stripe_account_id:
        return redirect(url_for("billing_panel.settings", slug=g.partner.slug))
    try:
        settings.stripe_charges_enabled = gateway.charges_enabled(settings.stripe_account_id)
    except gateway.StripeUnavailable:
        flash(_("Stripe could not be reached. Please try again in a few minutes."))
        return redirect(url_for("billing_panel.settings", slug=g.partner.slug))
    flash(_("Stripe is connected: subscribers can pay online.") if settings.stripe_charges_enabled
          else _("Stripe still needs details from you before you can take payments."))
    return redirect(url_for("billing_panel.settings", slug=g.partner.slug))
