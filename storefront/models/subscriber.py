"""Subscribers: a partner's own customers. Each belongs to exactly one partner, so the same e-mail
at two partners is two separate accounts, and a session at one partner means nothing at another."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storefront.db import Model, PartnerOwned, new_stamp, utcnow

TOKEN_PURPOSES = ("verify", "reset", "handoff")


class Subscriber(UserMixin, PartnerOwned, Model):
    __table_args__ = (UniqueConstraint("partner_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    email_verified_at: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # See User.session_stamp: changing it ends every session opened before.
    session_stamp: Mapped[str] = mapped_column(String(32), default=new_stamp)
    # Internal or demo: the partner's own or a test account, never charged (billing.checkout).
    internal: Mapped[bool] = mapped_column(default=False, server_default=false())

    def get_id(self) -> str:
        # The partner is part of the id: the loader refuses it on any other partner's host; so is
        # the stamp: the loader refuses a session opened before the stamp last changed.
        return f"subscriber:{self.partner_id}:{self.id}:{self.session_stamp}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None


class SubscriberToken(PartnerOwned, Model):
    """A single-use secret sent by e-mail (verify, reset) or handed from a frame to the top window
    (handoff). Only its SHA-256 is stored."""

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("subscriber.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    subscriber: Mapped[Subscriber] = relationship()
