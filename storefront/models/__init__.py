"""Typed models, one module per area. Every partner-owned table has a non-null indexed partner_id."""

from cms_pages.models import Page
from storefront.models.branding import Ad, Asset
from storefront.models.partner import (
    ROLES,
    Invitation,
    Membership,
    Partner,
    PartnerDomain,
    PartnerOwned,
    User,
)
from storefront.models.platform import OutboxMessage, ResellerApplication

__all__ = [
    "ROLES",
    "Ad",
    "Asset",
    "Invitation",
    "Membership",
    "OutboxMessage",
    "Page",
    "Partner",
    "PartnerDomain",
    "PartnerOwned",
    "ResellerApplication",
    "User",
]
