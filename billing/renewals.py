"""Renewals, run from cron (`flask renewals`, daily): a renewal proforma per service term, reminders
before and after the expiry, and expired services moved on.

For every partner:

- **Expiry moves**, set-based (one UPDATE per rule, whatever the number of services): an active
  `.pl` domain (any TLD whose last label is `pl`) past its expiry is "blocked" (still renewable)
  for `PL_BLOCKED_DAYS`, then "terminated"; any other domain is in "grace" for the partner's
  `grace_days` (inside the registry's 45-day auto-renew grace), then "terminated"; hosting is
  "suspended" `hosting_suspend_days` after its expiry and "terminated" after
  `hosting_terminate_days`; an SSL certificate is "expired".
- **Renewal proformas**: a domain with auto-renew on, held (active, expired, grace or blocked),
  expiring within the partner's `renewal_lead_days`, gets one proforma for the TLD's minimum
  years, due on its expiry date. An unpaid renewal proforma the subscriber already has is kept
  instead of a second one. SSL certificates and hosting plans get none yet (their renewal
  proforma needs product terms and prices at checkout, which checkout does not offer for a held
  product): they still move on after their expiry.
- **Reminders** 14, 7 and 1 days before the expiry and 3 days after it, to a subscriber with an
  unpaid renewal proforma: an e-mail in the partner's document language naming the domain, the
  expiry date, the proforma's number and amount and its page on the storefront.

Each proforma and reminder is claimed once per service term (the expiry it renews) by inserting a
`RenewalNotice` with `ON CONFLICT DO NOTHING … RETURNING`, in the transaction that does the work:
only the inserter does it, so runs that overlap (two crons, a retry) never issue or send twice; on
PostgreSQL the second inserter waits for the first to commit, then finds the row. A proforma that
cannot be issued (no billing details, a TLD the shop no longer sells) rolls its claim back and is
tried again on the next run.

Services are read in batches of ids (`BATCH`), never all at once: memory does not grow with their
number.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from babel.dates import format_date
from flask_babel import force_locale
from sqlalchemy import ColumnElement, and_, exists, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from billing import checkout
from billing.documents import local_today, ready_seller
from billing.models import (
    BillingProfile,
    Document,
    DocumentLine,
    RenewalNotice,
    SellerSettings,
    Service,
)
from storefront.db import db, utcnow
from storefront.i18n import gettext as _
from storefront.models import Partner, Subscriber
from storefront.money import Money
from storefront.services.errors import InvalidInput
from storefront.services.outbox import queue_email
from storefront.services.partner_catalogue import catalogue, to_unicode
from storefront.tenancy import Tenant, partner_url

BATCH = 1000
PL_BLOCKED_DAYS = 30  # NASK keeps an expired .pl domain blocked and renewable for 30 days
RENEWABLE = ("active", "expired", "grace", "blocked")
# kind: (days before the expiry it is sent from, … until); negative: after the expiry.
REMINDERS = {
    "remind-14": (14, 7),
    "remind-7": (7, 1),
    "remind-1": (1, 0),
    "expired+3": (-3, -10),
}


@dataclass
class Summary:
    proformas: int = 0
    reminders: int = 0
    moved: int = 0
    skipped: int = 0  # proformas that could not be issued (tried again next run)
    seconds: float = 0.0

    def line(self) -> str:
        return (f"Renewals: {self.proformas} proformas issued, {self.reminders} reminders queued, "
                f"{self.moved} services moved, {self.skipped} proformas skipped, "
                f"{self.seconds:.1f} s.")


@dataclass(frozen=True)
class Shop:
    """The partner as the pass needs it (a Tenant): read once, not again after each commit."""

    id: int
    slug: str
    name: str
    primary_host: str


@dataclass(frozen=True)
class Terms:
    """A partner's renewal settings (the defaults when it has saved none)."""

    language: str = "pl"
    renewal_lead_days: int = 30
    grace_days: int = 30
    hosting_suspend_days: int = 7
    hosting_terminate_days: int = 30

    @classmethod
    def of(cls, settings: SellerSettings | None) -> Terms:
        if settings is None:
            return cls()
        return cls(settings.language, settings.renewal_lead_days, settings.grace_days,
                   settings.hosting_suspend_days, settings.hosting_terminate_days)


def run(now: datetime | None = None, batch: int = BATCH) -> Summary:
    """One pass over every partner; commits as it goes."""
    started = time.perf_counter()
    now = now or utcnow()
    summary = Summary()
    last = 0
    while True:
        partner_ids = list(db.session.scalars(
            select(Partner.id).where(Partner.id > last).order_by(Partner.id).limit(batch)))
        db.session.commit()
        if not partner_ids:
            break
        for partner_id in partner_ids:
            run_partner(partner_id, now, summary, batch)
        last = partner_ids[-1]
    summary.seconds = time.perf_counter() - started
    return summary


def run_partner(partner_id: int, now: datetime, summary: Summary, batch: int = BATCH) -> None:
    row = db.session.get(Partner, partner_id)
    if row is None:
        return
    partner = Shop(row.id, row.slug, row.name, row.primary_host)
    settings = db.session.scalar(
        select(SellerSettings).where(SellerSettings.partner_id == partner_id))
    terms = Terms.of(settings)
    summary.moved += move_expired(partner_id, terms, now)
    db.session.commit()
    issue_proformas(partner, terms, now, summary, batch)
    send_reminders(partner, terms, now, summary, batch)


# -- expiry moves ---------------------------------------------------------------------------------

def move_expired(partner_id: int, terms: Terms, now: datetime) -> int:
    """Move the partner's expired services on; how many moved. Flushes, never commits."""
    is_pl = Service.name.like("%.pl")
    domain = Service.kind == "domain"
    rules: list[tuple[ColumnElement[bool], tuple[str, ...], str, int]] = [
        # (which services, from statuses, to status, days after the expiry); the later state of
        # a kind first, so a service long past its expiry goes straight there.
        (domain & is_pl, ("active", "expired", "blocked"), "terminated", PL_BLOCKED_DAYS),
        (domain & is_pl, ("active", "expired"), "blocked", 0),
        (domain & ~is_pl, ("active", "expired", "grace"), "terminated", terms.grace_days),
        (domain & ~is_pl, ("active", "expired"), "grace", 0),
        (Service.kind == "hosting", ("active", "expired", "suspended"), "terminated",
         terms.hosting_terminate_days),
        (Service.kind == "hosting", ("active", "expired"), "suspended",
         terms.hosting_suspend_days),
        (Service.kind == "ssl", ("active",), "expired", 0),
    ]
    moved = 0
    for which, statuses, status, days in rules:
        result = db.session.execute(
            update(Service)
            .where(Service.partner_id == partner_id, Service.status.in_(statuses), which,
                   Service.expires_at.is_not(None),
                   Service.expires_at < now - timedelta(days=days))
            .values(status=status)
            .execution_options(synchronize_session=False))
        moved += result.rowcount or 0  # type: ignore[attr-defined]
    return moved


# -- renewal proformas ----------------------------------------------------------------------------

def issue_proformas(partner: Tenant, terms: Terms, now: datetime, summary: Summary,
                    batch: int = BATCH) -> None:
    """A renewal proforma for every due domain term of the partner without one; each in a
    transaction of its own (claim and proforma commit together)."""
    try:
        ready_seller(partner)
    except InvalidInput:
        db.session.rollback()
        return  # no documents can be issued until the partner completes its billing settings
    due_by = now + timedelta(days=terms.renewal_lead_days)
    last = 0
    while True:
        rows = db.session.execute(
            select(Service.id, Service.expires_at)
            .where(Service.partner_id == partner.id, Service.kind == "domain",
                   Service.auto_renew.is_(True), Service.status.in_(RENEWABLE),
                   Service.expires_at.is_not(None), Service.expires_at <= due_by,
                   Service.id > last, ~_noticed("proforma"))
            .order_by(Service.id).limit(batch)).all()
        db.session.commit()
        if not rows:
            return
        for service_id, expires_at in rows:
            assert expires_at is not None  # selected so
            try:
                if _issue(partner, service_id, expires_at):
                    summary.proformas += 1
                db.session.commit()
            except InvalidInput:
                db.session.rollback()  # the claim too: tried again on the next run
                summary.skipped += 1
        last = rows[-1].id


def _issue(partner: Tenant, service_id: int, expires_at: datetime) -> bool:
    """Claim the term and issue its proforma; False when another run claimed it, or an unpaid
    renewal proforma of the service is kept instead."""
    notice_id = claim(partner.id, service_id, expires_at, "proforma")
    if notice_id is None:
        return False
    service = db.session.get(Service, service_id, populate_existing=True)
    if service is None or service.expires_at != expires_at:
        return False  # renewed or removed meanwhile: the claim stays for the old term
    subscriber = db.session.get(Subscriber, service.subscriber_id)
    assert subscriber is not None
    offer = catalogue(partner).tlds.get(service.name.split(".", 1)[1])
    years = offer["min_years"] if offer else 1
    before = utcnow()
    # An unpaid renewal proforma the subscriber has already is returned, not issued again.
    proforma = checkout.renewal(partner, subscriber, service, years,
                                due_on=local_today(expires_at))
    db.session.execute(update(RenewalNotice).where(RenewalNotice.id == notice_id)
                       .values(document_id=proforma.id))
    return proforma.issued_at >= before


def claim(partner_id: int, service_id: int, expires_at: datetime, kind: str) -> int | None:
    """The new notice's id when this transaction claimed (service, term, kind); None when it was
    claimed before (or by a concurrent run, once that one commits)."""
    connection = db.session.connection()
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(RenewalNotice)
        .values(partner_id=partner_id, service_id=service_id, expires_at=expires_at, kind=kind,
                created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["service_id", "expires_at", "kind"])
        .returning(RenewalNotice.id)
    )
    return db.session.execute(statement).scalar_one_or_none()


def _noticed(kind: str) -> ColumnElement[bool]:
    return exists().where(RenewalNotice.service_id == Service.id,
                          RenewalNotice.expires_at == Service.expires_at,
                          RenewalNotice.kind == kind)


# -- reminders ------------------------------------------------------------------------------------

def send_reminders(partner: Tenant, terms: Terms, now: datetime, summary: Summary,
                   batch: int = BATCH) -> None:
    """Queue the reminders due now to subscribers with an unpaid renewal proforma; each batch's
    claims and mails commit together."""
    for kind, (from_days, until_days) in REMINDERS.items():
        last = 0
        while True:
            rows = db.session.execute(
                select(Service.id, Service.name, Service.expires_at, Document.id.label("doc"),
                       Document.number, Document.gross_minor, Document.currency,
                       func.coalesce(BillingProfile.email, Subscriber.email).label("email"))
                .join(DocumentLine, and_(DocumentLine.service_id == Service.id,
                                         DocumentLine.operation == "renew"))
                .join(Document, and_(Document.id == DocumentLine.document_id,
                                     Document.kind == "proforma",
                                     Document.status == "unpaid"))
                .join(Subscriber, Subscriber.id == Service.subscriber_id)
                .outerjoin(BillingProfile, BillingProfile.subscriber_id == Service.subscriber_id)
                .where(Service.partner_id == partner.id, Service.auto_renew.is_(True),
                       Service.status.in_((*RENEWABLE, "suspended")),
                       Service.expires_at > now + timedelta(days=until_days),
                       Service.expires_at <= now + timedelta(days=from_days),
                       Service.id > last, ~_noticed(kind))
                .order_by(Service.id).limit(batch)).all()
            if not rows:
                db.session.commit()
                break
            seen: set[int] = set()
            for row in rows:
                if row.id in seen:
                    continue  # two unpaid renewal proformas: one reminder
                seen.add(row.id)
                if claim(partner.id, row.id, row.expires_at, kind) is None:
                    continue
                subject, body = reminder(partner, terms.language, kind, row.name, row.expires_at,
                                         row.number, Money(row.gross_minor, row.currency),
                                         row.doc)
                queue_email(row.email, subject, body, partner.id)
                summary.reminders += 1
            db.session.commit()
            last = rows[-1].id


def reminder(partner: Tenant, language: str, kind: str, name: str, expires_at: datetime,
             number: str, amount: Money, document_id: int) -> tuple[str, str]:
    """The reminder's subject and body in the partner's document language."""
    expiry = format_date(local_today(expires_at), format="long", locale=language)
    values = {"domain": to_unicode(name), "date": expiry, "number": number,
              "amount": amount.format(language), "shop": partner.name,
              "link": partner_url(partner, f"/account/proformas/{document_id}")}
    with force_locale(language):
        if kind == "expired+3":
            subject = _("%(domain)s expired on %(date)s: renew it now", **values)
            opening = _("Your domain %(domain)s expired on %(date)s. Renew it before it is "
                        "lost: pay proforma %(number)s (%(amount)s).", **values)
        else:
            subject = _("%(domain)s expires on %(date)s", **values)
            opening = _("Your domain %(domain)s expires on %(date)s. To keep it, pay proforma "
                        "%(number)s (%(amount)s) before then.", **values)
        body = "\n\n".join([
            opening,
            _("Pay it by bank transfer or online on its page: %(link)s", **values),
            _("If you have paid already, thank you: please ignore this message.", **values),
            partner.name,
        ])
    return subject, body
