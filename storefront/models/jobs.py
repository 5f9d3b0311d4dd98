"""Background jobs: work that runs after the request that asked for it has committed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storefront.db import Model, utcnow


class Job(Model):
    """One unit of background work (provision a service, send a mail…) and how its runs went.

    `status`: queued (waits for `run_at`), running (claimed by a worker until `locked_until`; a
    worker that died leaves it claimable again after that), done, or failed (gave up after its
    attempts; a partner or admin may retry it)."""

    __table_args__ = (Index("ix_job_due", "status", "run_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    partner_id: Mapped[int | None] = mapped_column(
        ForeignKey("partner.id", ondelete="CASCADE"), index=True
    )
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=8)
    run_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
