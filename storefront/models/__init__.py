"""Typed models, one module per area. Every partner-owned table has a non-null, indexed
partner_id."""

from billing.models import (
    BalanceEntry,
    BillingProfile,
    Document,
    DocumentCounter,
    DocumentLine,
    Payment,
    SellerSettings,
    Service,
    StripeEvent,
)
from billing.pricing_models import (
    DiscountCode,
    DiscountUse,
    PriceGroup,
    PriceGroupPrice,
    Promotion,
    SubscriberPriceGroup,
)
from cms_pages.models import Page
from storefront.models.branding import Ad, Asset
from storefront.models.catalog import (
    PartnerTld,
    Product,
    ProductTerm,
    Tld,
    TldGroup,
    TldGroupItem,
)
from storefront.models.jobs import Job
from storefront.models.limits import RateLimitCounter
from storefront.models.partner import (
    ROLES,
    Invitation,
    Membership,
    Partner,
    PartnerDomain,
    PartnerOwned,
    StaffToken,
    User,
)
from storefront.models.platform import OutboxMessage, ResellerApplication
from storefront.models.subscriber import Subscriber, SubscriberToken
from storefront.registrars.models import SandboxRegistration

__all__ = [
    "ROLES",
    "Ad",
    "Asset",
    "BalanceEntry",
    "BillingProfile",
    "DiscountCode",
    "DiscountUse",
    "Document",
    "DocumentCounter",
    "DocumentLine",
    "Invitation",
    "Job",
    "Membership",
    "OutboxMessage",
    "Page",
    "Partner",
    "PartnerDomain",
    "PartnerOwned",
    "PartnerTld",
    "Payment",
    "PriceGroup",
    "PriceGroupPrice",
    "Product",
    "ProductTerm",
    "Promotion",
    "RateLimitCounter",
    "ResellerApplication",
    "SandboxRegistration",
    "SellerSettings",
    "Service",
    "StaffToken",
    "StripeEvent",
    "Subscriber",
    "SubscriberPriceGroup",
    "SubscriberToken",
    "Tld",
    "TldGroup",
    "TldGroupItem",
    "User",
]
