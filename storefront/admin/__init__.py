"""Platform admin on the platform host: partners, reseller applications, the TLD catalogue, the
product catalogue (SSL certificates, hosting plans), the e-mail outbox.

`blueprint.py` is the URL map's home; each module below adds the routes of one area.
"""

from storefront.admin import (  # noqa: F401  (they register routes)
    applications,
    partners,
    products,
    team,
    tlds,
    views,
)
from storefront.admin.blueprint import bp

__all__ = ["bp"]
