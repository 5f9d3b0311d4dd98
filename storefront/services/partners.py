"""Creating, suspending and reactivating partners, and inviting their team."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from cms_pages.defaults import install_default_pages
from storefront.db import db, utcnow
from storefront.models import ROLES, Invitation, Membership, Partner, User
from storefront.services.errors import InvalidInput
from storefront.services.outbox import queue_email
from storefront.tenancy import platform_url

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
RESERVED_SLUGS = {"www", "admin", "api", "panel", "static", "mail", "app", "platform", "status"}
INVITATION_DAYS = 7


def validate_slug(slug: str) -> str:
    slug = (slug or "").strip().lower()
    if not SLUG_RE.match(slug) or "--" in slug:
        raise InvalidInput(
            "Use 1-63 lower-case letters, digits and single hyphens, not at either end.", "slug"
        )
    if slug in RESERVED_SLUGS:
        raise InvalidInput(f"“{slug}” is reserved; choose another name.", "slug")
    if db.session.scalar(select(Partner.id).where(Partner.slug == slug)) is not None:
        raise InvalidInput(f"“{slug}” is already taken.", "slug")
    return slug


def create_partner(slug: str, name: str, owner_email: str | None = None) -> Partner:
    slug = validate_slug(slug)
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise InvalidInput("Give the partner a name of at most 120 characters.", "name")
    partner = Partner(slug=slug, name=name, palette={}, frame_origins=[], contact_email=owner_email or "")
    db.session.add(partner)
    db.session.flush()
    install_default_pages(partner)
    if owner_email:
        invite(partner, owner_email, "owner")
    return partner


def invite(partner: Partner, email: str, role: str) -> str:
    """Create a single-use invitation and queue its e-mail; returns the link."""
    if role not in ROLES:
        raise InvalidInput("Unknown role.", "role")
    email = email.strip().lower()
    token = secrets.token_urlsafe(32)
    db.session.add(
        Invitation(
            partner_id=partner.id,
            email=email,
            role=role,
            token_hash=hashlib.sha256(token.encode()).hexdigest(),
            expires_at=utcnow() + timedelta(days=INVITATION_DAYS),
        )
    )
    link = platform_url(f"/invite/{token}")
    platform = current_app.config["PLATFORM_NAME"]
    queue_email(
        email,
        f"You are invited to run {partner.name} on {platform}",
        f"Hello,\n\nyou have been invited as {role} of {partner.name}'s storefront.\n"
        f"Set your password here (valid {INVITATION_DAYS} days, once):\n\n{link}\n",
        partner_id=partner.id,
    )
    db.session.flush()
    return link


def find_invitation(token: str) -> Invitation | None:
    digest = hashlib.sha256(token.encode()).hexdigest()
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == digest))
    if invitation is None or invitation.accepted_at or invitation.expires_at < utcnow():
        return None
    return invitation


def accept_invitation(invitation: Invitation, name: str, password: str) -> User:
    from storefront.auth import hash_password

    if len(password) < 10:
        raise InvalidInput("Use a password of at least 10 characters.", "password")
    user = db.session.scalar(select(User).where(func.lower(User.email) == invitation.email))
    if user is None:
        user = User(email=invitation.email, name=name.strip())
        db.session.add(user)
    user.password_hash = hash_password(password)
    db.session.flush()
    membership = db.session.scalar(
        select(Membership).where(
            Membership.partner_id == invitation.partner_id, Membership.user_id == user.id
        )
    )
    if membership is None:
        db.session.add(Membership(partner_id=invitation.partner_id, user_id=user.id, role=invitation.role))
    invitation.accepted_at = utcnow()
    db.session.flush()
    return user


def add_member(partner: Partner, user: User, role: str) -> Membership:
    membership = Membership(partner_id=partner.id, user_id=user.id, role=role)
    db.session.add(membership)
    db.session.flush()
    return membership


def set_status(partner: Partner, status: str) -> None:
    if status not in ("active", "suspended"):
        raise InvalidInput("Unknown status.")
    partner.status = status
    db.session.flush()
