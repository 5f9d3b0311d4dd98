"""Custom domains: adding, proving ownership over DNS, choosing the primary one.

A domain serves a partner's storefront only once it is verified: it points at the platform (an A or
AAAA record to PLATFORM_IPV4/6, or a CNAME to the partner's raw host) and the TXT record at
`_storefront.<domain>` holds the domain's token. A domain another partner holds may be added only as
a pending claim; proving the token moves it, in the same transaction.

Functions take the partner first, flush and never commit; bad input raises InvalidInput.
"""

from __future__ import annotations

import ipaddress
import re
import secrets

import idna
from flask import current_app
from sqlalchemy import select, update

from storefront.db import db, utcnow
from storefront.models import Partner, PartnerDomain
from storefront.services.dns_check import DnsCheck, check_records
from storefront.services.errors import InvalidInput
from storefront.tenancy import normalise_host, raw_host

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
MAX_HOST = 253
TXT_PREFIX = "_storefront"
MOVED_AWAY = "Another storefront proved the TXT token for this domain, so it moved there."


def txt_name(domain: PartnerDomain) -> str:
    return f"{TXT_PREFIX}.{domain.host}"


def normalise_domain(raw: str) -> str:
    """The domain as stored (lower case, no trailing dot, IDN as punycode), or InvalidInput."""
    text = (raw or "").strip().lower()
    if text.endswith(".") and not text.endswith(".."):
        text = text[:-1]
    if not text:
        raise InvalidInput("Enter a domain name, e.g. www.example.com.", "host")
    if _is_ip_address(text):
        raise InvalidInput("Enter a domain name, not an IP address.", "host")
    if len(text) > MAX_HOST:
        raise InvalidInput(f"A domain name is at most {MAX_HOST} characters long.", "host")
    try:
        host = idna.encode(text, uts46=True).decode("ascii") if not text.isascii() else text
        if "xn--" in host:
            idna.decode(host)  # refuses broken punycode
    except (idna.IDNAError, UnicodeError):
        raise InvalidInput(f"“{raw.strip()}” is not a valid domain name.", "host") from None
    if len(host) > MAX_HOST:
        raise InvalidInput(f"A domain name is at most {MAX_HOST} characters long.", "host")
    labels = host.split(".")
    if not all(_LABEL.match(label) for label in labels) or labels[-1].isdigit():
        raise InvalidInput(
            f"“{raw.strip()}” is not a valid domain name: use letters, digits, hyphens and dots.",
            "host",
        )
    platform = current_app.config["PLATFORM_DOMAIN"]
    if host == platform or host.endswith("." + platform):
        raise InvalidInput(
            f"Addresses under {platform} belong to the platform; add a domain you own.", "host"
        )
    if len(labels) < 2:
        raise InvalidInput("Enter a full domain name with a dot, e.g. shop.example.com.", "host")
    # Whatever is stored must be what the host resolver finds for the same name.
    if normalise_host(host) != host:
        raise InvalidInput(f"“{raw.strip()}” is not a valid domain name.", "host")
    return host


def _is_ip_address(text: str) -> bool:
    candidate = text.strip("[]")
    try:
        ipaddress.ip_address(candidate)
    except ValueError:
        return False
    return True


def partner_domains(partner: Partner) -> list[PartnerDomain]:
    """The partner's custom domains, oldest first."""
    return list(
        db.session.scalars(
            select(PartnerDomain)
            .where(PartnerDomain.partner_id == partner.id, PartnerDomain.is_raw.is_(False))
            .order_by(PartnerDomain.id)
        )
    )


def held_elsewhere(partner: Partner, host: str) -> bool:
    """Whether another partner holds this host verified.

    A Core select on the table: the tenancy backstop scopes ORM selects of
    partner-owned rows to the current partner, and this question is about the others.
    """
    table = PartnerDomain.__table__
    found = db.session.execute(
        select(table.c.id).where(
            table.c.host == host,
            table.c.partner_id != partner.id,
            table.c.verified_at.is_not(None),
        )
    ).first()
    return found is not None


def add_domain(partner: Partner, host: str, verified: bool = False) -> PartnerDomain:
    """Add a custom domain, pending until "Check DNS" proves it (or verified, for the CLI).

    A domain another partner holds is added as a pending claim; `held_elsewhere` tells the caller.
    """
    host = normalise_domain(host)
    exists = db.session.scalar(
        select(PartnerDomain.id).where(
            PartnerDomain.partner_id == partner.id, PartnerDomain.host == host
        )
    )
    if exists is not None:
        raise InvalidInput(f"{host} is already on your list of domains.", "host")
    domain = PartnerDomain(partner_id=partner.id, host=host, txt_token=secrets.token_hex(16))
    db.session.add(domain)
    db.session.flush()
    if verified:
        _mark_verified(partner, domain)
    return domain


def check_dns(partner: Partner, domain: PartnerDomain) -> DnsCheck:
    """Ask DNS whether the domain points at the platform and carries its TXT token; record it.

    A failed re-check of a verified domain is recorded but does not take the storefront down:
    a DNS provider's hiccup should not unpublish a shop.
    """
    _own(partner, domain)
    cfg = current_app.config
    result = check_records(
        domain.host,
        txt_name=txt_name(domain),
        token=domain.txt_token,
        ipv4=cfg.get("PLATFORM_IPV4") or "",
        ipv6=cfg.get("PLATFORM_IPV6") or "",
        cname=raw_host(partner.slug),
        resolver_address=cfg.get("DNS_RESOLVER") or "",
    )
    domain.last_checked_at = utcnow()
    domain.last_check_result = result.summary[:500]
    if result.verified and not domain.is_verified:
        _mark_verified(partner, domain)
    db.session.flush()
    return result


def _mark_verified(partner: Partner, domain: PartnerDomain) -> None:
    """Verify the domain; another partner's verified row for the same host loses it first."""
    db.session.execute(
        update(PartnerDomain)
        .where(
            PartnerDomain.host == domain.host,
            PartnerDomain.partner_id != partner.id,
            PartnerDomain.verified_at.is_not(None),
        )
        .values(verified_at=None, is_primary=False, last_check_result=MOVED_AWAY)
        .execution_options(synchronize_session=False)
    )
    domain.verified_at = utcnow()
    db.session.flush()


def set_primary(partner: Partner, domain: PartnerDomain | None) -> None:
    """Make a verified domain the primary one; None makes the raw host primary again."""
    if domain is not None:
        _own(partner, domain)
        if not domain.is_verified:
            raise InvalidInput(
                f"{domain.host} is not verified yet: check its DNS records first.", "primary"
            )
    for other in partner_domains(partner):
        if other is not domain and other.is_primary:
            other.is_primary = False
    db.session.flush()  # the old primary first, so at most one is primary at any moment
    if domain is not None:
        domain.is_primary = True
        db.session.flush()


def remove_domain(partner: Partner, domain: PartnerDomain) -> None:
    """Remove a custom domain; when it was primary, the raw host becomes primary again."""
    _own(partner, domain)
    db.session.delete(domain)
    db.session.flush()


def is_verified_host(domain: str) -> bool:
    """For the TLS ask endpoint: one indexed lookup, no DNS.

    Only the exact name Caddy asks about counts. Caddy (certmagic) asks with the TLS server name
    lower-cased and trimmed, and Go's TLS stack refuses a server name with a trailing dot, so a
    real ask is always the stored form: lower case, punycode, no trailing dot, no port. A name
    that only matches after normalising ("SHOP.example.", "shop.example:443", " shop.example",
    "żółw.test") is not one Caddy would ask about, and a yes to it would be a yes to a string
    we never checked, so it is refused.
    """
    host = normalise_host(domain)
    if host is None or host != domain:
        return False
    found = db.session.scalar(
        select(PartnerDomain.id).where(
            PartnerDomain.host == host, PartnerDomain.verified_at.is_not(None)
        )
    )
    return found is not None


def _own(partner: Partner, domain: PartnerDomain) -> None:
    if domain.partner_id != partner.id:
        raise LookupError("domain belongs to another partner")
