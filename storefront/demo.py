"""Demo data: a platform admin and two partners that look clearly different. Idempotent."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from storefront.db import db, utcnow
from storefront.demo_catalogue import load_demo_catalogue
from storefront.models import Partner
from storefront.services import partners
from storefront.services.users import ensure_user
from storefront.tenancy import partner_url, platform_url

ADMIN = ("admin@example.com", "demo-admin-pass")
PARTNERS: list[dict[str, Any]] = [
    {
        "slug": "acme",
        "name": "Acme Hosting",
        "owner": ("owner@acme.example.com", "demo-acme-pass"),
        "theme": "classic",
        "palette": {"primary": "#1f4fa3", "accent": "#f2a900", "background": "#ffffff",
                    "surface": "#f1f5fb", "text": "#1b2433", "header": "#1f4fa3",
                    "header_text": "#ffffff", "link": "#1f4fa3", "button": "#f2a900",
                    "button_text": "#1b2433"},
    },
    {
        "slug": "globex",
        "name": "Globex Domains",
        "owner": ("owner@globex.example.com", "demo-globex-pass"),
        "theme": "minimal",
        "palette": {"primary": "#0b6e4f", "accent": "#c0392b", "background": "#fbfaf5",
                    "surface": "#ffffff", "text": "#222222", "header": "#fbfaf5",
                    "header_text": "#0b6e4f", "link": "#0b6e4f", "button": "#0b6e4f",
                    "button_text": "#ffffff"},
    },
]


def load_demo() -> list[str]:
    lines = [f"Platform:        {platform_url('/')}"]
    admin = ensure_user(ADMIN[0], password=None, admin=True)
    if not admin.password_hash:
        ensure_user(ADMIN[0], password=ADMIN[1], admin=True)
    lines.append(f"Platform admin:  {ADMIN[0]} / {ADMIN[1]}  ({platform_url('/admin/')})")
    for spec in PARTNERS:
        partner = db.session.scalar(select(Partner).where(Partner.slug == spec["slug"]))
        if partner is None:
            partner = partners.create_partner(spec["slug"], spec["name"])
            partner.theme = spec["theme"]
            partner.palette = spec["palette"]
            owner = ensure_user(spec["owner"][0], password=spec["owner"][1], name="Demo owner")
            partners.add_member(partner, owner, "owner")
            _decorate(partner)
        lines.append(
            f"{spec['name']:<16} {partner_url(partner)}  "
            f"panel: {spec['owner'][0]} / {spec['owner'][1]}"
        )
    lines.extend(load_demo_catalogue())  # the TLDs, and what acme and globex sell
    lines.extend(_demo_subscriber_and_frames())
    _demo_billing()
    # Orders are priced from the catalogue as a storefront reads it: committed, on a connection
    # of its own (storefront/services/partner_catalogue.py).
    db.session.commit()
    lines.extend(_demo_orders())
    db.session.flush()
    return lines


DEMO_DOMAIN = "kwiaciarnia-ann.pl"  # free at the sandbox registry (most names are)


def _demo_orders() -> list[str]:
    """The bank-transfer path, once: Acme's balance topped up; Ann ordered kwiaciarnia-ann.pl, Acme
    booked her transfer (her VAT invoice issued, the domain registered at the sandbox); and a
    renewal proforma for next year waits unpaid, for Acme's owner to book in the panel."""
    from billing import balance, checkout, payments, provisioning
    from billing.documents import local_today
    from billing.models import DocumentLine, Service
    from storefront.money import Money
    from storefront.services import subscribers

    acme = db.session.scalar(select(Partner).where(Partner.slug == "acme"))
    ann = subscribers.find(acme, SUBSCRIBER[0]) if acme is not None else None
    if acme is None or ann is None:
        return []
    held = db.session.scalar(select(Service).where(Service.partner_id == acme.id,
                                                   Service.name == DEMO_DOMAIN))
    if held is None:
        if balance.balance(acme).minor == 0:
            balance.credit(acme, Money(100000, "PLN"), "Demo top-up", None)
        proforma = checkout.checkout(acme, ann, [(DEMO_DOMAIN, 1, "register")])
        invoice = payments.pay(acme, proforma, local_today())
        for line in invoice.lines:  # what the job runs, done here so the demo starts active
            provisioning.provision({"line_id": line.id, "service_id": line.service_id}, acme.id)
        _mark_demo_jobs_done(acme.id)
        held = db.session.get(Service, invoice.lines[0].service_id)
    if held is None:
        return []
    renewed = db.session.scalar(select(DocumentLine.id).where(
        DocumentLine.service_id == held.id, DocumentLine.operation == "renew").limit(1))
    if held.status == "active" and renewed is None:
        checkout.renewal(acme, ann, held, 1)
    return [f"Demo orders:     Ann's {DEMO_DOMAIN} is active with a paid invoice; its renewal "
            f"proforma waits for Acme to book the transfer "
            f"({platform_url('/panel/acme/billing/proformas')})"]


def _mark_demo_jobs_done(partner_id: int) -> None:
    from storefront.models import Job

    for job in db.session.scalars(select(Job).where(Job.partner_id == partner_id,
                                                    Job.status == "queued")):
        job.status, job.finished_at = "done", utcnow()


def _demo_billing() -> None:
    """Acme's seller details (ready to issue documents) and Ann's billing details, once."""
    from billing import profiles, settings
    from storefront.services import subscribers

    acme = db.session.scalar(select(Partner).where(Partner.slug == "acme"))
    if acme is None:
        return
    if settings.seller_settings(acme) is None:
        settings.save_seller_settings(acme, settings.SellerFields(
            name="Acme Hosting sp. z o.o.", street="ul. Prosta 1", postal_code="00-838",
            city="Warszawa", tax_id="526-025-02-74",
            bank_account="PL61 1090 1014 0000 0712 1981 2874", bank_name="Demo Bank"))
    ann = subscribers.find(acme, SUBSCRIBER[0])
    if ann is not None and profiles.find_profile(acme, ann) is None:
        profiles.save_profile(acme, ann, profiles.ProfileFields(
            name=SUBSCRIBER[2], street="ul. Kwiatowa 5", postal_code="30-001", city="Kraków",
            email=SUBSCRIBER[0], phone="+48 600 100 200"))


EMBED_DEMO_ORIGIN = "http://partner.localhost:8080"  # `make embed-demo` serves deploy/embed-demo/
SUBSCRIBER = ("ann@example.com", "demo-subscriber-pass", "Ann Example")


def _demo_subscriber_and_frames() -> list[str]:
    """Acme lets the embed demo page frame it and has one subscriber to log in with."""
    from storefront.services import subscribers

    acme = db.session.scalar(select(Partner).where(Partner.slug == "acme"))
    if acme is None:
        return []
    if EMBED_DEMO_ORIGIN not in (acme.frame_origins or []):
        acme.frame_origins = [*(acme.frame_origins or []), EMBED_DEMO_ORIGIN]
    if subscribers.find(acme, SUBSCRIBER[0]) is None:
        subscriber = subscribers.register(acme, SUBSCRIBER[0], SUBSCRIBER[1], SUBSCRIBER[2])
        subscriber.email_verified_at = subscriber.created_at or utcnow()
    return [
        f"Acme subscriber: {SUBSCRIBER[0]} / {SUBSCRIBER[1]}  ({partner_url(acme, '/account/')})",
        f"Frames demo:     make embed-demo, then {EMBED_DEMO_ORIGIN}/ (Acme's frames in a page of "
        f"another site)",
    ]


def _decorate(partner: Partner) -> None:
    """Partner-specific demo content (logos, ads, pages): filled in by the branding and CMS code."""
    from storefront.demo_content import decorate

    decorate(partner)
