"""Staff and platform admins (the people who log in on the platform host): finding them, their
passwords, their reset links, and the rules for a password that every account shares.

Links in e-mails are built from the platform host in the configuration, never from the request.
"""

from __future__ import annotations

from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import func, select, update

from storefront.auth import MIN_PASSWORD, check_password, end_sessions, set_password
from storefront.db import db, utcnow
from storefront.i18n import gettext as _
from storefront.i18n import ngettext
from storefront.models import StaffToken, User
from storefront.services import tokens
from storefront.services.errors import InvalidInput
from storefront.services.outbox import queue_email
from storefront.tenancy import platform_url

MAX_PASSWORD = 200
RESET_LIFETIME = timedelta(hours=1)


def normalise_email(email: str) -> str:
    try:
        return validate_email(email or "", check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise InvalidInput(
            _("That e-mail address is not valid: %(reason)s", reason=error), "email"
        ) from None


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


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def ensure_user(
    email: str, password: str | None = None, name: str = "", admin: bool = False
) -> User:
    email = normalise_email(email)
    user = find_user(email)
    if user is None:
        user = User(email=email, name=name)
        db.session.add(user)
    if password:
        set_password(user, password)
    if admin:
        user.is_platform_admin = True
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, else None. The password is checked even for
    an unknown e-mail, so both failures take the same time."""
    user = find_user(email or "")
    if not check_password(user.password_hash if user else None, password or ""):
        return None
    return user if user is not None and user.active else None


def change_password(user: User, current: str, new: str) -> None:
    """A new password for someone who knows the current one; every other session and every
    outstanding reset link of the account stop working."""
    if not check_password(user.password_hash, current or ""):
        raise InvalidInput("That is not your current password.", "current_password")
    check_new_password(new)
    set_password(user, new)
    _void_reset_links(user)
    db.session.flush()


def set_active(user: User, active: bool) -> None:
    """Deactivated, the user can no longer log in and every session and reset link of theirs
    ends, for good: reactivating lets them log in again, not revive an old session."""
    user.active = active
    if not active:
        end_sessions(user)
        _void_reset_links(user)
    db.session.flush()


# -- password reset ------------------------------------------------------------------------------


def request_password_reset(email: str) -> None:
    """Mail a reset link if an active user has this e-mail. The caller answers the same either
    way, so the form does not reveal who has an account. The new link voids every older one."""
    user = find_user(email or "")
    if user is None or not user.active:
        return
    _void_reset_links(user)
    raw = tokens.new_secret()
    db.session.add(StaffToken(user_id=user.id, purpose="reset", token_hash=tokens.digest(raw),
                              expires_at=utcnow() + RESET_LIFETIME))
    platform = current_app.config["PLATFORM_NAME"]
    queue_email(
        user.email,
        f"Reset your password at {platform}",
        f"Hello,\n\nsomeone asked to reset the password of your account at {platform}. To choose "
        f"a new one, open:\n\n{platform_url(f'/login/reset/{raw}')}\n\nThe link works for one "
        f"hour and only once. If it was not you, ignore this message: your password stays as "
        f"it is.\n",
    )
    db.session.flush()


def peek_reset(raw: str) -> User | None:
    """The user a still-valid reset link belongs to, without using it up."""
    token = _live_reset(raw)
    return token.user if token is not None else None


def reset_password(raw: str, new_password: str) -> User | None:
    """Set a new password with a reset link (used up, with every other one of the account); None
    when the link is not valid. A bad password raises InvalidInput before the link is used."""
    check_new_password(new_password)
    token = _live_reset(raw)
    if token is None or not tokens.claim(StaffToken, token.id):
        return None
    user = token.user
    set_password(user, new_password)
    _void_reset_links(user)
    db.session.flush()
    return user


def _live_reset(raw: str) -> StaffToken | None:
    if not raw or len(raw) > tokens.MAX_LENGTH:
        return None
    token = db.session.scalar(select(StaffToken).where(
        StaffToken.purpose == "reset", StaffToken.token_hash == tokens.digest(raw)))
    if token is None or token.used_at is not None or token.expires_at < utcnow():
        return None
    return token if token.user.active else None


def _void_reset_links(user: User) -> None:
    db.session.execute(
        update(StaffToken)
        .where(StaffToken.user_id == user.id, StaffToken.purpose == "reset",
               StaffToken.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
