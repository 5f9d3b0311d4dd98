"""Single-use secrets sent in links (invitations, resets, e-mail checks, frame hand-offs): only
their SHA-256 is stored, so a copy of the database opens no account."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import CursorResult, update

from storefront.db import db, utcnow
from storefront.models import StaffToken, SubscriberToken

MAX_LENGTH = 100  # a raw token is 43 characters; anything much longer is not one of ours


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def claim(model: type[SubscriberToken] | type[StaffToken], token_id: int) -> bool:
    """Mark the token used, only while it is unused: two concurrent uses cannot both succeed."""
    claimed = db.session.execute(
        update(model)
        .where(model.id == token_id, model.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return isinstance(claimed, CursorResult) and claimed.rowcount == 1
