"""Logos, ads and page edits that make the demo partners look like two different businesses."""

from __future__ import annotations

from storefront.models import Partner


def decorate(partner: Partner) -> None:
    partner.contact_phone = "+48 22 100 20 30" if partner.slug == "acme" else "+48 61 400 50 60"
    partner.contact_address = "ul. Prosta 1, Warszawa" if partner.slug == "acme" else "ul. Długa 7, Poznań"
