"""The platform host's public pages: the platform page with the reseller application form, staff
login, password reset and account settings, invitations, and the TLS "ask" endpoint for the
reverse proxy."""

from storefront.platform import staff_account  # noqa: F401  (its routes join the blueprint)
from storefront.platform.views import bp

__all__ = ["bp"]
