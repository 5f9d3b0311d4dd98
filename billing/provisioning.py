"""Activation: after a payment, the partner pays the platform and the registry does the work.

`start(partner, invoice)` runs in the paying transaction: it debits the partner's wholesale
balance with what the invoice's lines cost wholesale and queues one "provision" job per line, or,
when the balance is short, marks the services "waiting" with the reason (the partner sees it in
the panel; `release_waiting` tries again, e.g. after the platform books a credit).

The job runs after that transaction commits, in one of its own (storefront.jobs): a domain's
registration, renewal or transfer at its registrar backend; SSL and hosting are marked active.
The service and the registry's answer commit together. A failed attempt marks the service
"failed" with the error (the job retries with backoff; the panel has a retry button); a later
attempt that succeeds makes it active. A renewal asks the registry for the domain's expiry first:
when an earlier attempt renewed it already (its answer lost on the way), it is not renewed twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from billing import balance
from billing.models import Document, DocumentLine, Service
from storefront import jobs
from storefront.db import db, utcnow
from storefront.models import Job, Partner
from storefront.money import Money
from storefront.registrars import Registrant, get_backend
from storefront.tenancy import Tenant

JOB = "provision"


def start(partner: Tenant, invoice: Document) -> None:
    """Pay the platform for `invoice`'s lines and queue their activation (or let them wait)."""
    lines = [line for line in invoice.lines if line.service_id is not None]
    services = _services(partner, [line.service_id for line in lines if line.service_id])
    try:
        for cost in _costs(lines):
            balance.debit(partner, cost, f"{invoice.number}")
    except balance.ShortBalance as short:
        for service in services.values():
            service.status = "waiting"
            service.last_error = (f"Waiting for the wholesale balance: {invoice.number} costs "
                                  f"{short.amount.format('en')}, the balance is "
                                  f"{short.balance.format('en')}.")
        db.session.flush()
        return
    for line in lines:
        service = services[line.service_id]  # type: ignore[index]
        service.status, service.last_error = "activating", ""
        jobs.enqueue(JOB, {"line_id": line.id, "service_id": service.id}, partner.id)
    db.session.flush()


def release_waiting(partner: Tenant) -> int:
    """Try again to pay for every invoice whose services wait for the balance; how many
    services were queued for activation."""
    waiting = list(db.session.scalars(
        select(Service).where(Service.partner_id == partner.id, Service.status == "waiting")
        .order_by(Service.id)))
    invoices: dict[int, Document] = {}
    for service in waiting:
        line = db.session.scalar(
            select(DocumentLine).join(Document, Document.id == DocumentLine.document_id)
            .where(DocumentLine.service_id == service.id, Document.kind == "invoice")
            .order_by(DocumentLine.id.desc()).limit(1))
        if line is not None:
            invoices.setdefault(line.document_id, line.document)
    queued = 0
    for invoice in sorted(invoices.values(), key=lambda document: document.id):
        start(partner, invoice)
        if all(_service_status(line) != "waiting" for line in invoice.lines):
            queued += len(invoice.lines)
        else:
            break  # the balance is short again: later invoices wait their turn
    return queued


def _service_status(line: DocumentLine) -> str:
    service = db.session.get(Service, line.service_id) if line.service_id else None
    return service.status if service is not None else ""


def _costs(lines: list[DocumentLine]) -> list[Money]:
    totals: dict[str, int] = {}
    for line in lines:
        if line.wholesale_minor > 0:
            totals[line.wholesale_currency] = (totals.get(line.wholesale_currency, 0)
                                               + line.wholesale_minor)
    return [Money(amount, currency) for currency, amount in sorted(totals.items())]


def _services(partner: Tenant, ids: list[int]) -> dict[int, Service]:
    return {service.id: service for service in db.session.scalars(
        select(Service).where(Service.partner_id == partner.id, Service.id.in_(ids)))}


def _failed(payload: dict[str, Any], partner_id: int | None, error: str, gave_up: bool) -> None:
    service = db.session.get(Service, payload.get("service_id"))
    if service is None or service.partner_id != partner_id or service.status == "active":
        return
    service.status = "failed"
    service.last_error = (error if gave_up else f"{error} (retrying automatically)")[:500]


@jobs.handler(JOB, on_failure=_failed)
def provision(payload: dict[str, Any], partner_id: int | None) -> None:
    line = db.session.get(DocumentLine, payload.get("line_id"))
    service = db.session.get(Service, payload.get("service_id"))
    if line is None or service is None or service.partner_id != partner_id \
            or line.partner_id != partner_id or line.service_id != service.id:
        return  # removed meanwhile: nothing to activate
    if service.kind == "domain":
        expires_at = _domain(service, line)
    else:
        start_at = max(service.expires_at or utcnow(), utcnow())
        expires_at = start_at + timedelta(days=30 * line.term if line.term_unit == "month"
                                          else 365 * line.term)
    service.expires_at = expires_at
    service.status, service.last_error = "active", ""
    service.activated_at = service.activated_at or utcnow()
    db.session.flush()


def _domain(service: Service, line: DocumentLine) -> datetime | None:
    backend = get_backend(service.backend or "sandbox")
    if line.operation == "register":
        buyer = line.document.buyer
        record = backend.register(service.name, line.term, Registrant(
            name=buyer.get("name", ""), email=buyer.get("email", ""),
            country_code=buyer.get("country", "PL"), city=buyer.get("city", ""),
            street=buyer.get("street", ""), postal_code=buyer.get("postal_code", ""),
            phone=buyer.get("phone") or None,
            organisation=buyer.get("name") if buyer.get("kind") == "business" else None))
        return record.expires_at
    if line.operation == "transfer":
        record = backend.transfer(service.name, service.transfer_code)
        service.transfer_code = ""
        return record.expires_at
    if line.operation == "renew":
        current = backend.info(service.name)
        target = line.period_to
        if (target is not None and current.expires_at is not None
                and current.expires_at.date() >= target):
            return current.expires_at  # renewed by an earlier attempt: not twice
        return backend.renew(service.name, line.term).expires_at
    raise ValueError(f"unknown domain operation {line.operation!r}")


def retry(partner: Tenant, service: Service) -> bool:
    """Run the failed activation of `service` again now; False when nothing failed."""
    if service.partner_id != partner.id or service.status != "failed":
        return False
    job = db.session.scalar(
        select(Job).where(Job.partner_id == partner.id, Job.kind == JOB,
                          Job.status.in_(("failed", "queued")))
        .order_by(Job.id.desc())
        .where(Job.payload["service_id"].as_integer() == service.id).limit(1))
    if job is None:
        return False
    jobs.retry(job)
    service.status, service.last_error = "activating", ""
    db.session.flush()
    return True


def services_of(partner: Tenant | Partner, subscriber_id: int | None = None,
                limit: int = 500) -> list[Service]:
    """The partner's services (one subscriber's when given), most recent first."""
    query = (select(Service).where(Service.partner_id == partner.id)
             .order_by(Service.id.desc()).limit(limit))
    if subscriber_id is not None:
        query = query.where(Service.subscriber_id == subscriber_id)
    return list(db.session.scalars(query))
