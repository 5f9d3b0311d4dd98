"""Reseller applications: sent from the platform page, approved or rejected by a platform admin."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import Select, func, select

from storefront.db import db, utcnow
from storefront.models import Partner, ResellerApplication
from storefront.services import partners
from storefront.services.errors import InvalidInput
from storefront.services.outbox import queue_email
from storefront.services.users import normalise_email

FIELDS = ("company_name", "contact_name", "email", "desired_slug", "website", "message")
STATUSES = ("new", "approved", "rejected")
MAX_LENGTHS = {"company_name": 120, "contact_name": 120, "website": 300, "message": 4000}
REQUIRED = {"company_name": "your company's name", "contact_name": "your name"}


def submit(data: dict) -> ResellerApplication:
    """Store a valid application; any bad field raises InvalidInput and nothing is stored."""
    values = {field: str(data.get(field) or "").strip() for field in FIELDS}
    for field, what in REQUIRED.items():
        if not values[field]:
            raise InvalidInput(f"Please give {what}.", field)
    for field, limit in MAX_LENGTHS.items():
        if len(values[field]) > limit:
            raise InvalidInput(f"Keep this under {limit} characters.", field)
    values["email"] = normalise_email(values["email"])
    values["desired_slug"] = _requestable_slug(values["desired_slug"])
    website = values["website"]
    if website and not website.lower().startswith(("http://", "https://")):
        raise InvalidInput("Give a website address starting with http:// or https://.", "website")
    application = ResellerApplication(**values)
    db.session.add(application)
    db.session.flush()
    return application


def _requestable_slug(slug: str) -> str:
    try:
        slug = partners.validate_slug(slug)
    except InvalidInput as error:
        raise InvalidInput(error.message, "desired_slug") from None
    if _pending_for(slug) is not None:
        raise InvalidInput(
            f"“{slug}” is already requested by another application; choose another.",
            "desired_slug",
        )
    return slug


def _pending_for(slug: str) -> int | None:
    return db.session.scalar(
        select(ResellerApplication.id).where(
            ResellerApplication.desired_slug == slug, ResellerApplication.status == "new"
        )
    )


def get(application_id: int) -> ResellerApplication | None:
    return db.session.get(ResellerApplication, application_id)


def with_status(status: str) -> Select:
    """Applications in one state: new ones oldest first (a queue), decided ones newest first."""
    statement = select(ResellerApplication).where(ResellerApplication.status == status)
    if status == "new":
        return statement.order_by(ResellerApplication.id)
    return statement.order_by(ResellerApplication.decided_at.desc(), ResellerApplication.id.desc())


def count_by_status() -> dict[str, int]:
    rows = db.session.execute(
        select(ResellerApplication.status, func.count()).group_by(ResellerApplication.status)
    )
    counts = {status: 0 for status in STATUSES}
    counts.update({status: total for status, total in rows})
    return counts


def approve(application: ResellerApplication, slug: str | None = None) -> Partner:
    """Create the partner (under `slug` when the admin picks another) and invite the applicant."""
    _require_new(application)
    partner = partners.create_partner(
        slug or application.desired_slug, application.company_name, owner_email=application.email
    )
    application.status = "approved"
    application.decided_at = utcnow()
    application.partner_id = partner.id
    db.session.flush()
    return partner


def reject(application: ResellerApplication) -> None:
    """Decline, and tell the applicant so they are not left waiting."""
    _require_new(application)
    application.status = "rejected"
    application.decided_at = utcnow()
    platform = current_app.config["PLATFORM_NAME"]
    queue_email(
        application.email,
        f"Your reseller application to {platform}",
        f"Hello {application.contact_name},\n\nthank you for your interest in reselling with "
        f"{platform}. We are unable to accept the application from {application.company_name} "
        "at this time.\n",
    )
    db.session.flush()


def _require_new(application: ResellerApplication) -> None:
    if application.status != "new":
        raise InvalidInput("This application has already been decided.")
