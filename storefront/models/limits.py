"""Rate-limit counters kept in the database, so every worker process and machine counts the same
attempts (storefront/limits.py)."""

from __future__ import annotations

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from storefront.db import Model


class RateLimitCounter(Model):
    """Attempts at one limit by one client or account in the current fixed window."""

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    # Unix time (seconds) when the window ends and the count starts again.
    window_ends: Mapped[int] = mapped_column(BigInteger, index=True)
    hits: Mapped[int] = mapped_column(default=0)
