"""Subscriber accounts, per partner: sign up, log in, verify the e-mail, reset the password, and
the single-use tokens behind those links and behind a login that starts inside a frame.

Every function takes the partner first. Links in e-mails are built from the partner's canonical
host (`tenancy.partner_url`), never from the request, so a forged Host cannot poison them.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import cast

from sqlalchemy import CursorResult, select, update

from storefront.auth import MIN_PASSWORD, check_password, hash_password
from storefront.db import db, utcnow
from storefront.i18n import gettext as _
from storefront.i18n import ngettext
from storefront.models import Subscriber, SubscriberToken
from storefront.services.errors import InvalidInput
from storefront.services.outbox import queue_email
from storefront.services.users import normalise_email
from storefront.tenancy import Tenant, partner_url

MAX_PASSWORD = 200
TOKEN_LIFETIME = {
    "verify": timedelta(days=3),
    "reset": timedelta(hours=1),
    # Long enough for the top window to load the storefront, short enough to be useless if leaked.
    "handoff": timedelta(seconds=60),
}
# Verified against when the e-mail is unknown, so a wrong e-mail costs as long as a wrong password.
_DUMMY_HASH = hash_password(secrets.token_hex(16))


def register(partner: Tenant, email: str, password: str, name: str) -> Subscriber:
    email = normalise_email(email)
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("Tell us your name."), "name")
    if len(name) > 120:
        raise InvalidInput(_("A name is at most 120 characters long."), "name")
    check_new_password(password)
    if find(partner, email) is not None:
        raise InvalidInput(
            _("There is already an account with this e-mail. Log in, or reset your password."),
            "email",
        )
    subscriber = Subscriber(
        partner_id=partner.id, email=email, name=name, password_hash=hash_password(password)
    )
    db.session.add(subscriber)
    db.session.flush()
    send_verification(partner, subscriber)
    return subscriber


def check_new_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise InvalidInput(
            ngettext("Choose a password of at least %(num)d character.",
                     "Choose a password of at least %(num)d characters.", MIN_PASSWORD),
            "password",
        )
    if len(password) > MAX_PASSWORD:
        raise InvalidInput(
            ngettext("A password is at most %(num)d character long.",
                     "A password is at most %(num)d characters long.", MAX_PASSWORD),
            "password",
        )


def find(partner: Tenant, email: str) -> Subscriber | None:
    return db.session.scalar(
        select(Subscriber).where(
            Subscriber.partner_id == partner.id, Subscriber.email == email.strip().lower()
        )
    )


def authenticate(partner: Tenant, email: str, password: str) -> Subscriber | None:
    """The partner's active subscriber with this e-mail and password, else None."""
    subscriber = find(partner, email or "")
    if subscriber is None:
        check_password(_DUMMY_HASH, password or "")
        return None
    if not check_password(subscriber.password_hash, password or "") or not subscriber.active:
        return None
    subscriber.last_login_at = utcnow()
    return subscriber


# -- single-use tokens ---------------------------------------------------------------------------


def issue_token(subscriber: Subscriber, purpose: str) -> str:
    raw = secrets.token_urlsafe(32)
    db.session.add(
        SubscriberToken(
            partner_id=subscriber.partner_id,
            subscriber_id=subscriber.id,
            purpose=purpose,
            token_hash=_digest(raw),
            expires_at=utcnow() + TOKEN_LIFETIME[purpose],
        )
    )
    db.session.flush()
    return raw


def peek_token(partner: Tenant, purpose: str, raw: str) -> Subscriber | None:
    """The subscriber a still-valid token belongs to, without using it up."""
    token = _live_token(partner, purpose, raw)
    return token.subscriber if token is not None else None


def consume_token(partner: Tenant, purpose: str, raw: str) -> Subscriber | None:
    """Use a token up: the subscriber it belongs to, or None when it is unknown, another partner's,
    expired or already used. Two concurrent uses cannot both succeed: the UPDATE marks it used
    only while it is unused."""
    token = _live_token(partner, purpose, raw)
    if token is None:
        return None
    claimed = cast(CursorResult, db.session.execute(  # an UPDATE's result counts its rows
        update(SubscriberToken)
        .where(SubscriberToken.id == token.id, SubscriberToken.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    ))
    if claimed.rowcount != 1:
        return None
    return token.subscriber


def _live_token(partner: Tenant, purpose: str, raw: str) -> SubscriberToken | None:
    if not raw or len(raw) > 100:
        return None
    token = db.session.scalar(
        select(SubscriberToken).where(
            SubscriberToken.partner_id == partner.id,
            SubscriberToken.purpose == purpose,
            SubscriberToken.token_hash == _digest(raw),
        )
    )
    if token is None or token.used_at is not None or token.expires_at < utcnow():
        return None
    if not token.subscriber.active:
        return None
    return token


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


# -- e-mail verification and password reset ------------------------------------------------------


def send_verification(partner: Tenant, subscriber: Subscriber) -> None:
    link = partner_url(partner, f"/account/verify/{issue_token(subscriber, 'verify')}")
    queue_email(
        subscriber.email,
        f"Confirm your e-mail for {partner.name}",
        f"Hello {subscriber.name},\n\nplease confirm your e-mail address for your account at "
        f"{partner.name}:\n\n{link}\n\nThe link works for 3 days. If you did not sign up, "
        f"ignore this message.\n\n{partner.name}",
        partner_id=partner.id,
    )


def verify_email(partner: Tenant, raw: str) -> Subscriber | None:
    subscriber = consume_token(partner, "verify", raw)
    if subscriber is not None and subscriber.email_verified_at is None:
        subscriber.email_verified_at = utcnow()
        db.session.flush()
    return subscriber


def request_password_reset(partner: Tenant, email: str) -> None:
    """Send a reset link if the partner has this subscriber. The caller answers the same either
    way, so the form does not reveal who has an account."""
    try:
        email = normalise_email(email)
    except InvalidInput:
        return
    subscriber = find(partner, email)
    if subscriber is None or not subscriber.active:
        return
    link = partner_url(partner, f"/account/reset/{issue_token(subscriber, 'reset')}")
    queue_email(
        subscriber.email,
        f"Reset your password at {partner.name}",
        f"Hello {subscriber.name},\n\nsomeone asked to reset the password of your account at "
        f"{partner.name}. To choose a new one, open:\n\n{link}\n\nThe link works for one hour "
        f"and only once. If it was not you, ignore this message: your password stays as it is."
        f"\n\n{partner.name}",
        partner_id=partner.id,
    )


def reset_password(partner: Tenant, raw: str, new_password: str) -> Subscriber | None:
    """Set a new password with a reset token (used up); None when the token is not valid. A bad
    password raises InvalidInput before the token is used, so the subscriber can try again."""
    check_new_password(new_password)
    subscriber = consume_token(partner, "reset", raw)
    if subscriber is None:
        return None
    subscriber.password_hash = hash_password(new_password)
    # Whoever got the reset link had the mailbox: the address is proven too.
    subscriber.email_verified_at = subscriber.email_verified_at or utcnow()
    db.session.flush()
    return subscriber
