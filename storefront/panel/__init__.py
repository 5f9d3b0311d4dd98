"""The partner panel on the platform host: /panel/<partner>/… Every view is a `panel_route`."""

from storefront.panel import (  # noqa: F401  (register views)
    ads,
    branding,
    dashboard,
    domains,
    frames,
    tld_groups,
    tlds,
)
from storefront.panel.blueprint import bp

__all__ = ["bp"]
