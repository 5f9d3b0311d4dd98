"""Reseller applications: sent from the platform page, approved or rejected by a platform admin."""

from __future__ import annotations

from sqlalchemy import select

from storefront.db import db, utcnow
from storefront.models import Partner, ResellerApplication
from storefront.services import partners
from storefront.services.errors import InvalidInput
from storefront.services.users import normalise_email

FIELDS = ("company_name", "contact_name", "email", "desired_slug", "website", "message")


def submit(data: dict) -> ResellerApplication:
    email = normalise_email(data.get("email", ""))
    slug = (data.get("desired_slug") or "").strip().lower()
    partners.validate_slug(slug)
    pending = db.session.scalar(
        select(ResellerApplication.id).where(
            ResellerApplication.desired_slug == slug, ResellerApplication.status == "new"
        )
    )
    if pending is not None:
        raise InvalidInput(f"“{slug}” is already requested by another application.", "desired_slug")
    application = ResellerApplication(**{k: (data.get(k) or "").strip() for k in FIELDS})
    application.email = email
    application.desired_slug = slug
    db.session.add(application)
    db.session.flush()
    return application


def approve(application: ResellerApplication) -> Partner:
    if application.status != "new":
        raise InvalidInput("This application has already been decided.")
    partner = partners.create_partner(
        application.desired_slug, application.company_name, owner_email=application.email
    )
    application.status = "approved"
    application.decided_at = utcnow()
    application.partner_id = partner.id
    db.session.flush()
    return partner


def reject(application: ResellerApplication) -> None:
    if application.status != "new":
        raise InvalidInput("This application has already been decided.")
    application.status = "rejected"
    application.decided_at = utcnow()
    db.session.flush()
