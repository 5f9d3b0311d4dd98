from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storefront.db import Model, utcnow
from storefront.models.partner import PartnerOwned

AD_PLACEMENTS = {
    "banner": "Storefront banner",
    "sidebar": "Storefront sidebar",
    "account": "Subscriber panel",
}


class Asset(PartnerOwned, Model):
    """An uploaded image, content-addressed, kept in the database so app servers share no disk."""

    __table_args__ = (UniqueConstraint("partner_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(40))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    width: Mapped[int] = mapped_column(default=0)
    height: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def extension(self) -> str:
        return {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp",
                "image/gif": "gif", "image/svg+xml": "svg", "image/x-icon": "ico"}.get(
            self.content_type, "bin")


class Ad(PartnerOwned, Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), default="text")
    title: Mapped[str] = mapped_column(String(120), default="")
    body: Mapped[str] = mapped_column(String(500), default="")
    image_sha: Mapped[str | None] = mapped_column(String(64))
    link_url: Mapped[str] = mapped_column(String(500), default="")
    placement: Mapped[str] = mapped_column(String(16), default="banner")
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def is_active_on(self, day: date) -> bool:
        return shows_on(day, self.enabled, self.starts_on, self.ends_on)


def shows_on(day: date, enabled: bool, starts_on: date | None, ends_on: date | None) -> bool:
    """Whether an ad with these settings shows on `day` (for an Ad or a cached copy of one)."""
    return (
        enabled
        and (starts_on is None or starts_on <= day)
        and (ends_on is None or day <= ends_on)
    )
