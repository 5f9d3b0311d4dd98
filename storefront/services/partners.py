"""Creating, finding, suspending and reactivating partners, and inviting their team.

An invitation never changes an existing account: whoever holds the link of an invitation to an
e-mail that already has an account must log in as that account to accept it (`join`); only a
brand-new team member chooses a name and password through the link (`accept_invitation`).
"""

from __future__ import annotations

import re
from datetime import timedelta

from flask import current_app
from sqlalchemy import CursorResult, Select, func, or_, select, update

from cms_pages.defaults import install_default_pages
from storefront.auth import end_sessions, set_password
from storefront.db import db, utcnow
from storefront.models import ROLES, Invitation, Membership, Partner, User
from storefront.services import tokens
from storefront.services.errors import InvalidInput
from storefront.services.outbox import queue_email
from storefront.services.users import check_new_password, find_user, normalise_email
from storefront.tenancy import platform_url

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
# Slugs become host names (<slug>.<platform>): keep the platform's own names free.
RESERVED_SLUGS = {
    "www", "admin", "api", "panel", "static", "mail", "smtp", "imap", "pop", "ftp", "ns1", "ns2",
    "app", "platform", "status", "account", "frames", "widgets", "assets", "cdn", "help",
    "support", "login", "signup",
}
STATUSES = ("active", "suspended")
INVITATION_DAYS = 7


def validate_slug(slug: str) -> str:
    """A free, well-formed slug (lower-cased), or InvalidInput naming the field `slug`."""
    slug = (slug or "").strip().lower()
    if not slug:
        raise InvalidInput("Choose an address for the storefront.", "slug")
    if not SLUG_RE.match(slug) or "--" in slug:
        raise InvalidInput(
            "Use 1-63 lower-case letters, digits and single hyphens, not at either end.", "slug"
        )
    if slug in RESERVED_SLUGS:
        raise InvalidInput(f"“{slug}” is reserved; choose another name.", "slug")
    if get_by_slug(slug) is not None:
        raise InvalidInput(f"“{slug}” is already taken.", "slug")
    return slug


def get_by_slug(slug: str) -> Partner | None:
    return db.session.scalar(select(Partner).where(Partner.slug == slug))


def search(query: str = "") -> Select:
    """Partners whose slug starts with, or whose name contains, `query`; newest first."""
    statement = select(Partner).order_by(Partner.created_at.desc(), Partner.id.desc())
    query = query.strip().lower()
    if query:
        escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        statement = statement.where(
            or_(
                Partner.slug.like(f"{escaped}%", escape="\\"),
                func.lower(Partner.name).like(f"%{escaped}%", escape="\\"),
            )
        )
    return statement


def count_by_status() -> dict[str, int]:
    rows = db.session.execute(select(Partner.status, func.count()).group_by(Partner.status))
    counts = {status: 0 for status in STATUSES}
    counts.update({status: total for status, total in rows})
    return counts


def create_partner(slug: str, name: str, owner_email: str | None = None) -> Partner:
    """A new partner with the default pages; an owner e-mail gets an invitation in the outbox."""
    if owner_email is None:
        return _new_partner(slug, name, "")
    return create_partner_with_owner(slug, name, owner_email)[0]


def create_partner_with_owner(slug: str, name: str, owner_email: str) -> tuple[Partner, str]:
    """Like create_partner, and also returns the owner's invitation link (for the CLI)."""
    partner = _new_partner(slug, name, _owner_email(owner_email))
    return partner, invite(partner, partner.contact_email, "owner")


def _new_partner(slug: str, name: str, contact_email: str) -> Partner:
    slug = validate_slug(slug)
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise InvalidInput("Give the partner a name of at most 120 characters.", "name")
    partner = Partner(
        slug=slug, name=name, palette={}, frame_origins=[], contact_email=contact_email
    )
    db.session.add(partner)
    db.session.flush()
    install_default_pages(partner)
    return partner


def _owner_email(email: str) -> str:
    try:
        return normalise_email(email)
    except InvalidInput as error:
        raise InvalidInput(error.message, "owner_email") from None


def invite(partner: Partner, email: str, role: str) -> str:
    """Create a single-use, expiring invitation and queue its e-mail; returns the link."""
    if role not in ROLES:
        raise InvalidInput("Unknown role.", "role")
    email = normalise_email(email)
    token = tokens.new_secret()
    db.session.add(
        Invitation(
            partner_id=partner.id,
            email=email,
            role=role,
            token_hash=tokens.digest(token),
            expires_at=utcnow() + timedelta(days=INVITATION_DAYS),
        )
    )
    # Built from configuration, never from the request's Host.
    link = platform_url(f"/invite/{token}")
    platform = current_app.config["PLATFORM_NAME"]
    if find_user(email) is None:
        how = f"Choose your password here (valid {INVITATION_DAYS} days, once):"
    else:
        how = (f"You already have an account at {platform}: open this link and log in with it "
               f"to accept (valid {INVITATION_DAYS} days, once):")
    queue_email(
        email,
        f"You are invited to run {partner.name} on {platform}",
        f"Hello,\n\nyou have been invited as {role} of {partner.name}'s storefront.\n"
        f"{how}\n\n{link}\n\n"
        f"Then log in at {platform_url('/login')} to manage the storefront.\n",
        partner_id=partner.id,
    )
    db.session.flush()
    return link


def find_invitation(token: str) -> Invitation | None:
    """The open invitation for this token: None when unknown, used or expired."""
    if not token or len(token) > tokens.MAX_LENGTH:
        return None
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.token_hash == tokens.digest(token))
    )
    if invitation is None or invitation.accepted_at or invitation.expires_at < utcnow():
        return None
    return invitation


def pending_invitations(partner: Partner) -> list[Invitation]:
    return list(
        db.session.scalars(
            select(Invitation)
            .where(
                Invitation.partner_id == partner.id,
                Invitation.accepted_at.is_(None),
                Invitation.expires_at >= utcnow(),
            )
            .order_by(Invitation.created_at)
        )
    )


def invitee(invitation: Invitation) -> User | None:
    """The existing account the invitation is for, if its e-mail already has one."""
    return find_user(invitation.email)


def accept_invitation(invitation: Invitation, name: str, password: str) -> User:
    """A brand-new team member: creates the account with this name and password. An e-mail that
    already has an account is refused: that person logs in and `join`s instead."""
    if invitee(invitation) is not None:
        raise InvalidInput("This e-mail already has an account: log in with it to accept.")
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise InvalidInput("Tell us your name (at most 120 characters).", "name")
    check_new_password(password)
    _claim(invitation)
    user = User(email=invitation.email, name=name)
    set_password(user, password)
    db.session.add(user)
    db.session.flush()
    _add_membership(invitation, user)
    return user


def join(invitation: Invitation, user: User) -> Membership:
    """The logged-in `user` accepts an invitation addressed to their own e-mail."""
    if user.email.strip().lower() != invitation.email:
        raise InvalidInput(f"This invitation is for {invitation.email}, not for {user.email}.")
    _claim(invitation)
    return _add_membership(invitation, user)


def _claim(invitation: Invitation) -> None:
    """Use the invitation up in one conditional UPDATE, so two concurrent submits cannot both."""
    now = utcnow()
    claimed = db.session.execute(
        update(Invitation)
        .where(
            Invitation.id == invitation.id,
            Invitation.accepted_at.is_(None),
            Invitation.expires_at >= now,
        )
        .values(accepted_at=now)
        .execution_options(synchronize_session="fetch")
    )
    if not isinstance(claimed, CursorResult) or claimed.rowcount != 1:
        raise InvalidInput("This invitation has already been used or has expired.")


def _add_membership(invitation: Invitation, user: User) -> Membership:
    membership = db.session.scalar(
        select(Membership).where(
            Membership.partner_id == invitation.partner_id, Membership.user_id == user.id
        )
    )
    if membership is None:
        membership = Membership(
            partner_id=invitation.partner_id, user_id=user.id, role=invitation.role
        )
        db.session.add(membership)
    db.session.flush()
    return membership


def team(partner: Partner) -> list[tuple[User, str]]:
    """The partner's staff and their roles, strongest role first."""
    rows = db.session.execute(
        select(User, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.partner_id == partner.id)
        .order_by(User.email)
    ).all()
    return sorted(((user, role) for user, role in rows), key=lambda row: -ROLES.index(row[1]))


def add_member(partner: Partner, user: User, role: str) -> Membership:
    if role not in ROLES:
        raise InvalidInput("Unknown role.", "role")
    membership = Membership(partner_id=partner.id, user_id=user.id, role=role)
    db.session.add(membership)
    db.session.flush()
    return membership


def remove_member(partner: Partner, user: User) -> None:
    """Take `user` off the partner's team. Their sessions end too (they log in again for the
    partners they still work for), so none opened before keeps any trace of the old role."""
    membership = db.session.scalar(
        select(Membership).where(Membership.partner_id == partner.id, Membership.user_id == user.id)
    )
    if membership is None:
        raise InvalidInput(f"{user.email} is not on {partner.name}'s team.")
    db.session.delete(membership)
    end_sessions(user)
    db.session.flush()


def set_status(partner: Partner, status: str) -> None:
    """Suspend or reactivate: a suspended partner's storefront hosts answer 503 at once."""
    if status not in STATUSES:
        raise InvalidInput("Unknown status.", "status")
    partner.status = status
    db.session.flush()


def suspend(partner: Partner) -> None:
    set_status(partner, "suspended")


def reactivate(partner: Partner) -> None:
    set_status(partner, "active")
