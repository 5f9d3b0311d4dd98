from __future__ import annotations

from storefront.db import db
from storefront.models import OutboxMessage


def queue_email(to: str, subject: str, body: str, partner_id: int | None = None) -> OutboxMessage:
    """Store an e-mail for sending; the notifications issue adds the SMTP sender."""
    message = OutboxMessage(partner_id=partner_id, to_email=to, subject=subject, body=body)
    db.session.add(message)
    db.session.flush()
    return message
