from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select

from storefront.auth import hash_password
from storefront.db import db
from storefront.i18n import gettext as _
from storefront.models import User
from storefront.services.errors import InvalidInput


def normalise_email(email: str) -> str:
    try:
        return validate_email(email or "", check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise InvalidInput(
            _("That e-mail address is not valid: %(reason)s", reason=error), "email"
        ) from None


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
        user.password_hash = hash_password(password)
    if admin:
        user.is_platform_admin = True
    db.session.flush()
    return user
