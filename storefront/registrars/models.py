"""The sandbox registry's own records. Platform-wide (a registry is not partner-owned)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from storefront.db import Model, utcnow


class SandboxRegistration(Model):
    """A domain registered (or transferred in) through the sandbox backend: taken from then on."""

    __tablename__ = "sandbox_registration"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(253), unique=True)
    expires_at: Mapped[datetime]
    auth_code: Mapped[str] = mapped_column(String(32))
    registrant_email: Mapped[str] = mapped_column(String(254), default="")
    # The delegation, space-separated; empty: the sandbox's defaults (none).
    nameservers: Mapped[str] = mapped_column(String(1100), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
