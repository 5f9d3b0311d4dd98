"""Issuing documents: proformas at checkout and for renewals, VAT invoices when a proforma is paid.

A document copies in what it states when it is issued (the seller from the partner's billing
settings, the buyer from the subscriber's billing details, every line's price and period), so a
later change of either never alters it. Its number is taken in the issuing transaction
(`numbering.take_number`): a rolled-back issue gives the number back.

Partners' prices include VAT (a storefront shows consumers what they pay), so a document's lines
are gross amounts; its VAT is computed per rate on the totals (`vat_summary_from_gross`). A
business buyer in another EU country (`profiles.reverse_charge`) pays the net price: its lines are
the net part of the price, at no VAT, and the document says "reverse charge".

Functions take the partner first, flush and never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask_babel import force_locale
from sqlalchemy import select

from billing import settings as seller
from billing.models import BillingProfile, Document, DocumentLine, SellerSettings
from billing.numbering import document_number, take_number
from billing.profiles import reverse_charge
from storefront.db import db, utcnow
from storefront.i18n import gettext as _
from storefront.models import Subscriber, User
from storefront.money import Money, vat_in_gross, vat_summary_from_gross
from storefront.services.errors import InvalidInput
from storefront.tenancy import Tenant

# Documents are dated in the partner's country: an invoice issued at 00:30 on 1 January in
# Warsaw belongs to the new year's series, though it is still 31 December in UTC.
LOCAL_TIME = ZoneInfo("Europe/Warsaw")
PAYMENT_DAYS = 7  # an order's proforma is due a week after it is issued
NOT_TAXED = "np"  # a reverse-charge line's rate: "nie podlega" (not subject to Polish VAT)


@dataclass(frozen=True)
class NewLine:
    """A line to put on a proforma: `gross` is the subscriber's price for the whole line."""

    description: str
    operation: str  # register, transfer, renew, order
    term: int
    gross: Money
    wholesale: Money
    service_id: int | None = None
    term_unit: str = "year"
    period_from: date | None = None
    period_to: date | None = None


def local_today(moment: datetime | None = None) -> date:
    """The date in the partner's country at `moment` (UTC, naive as stored; now by default)."""
    moment = moment or utcnow()
    return moment.replace(tzinfo=ZoneInfo("UTC")).astimezone(LOCAL_TIME).date()


def ready_seller(partner: Tenant) -> SellerSettings:
    """The partner's billing settings when documents can be issued with them, else InvalidInput
    (the subscriber is told the shop can't take orders yet; the panel says what is missing)."""
    settings = seller.seller_settings(partner)
    if not seller.is_ready(settings):
        raise InvalidInput(_("This shop can't take orders yet: its billing details are not "
                             "complete. Please contact the shop."), "checkout")
    assert settings is not None
    return settings


def issue_proforma(partner: Tenant, subscriber: Subscriber, profile: BillingProfile,
                   lines: list[NewLine], *, purpose: str = "order", due_on: date | None = None,
                   by_user: User | None = None, internal: bool = False) -> Document:
    """A new proforma for `lines`, numbered PF/<year>/<n> in the partner's series."""
    if subscriber.partner_id != partner.id or profile.subscriber_id != subscriber.id:
        raise LookupError("subscriber or billing details of another partner")
    if not lines:
        raise InvalidInput(_("There is nothing to order."), "checkout")
    currencies = {line.gross.currency for line in lines}
    if len(currencies) != 1:
        raise InvalidInput(_("One order is paid in one currency. Please order these "
                             "separately."), "checkout")
    currency = currencies.pop()
    settings = ready_seller(partner)
    charge_reverse = reverse_charge(settings.country, profile)
    rate = seller.vat_rate(settings)
    issued_at = utcnow()
    today = local_today(issued_at)
    document = _new_document(partner, "proforma", "PF", today.year, subscriber.id)
    document.status = "unpaid"
    document.purpose = purpose
    document.language = settings.language
    document.currency = currency
    document.issued_at = issued_at
    document.due_on = due_on or today + timedelta(days=PAYMENT_DAYS)
    document.seller = seller_snapshot(settings)
    document.buyer = buyer_snapshot(profile)
    document.reverse_charge = charge_reverse
    document.bank_account = settings.bank_account
    document.transfer_title = document.number
    document.created_by_user_id = by_user.id if by_user is not None else None
    for position, line in enumerate(lines, start=1):
        gross = line.gross - vat_in_gross(line.gross, rate) if charge_reverse else line.gross
        document.lines.append(DocumentLine(
            partner_id=partner.id, position=position, description=line.description[:300],
            service_id=line.service_id, operation=line.operation, term=line.term,
            term_unit=line.term_unit, period_from=line.period_from, period_to=line.period_to,
            vat_rate=NOT_TAXED if charge_reverse else _rate_text(rate),
            gross_minor=gross.minor, wholesale_minor=line.wholesale.minor,
            wholesale_currency=line.wholesale.currency,
        ))
    _total(document)
    if internal:
        with force_locale(document.language):
            document.annotations = [*document.annotations,
                                    _("Internal / demo account: not charged.")]
    db.session.add(document)
    db.session.flush()
    return document


def issue_invoice(partner: Tenant, proforma: Document, supplied_on: date) -> Document:
    """The VAT invoice of a paid proforma: its lines, seller and buyer as the proforma stated
    them, numbered FV/<year>/<n>; the proforma points at it. Called in the paying transaction."""
    if proforma.partner_id != partner.id or proforma.kind != "proforma":
        raise LookupError("not a proforma of this partner")
    issued_at = utcnow()
    year = local_today(issued_at).year
    invoice = _new_document(partner, "invoice", "FV", year, proforma.subscriber_id)
    for name in ("purpose", "language", "currency", "seller", "buyer", "reverse_charge",
                 "net_minor", "vat_minor", "gross_minor", "rates", "bank_account"):
        setattr(invoice, name, getattr(proforma, name))
    invoice.issued_at = issued_at
    invoice.supplied_on = supplied_on
    invoice.paid_at = proforma.paid_at or issued_at
    invoice.source_id = proforma.id
    invoice.annotations = list(proforma.annotations)
    for line in proforma.lines:
        invoice.lines.append(DocumentLine(
            partner_id=partner.id, position=line.position, description=line.description,
            service_id=line.service_id, operation=line.operation, term=line.term,
            term_unit=line.term_unit, period_from=line.period_from, period_to=line.period_to,
            vat_rate=line.vat_rate, gross_minor=line.gross_minor,
            wholesale_minor=line.wholesale_minor, wholesale_currency=line.wholesale_currency,
        ))
    db.session.add(invoice)
    db.session.flush()
    proforma.invoice_id = invoice.id
    db.session.flush()
    return invoice


def _new_document(partner: Tenant, kind: str, series: str, year: int,
                  subscriber_id: int) -> Document:
    sequence = take_number(partner, series, year)
    return Document(partner_id=partner.id, subscriber_id=subscriber_id, kind=kind,
                    series=series, year=year, sequence=sequence,
                    number=document_number(series, year, sequence))


def _total(document: Document) -> None:
    """The document's VAT summary per rate and its totals, from its lines."""
    currency = document.currency
    if document.reverse_charge:
        net = Money.sum((Money(line.gross_minor, currency) for line in document.lines), currency)
        document.rates = [{"rate": NOT_TAXED, "net": net.minor, "vat": 0, "gross": net.minor}]
        document.net_minor, document.vat_minor, document.gross_minor = net.minor, 0, net.minor
        document.annotations = _annotations(document.language, True)
        return
    summary = vat_summary_from_gross(
        ((Money(line.gross_minor, currency), Decimal(line.vat_rate)) for line in document.lines),
        currency)
    document.rates = [{"rate": _rate_text(row.rate), "net": row.net.minor, "vat": row.vat.minor,
                       "gross": row.gross.minor} for row in summary.rates]
    document.net_minor = summary.net.minor
    document.vat_minor = summary.vat.minor
    document.gross_minor = summary.gross.minor
    document.annotations = []


def _annotations(language: str, charge_reverse: bool) -> list[str]:
    if not charge_reverse:
        return []
    with force_locale(language):
        return [_("reverse charge")]


def _rate_text(rate: Decimal) -> str:
    return format(rate.normalize(), "f")


def seller_snapshot(settings: SellerSettings) -> dict[str, str]:
    return {name: getattr(settings, name) for name in (
        "name", "street", "postal_code", "city", "country", "tax_id", "bank_account",
        "bank_name")}


def buyer_snapshot(profile: BillingProfile) -> dict[str, str]:
    return {name: getattr(profile, name) for name in (
        "kind", "name", "street", "postal_code", "city", "country", "tax_id", "email", "phone")}


def gross(document: Document) -> Money:
    return Money(document.gross_minor, document.currency)


def documents_of(partner: Tenant, kind: str | tuple[str, ...],
                 subscriber: Subscriber | None = None, limit: int = 100) -> list[Document]:
    """The partner's documents of one kind (or kinds), newest first; only one subscriber's when
    given."""
    kinds = (kind,) if isinstance(kind, str) else kind
    query = (select(Document).where(Document.partner_id == partner.id, Document.kind.in_(kinds))
             .order_by(Document.id.desc()).limit(limit))
    if subscriber is not None:
        query = query.where(Document.subscriber_id == subscriber.id)
    return list(db.session.scalars(query))


def corrections_of(partner: Tenant, invoice: Document) -> list[Document]:
    """The credit notes issued against `invoice`, oldest first."""
    return list(db.session.scalars(
        select(Document).where(Document.partner_id == partner.id,
                               Document.kind == "credit_note", Document.source_id == invoice.id)
        .order_by(Document.id)))


def find_document(partner: Tenant, document_id: int, kind: str | None = None,
                  subscriber: Subscriber | None = None) -> Document | None:
    """One of the partner's documents (one subscriber's, when given), or None."""
    document = db.session.get(Document, document_id)
    if (document is None or document.partner_id != partner.id
            or (kind is not None and document.kind != kind)
            or (subscriber is not None and document.subscriber_id != subscriber.id)):
        return None
    return document


def issue_credit_note(partner: Tenant, invoice: Document, positions: list[int], reason: str,
                      by_user: User | None = None) -> Document:
    """A credit note (KOR/<year>/<n>) reversing the chosen lines of a VAT invoice in full: the
    only way an issued invoice is corrected. A line is credited at most once."""
    if invoice.partner_id != partner.id or invoice.kind != "invoice":
        raise LookupError("not an invoice of this partner")
    reason = " ".join((reason or "").split())
    if not reason or len(reason) > 300 or not reason.isprintable():
        raise InvalidInput(_("Give the reason for the correction (at most 300 characters)."),
                           "reason")
    credited = set(db.session.scalars(
        select(DocumentLine.position).join(Document, Document.id == DocumentLine.document_id)
        .where(Document.partner_id == partner.id, Document.kind == "credit_note",
               Document.source_id == invoice.id)))
    chosen = [line for line in invoice.lines if line.position in set(positions)]
    if not chosen:
        raise InvalidInput(_("Choose the lines to credit."), "lines")
    if any(line.position in credited for line in chosen):
        raise InvalidInput(_("A line of this invoice is credited already."), "lines")
    issued_at = utcnow()
    note = _new_document(partner, "credit_note", "KOR", local_today(issued_at).year,
                         invoice.subscriber_id)
    for name in ("purpose", "language", "currency", "seller", "buyer", "reverse_charge",
                 "bank_account"):
        setattr(note, name, getattr(invoice, name))
    note.issued_at = issued_at
    note.supplied_on = invoice.supplied_on
    note.source_id = invoice.id
    note.created_by_user_id = by_user.id if by_user is not None else None
    for line in chosen:
        note.lines.append(DocumentLine(
            partner_id=partner.id, position=line.position, description=line.description,
            service_id=line.service_id, operation=line.operation, term=line.term,
            term_unit=line.term_unit, period_from=line.period_from, period_to=line.period_to,
            vat_rate=line.vat_rate, gross_minor=-line.gross_minor,
            wholesale_minor=0, wholesale_currency=line.wholesale_currency,
        ))
    _total(note)
    with force_locale(note.language):
        note.annotations = [*note.annotations,
                            _("Corrects invoice %(number)s. Reason: %(reason)s",
                              number=invoice.number, reason=reason)]
    db.session.add(note)
    db.session.flush()
    return note
