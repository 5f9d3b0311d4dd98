"""The e-mail outbox: every message the platform sends is stored here first.

Until the notifications issue adds the SMTP sender, platform admins read the messages in /admin.
"""

from __future__ import annotations

from sqlalchemy import Select, func, select

from storefront.db import db
from storefront.models import OutboxMessage


def queue_email(to: str, subject: str, body: str, partner_id: int | None = None) -> OutboxMessage:
    """Store an e-mail for sending."""
    message = OutboxMessage(partner_id=partner_id, to_email=to, subject=subject, body=body)
    db.session.add(message)
    db.session.flush()
    return message


def newest_first(partner_id: int | None = None) -> Select:
    statement = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if partner_id is not None:
        statement = statement.where(OutboxMessage.partner_id == partner_id)
    return statement


def unsent_count() -> int:
    return db.session.scalar(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
    ) or 0
