"""The platform host's public pages: the platform page with the reseller application form, staff
login, invitations, and the TLS "ask" endpoint for the reverse proxy."""

from storefront.platform.views import bp

__all__ = ["bp"]
