"""Custom domains: adding, proving ownership over DNS, choosing the primary one."""

from __future__ import annotations

from sqlalchemy import select

from storefront.db import db
from storefront.models import PartnerDomain
from storefront.tenancy import normalise_host


def is_verified_host(domain: str) -> bool:
    """For the TLS ask endpoint: one indexed lookup, no DNS."""
    host = normalise_host(domain)
    if host is None:
        return False
    found = db.session.scalar(
        select(PartnerDomain.id).where(
            PartnerDomain.host == host, PartnerDomain.verified_at.is_not(None)
        )
    )
    return found is not None


def add_domain(partner, host: str, verified: bool = False) -> PartnerDomain:
    """Placeholder until the domains work lands: adds a domain, verified only when asked."""
    from secrets import token_hex

    from storefront.db import utcnow

    normalised = normalise_host(host)
    domain = PartnerDomain(partner_id=partner.id, host=normalised, txt_token=token_hex(16))
    if verified:
        domain.verified_at = utcnow()
    db.session.add(domain)
    db.session.flush()
    return domain
