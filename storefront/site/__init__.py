"""A partner's storefront: home, CMS pages and the partner's assets, on every partner host."""

from storefront.site.views import bp

__all__ = ["bp"]
