"""Subscriber accounts, per partner: sign up, log in, verify the e-mail, reset the password, and
the single-use tokens behind those links and behind a login that starts inside a frame.

Every function takes the partner first. Links in e-mails are built from the partner's canonical
host (`tenancy.partner_url`), never from the request, so a forged Host cannot poison them.

A new password (changed or reset) ends every other session of the account and voids every
outstanding reset link and hand-off; so does a new reset link for the older ones.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from storefront import auth
from storefront.auth import check_password, hash_password
from storefront.db import db, utcnow
from storefront.i18n import gettext as _
from storefront.models import Subscriber, SubscriberToken
from storefront.services import tokens
from storefront.services.errors import InvalidInput
from storefront.services.outbox import queue_email
from storefront.services.users import check_new_password, normalise_email
from storefront.tenancy import Tenant, partner_url

TOKEN_LIFETIME = {
    "verify": timedelta(days=3),
    "reset": timedelta(hours=1),
    # Long enough to read the hand-off page and click when it asks, short enough to be useless
    # if leaked.
    "handoff": timedelta(minutes=5),
}


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


def find(partner: Tenant, email: str) -> Subscriber | None:
    return db.session.scalar(
        select(Subscriber).where(
            Subscriber.partner_id == partner.id, Subscriber.email == email.strip().lower()
        )
    )


def authenticate(partner: Tenant, email: str, password: str) -> Subscriber | None:
    """The partner's active subscriber with this e-mail and password, else None. The password is
    checked even for an unknown e-mail, so both failures take the same time."""
    subscriber = find(partner, email or "")
    password_hash = subscriber.password_hash if subscriber else None
    if not check_password(password_hash, password or "") or subscriber is None:
        return None
    if not subscriber.active:
        return None
    subscriber.last_login_at = utcnow()
    return subscriber


# -- single-use tokens ---------------------------------------------------------------------------


def issue_token(subscriber: Subscriber, purpose: str) -> str:
    raw = tokens.new_secret()
    db.session.add(
        SubscriberToken(
            partner_id=subscriber.partner_id,
            subscriber_id=subscriber.id,
            purpose=purpose,
            token_hash=tokens.digest(raw),
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
    if token is None or not tokens.claim(SubscriberToken, token.id):
        return None
    return token.subscriber


def _live_token(partner: Tenant, purpose: str, raw: str) -> SubscriberToken | None:
    if not raw or len(raw) > tokens.MAX_LENGTH:
        return None
    token = db.session.scalar(
        select(SubscriberToken).where(
            SubscriberToken.partner_id == partner.id,
            SubscriberToken.purpose == purpose,
            SubscriberToken.token_hash == tokens.digest(raw),
        )
    )
    if token is None or token.used_at is not None or token.expires_at < utcnow():
        return None
    if not token.subscriber.active:
        return None
    return token


def _void_tokens(partner: Tenant, subscriber: Subscriber, *purposes: str) -> None:
    """Every outstanding token of these purposes stops working."""
    db.session.execute(
        update(SubscriberToken)
        .where(
            SubscriberToken.partner_id == partner.id,
            SubscriberToken.subscriber_id == subscriber.id,
            SubscriberToken.purpose.in_(purposes),
            SubscriberToken.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )


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
    _void_tokens(partner, subscriber, "reset")
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
    _new_password(partner, subscriber, new_password)
    # Whoever got the reset link had the mailbox: the address is proven too.
    subscriber.email_verified_at = subscriber.email_verified_at or utcnow()
    db.session.flush()
    return subscriber


# -- the logged-in subscriber's own account ------------------------------------------------------


def change_password(partner: Tenant, subscriber: Subscriber, current: str, new: str) -> None:
    """A new password for a subscriber who knows the current one."""
    if not check_password(subscriber.password_hash, current or ""):
        raise InvalidInput(_("That is not your current password."), "current_password")
    check_new_password(new)
    _new_password(partner, subscriber, new)
    db.session.flush()


def end_sessions(partner: Tenant, subscriber: Subscriber) -> None:
    """Log the subscriber out everywhere: every session opened before ends, and no hand-off
    still on its way from a frame can open a new one."""
    auth.end_sessions(subscriber)
    _void_tokens(partner, subscriber, "handoff")
    db.session.flush()


def _new_password(partner: Tenant, subscriber: Subscriber, password: str) -> None:
    auth.set_password(subscriber, password)
    _void_tokens(partner, subscriber, "reset", "handoff")
