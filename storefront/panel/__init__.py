"""The partner panel on the platform host: /panel/<partner>/… Every view is a `panel_route`."""

from storefront.panel import ads, branding, dashboard, domains  # noqa: F401  (register views)
from storefront.panel.blueprint import bp

__all__ = ["bp"]
