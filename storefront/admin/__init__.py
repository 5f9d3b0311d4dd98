"""Platform admin on the platform host: partners, reseller applications, the e-mail outbox."""

from storefront.admin.views import bp

__all__ = ["bp"]
