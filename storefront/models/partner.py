from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storefront.db import Model, PartnerOwned, new_stamp, utcnow

# Team roles, weakest first: a role may do everything the roles before it may.
ROLES = ("editor", "admin", "owner")


def raw_host(slug: str) -> str:
    """The host every partner's storefront answers on: its slug under the platform's domain."""
    return f"{slug}.{current_app.config['PLATFORM_DOMAIN']}"


class Partner(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(16), default="active")
    theme: Mapped[str] = mapped_column(String(32), default="classic")
    palette: Mapped[dict] = mapped_column(JSON, default=dict)
    logo_sha: Mapped[str | None] = mapped_column(String(64))
    favicon_sha: Mapped[str | None] = mapped_column(String(64))
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    contact_address: Mapped[str] = mapped_column(String(300), default="")
    frame_origins: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    domains: Mapped[list[PartnerDomain]] = relationship(
        back_populates="partner", cascade="all, delete-orphan", order_by="PartnerDomain.id"
    )

    @property
    def is_suspended(self) -> bool:
        return self.status == "suspended"

    @property
    def primary_host(self) -> str:
        """The verified primary custom domain, else the raw host."""
        for domain in self.domains:
            if domain.is_primary and domain.is_verified:
                return domain.host
        return raw_host(self.slug)


class PartnerDomain(PartnerOwned, Model):
    """A host a partner's storefront answers on: its raw host or a custom domain."""

    __table_args__ = (
        UniqueConstraint("partner_id", "host"),
        # One verified owner per host; the resolver's one indexed query uses this index.
        Index(
            "uq_partner_domain_verified_host",
            "host",
            unique=True,
            sqlite_where=text("verified_at IS NOT NULL"),
            postgresql_where=text("verified_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    host: Mapped[str] = mapped_column(String(253), index=True)
    is_raw: Mapped[bool] = mapped_column(default=False)
    is_primary: Mapped[bool] = mapped_column(default=False)
    verified_at: Mapped[datetime | None]
    txt_token: Mapped[str] = mapped_column(String(64), default="")
    last_checked_at: Mapped[datetime | None]
    last_check_result: Mapped[str] = mapped_column(String(500), default="")

    partner: Mapped[Partner] = relationship(back_populates="domains")

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None


class User(UserMixin, Model):
    """A person who logs in on the platform host: partner staff and platform admins."""

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_platform_admin: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Carried in the session and checked by the user loader: changing it (logout, a new password,
    # deactivation, a removed membership) ends every session opened before.
    session_stamp: Mapped[str] = mapped_column(String(32), default=new_stamp)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    def get_id(self) -> str:
        # The stamp travels in the session: auth.load_user refuses a session with an old one.
        return f"staff:{self.id}:{self.session_stamp}"

    @property
    def is_active(self) -> bool:
        return self.active


class Membership(PartnerOwned, Model):
    __table_args__ = (UniqueConstraint("partner_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16), default="editor")

    user: Mapped[User] = relationship(back_populates="memberships")
    partner: Mapped[Partner] = relationship()

    def allows(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)


class Invitation(PartnerOwned, Model):
    """A single-use link that lets a new team member set a password."""

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(16), default="owner")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StaffToken(Model):
    """A single-use secret sent by e-mail to a staff member or admin (password reset). Only its
    SHA-256 is stored."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()
