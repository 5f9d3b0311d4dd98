"""Checkout: a cart becomes the subscriber's services and a proforma for them; a held domain's
renewal becomes a proforma too.

Everything the cart holds is checked again here as the cart checks it (`cart.check`: the
partner's offers, the years' range, the registry's answer for every registration, premium prices)
and priced now from the partner's catalogue, so what a browser sent never sets a price. A
registration of a name that is taken is refused (the cart offers its transfer); a transfer needs
its authorisation code. The wholesale price each line costs the partner is fixed on the line, from
the platform's catalogue at this moment.

Functions take the partner first, flush and never commit; bad input raises InvalidInput.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from typing import Any

from flask_babel import force_locale
from sqlalchemy import select

from billing import balance, discounts, payments, pricing
from billing.documents import NewLine, issue_proforma, local_today, ready_seller
from billing.models import BillingProfile, Document, DocumentLine, Service
from billing.profiles import find_profile
from storefront.db import db
from storefront.i18n import gettext as _
from storefront.i18n import join, ngettext
from storefront.models import Subscriber, Tld
from storefront.money import Money
from storefront.services import cart
from storefront.services.errors import InvalidInput
from storefront.services.partner_catalogue import catalogue, to_unicode
from storefront.tenancy import Tenant

MAX_TRANSFER_CODE = 100
# A service in one of these is held or on its way: the same name is not ordered twice.
HELD = ("pending", "activating", "waiting", "failed", "active", "expired", "grace", "blocked",
        "suspended")


def checkout(partner: Tenant, subscriber: Subscriber, items: list[cart.Item],
             quotes: cart.Quotes | None = None,
             transfer_codes: Mapping[str, str] | None = None, promo: str = "") -> Document:
    """Services for every item of the cart (pending until paid) and one proforma for them.

    The lines cost the subscriber's prices with today's promotions; a promotion code (`promo`)
    that does not apply refuses the checkout with the reason (the cart keeps its items, and the
    subscriber may remove the code), and one that does takes one use of the code in this
    transaction and lowers the lines it applies to, each naming the code."""
    if subscriber.partner_id != partner.id:
        raise LookupError("subscriber of another partner")
    settings = ready_seller(partner)
    profile = find_profile(partner, subscriber)
    if profile is None:
        raise InvalidInput(_("Give your billing details first: your proforma is made out to "
                             "them."), "billing")
    if not items:
        raise InvalidInput(_("Your cart is empty."), "checkout")
    checked = cart.check(partner, items)
    if checked.refused:
        raise InvalidInput(join([reason.message for reason in checked.refused]), "checkout")
    codes = {item[0]: _transfer_code(item[0], (transfer_codes or {}).get(item[0], ""))
             for item in checked.items if item[2] == "transfer"}
    _not_held(partner, [item[0] for item in checked.items])
    priced = cart.view(partner, checked.items, promo, quotes=checked.quotes | (quotes or {}),
                       subscriber=subscriber)
    discount = priced.discount
    if discount is not None:
        if not discount.applies:
            raise discounts.refusal(discount)
        discounts.claim(partner, subscriber, discount)
    wholesale = _wholesale_prices(list({line.domain.split(".", 1)[1] for line in priced.lines}))
    offers = catalogue(partner).tlds
    lines: list[NewLine] = []
    with force_locale(settings.language):
        for line in priced.lines:
            tld = line.domain.split(".", 1)[1]
            service = Service(partner_id=partner.id, subscriber_id=subscriber.id, kind="domain",
                              name=line.domain, backend=offers[tld]["backend"],
                              status="pending", transfer_code=codes.get(line.domain, ""))
            db.session.add(service)
            db.session.flush()
            cost = (Money(line.price_minor, line.currency) if line.premium
                    else _wholesale(wholesale[tld], line.operation, line.years))
            description = _describe(line.operation, line.domain_unicode, line.years)
            if discount is not None and line.discount_minor:
                off = (f"−{discount.percent}%" if discount.percent is not None else
                       "−" + Money(line.discount_minor, line.currency).format(settings.language))
                description += " " + _("(code %(code)s: %(off)s)", code=discount.code, off=off)
            lines.append(NewLine(
                description=description, operation=line.operation, term=line.years,
                gross=Money(line.to_pay_minor, line.currency), wholesale=cost,
                service_id=service.id,
            ))
    proforma = _issue(partner, subscriber, profile, lines)
    if discount is not None:
        discounts.record(partner, subscriber, discount, proforma)
    return proforma


def _issue(partner: Tenant, subscriber: Subscriber, profile: BillingProfile, lines: list[NewLine],
           **options: Any) -> Document:
    """The proforma for `lines`; an internal subscriber's is free and paid at once (invoice,
    activation), its documents and balance entry marked as internal."""
    if not subscriber.internal:
        return issue_proforma(partner, subscriber, profile, lines, **options)
    free = [replace(line, gross=Money.zero(line.gross.currency),
                    wholesale=Money.zero(line.wholesale.currency)) for line in lines]
    proforma = issue_proforma(partner, subscriber, profile, free, internal=True, **options)
    payments.pay(partner, proforma, local_today())
    balance.book_internal(partner, f"{proforma.number} ({subscriber.email})")
    return proforma


def renewal(partner: Tenant, subscriber: Subscriber, service: Service, years: int | str | None,
            purpose: str = "renewal", due_on: date | None = None) -> Document:
    """A proforma renewing a held domain for `years` from its current expiry. An unpaid renewal
    proforma of the service is returned instead of a second one."""
    if service.partner_id != partner.id or service.subscriber_id != subscriber.id:
        raise LookupError("service of another subscriber")
    if service.kind != "domain" or service.status not in ("active", "expired", "grace",
                                                          "blocked"):
        raise InvalidInput(_("Only an active or expired domain can be renewed."), "service")
    waiting = unpaid_renewal(partner, service)
    if waiting is not None:
        return waiting
    settings = ready_seller(partner)
    profile = find_profile(partner, subscriber)
    if profile is None:
        raise InvalidInput(_("Give your billing details first: your proforma is made out to "
                             "them."), "billing")
    tld = service.name.split(".", 1)[1]
    offer = catalogue(partner).tlds.get(tld)
    if offer is None:
        raise InvalidInput(_("This shop no longer renews .%(tld)s domains. Please contact it.",
                             tld=to_unicode(tld)), "service")
    years = cart.parse_years(years, offer["min_years"], offer["max_years"], service.name)
    start = service.expires_at.date() if service.expires_at else None
    end = start.replace(year=start.year + years) if start else None
    with force_locale(settings.language):
        line = NewLine(
            description=_describe("renew", to_unicode(service.name), years),
            operation="renew", term=years,
            gross=Money(pricing.year_prices(partner, offer, pricing.group_of(
                partner, subscriber)).line("renew", years), offer["currency"]),
            wholesale=_wholesale(_wholesale_prices([tld])[tld], "renew", years),
            service_id=service.id, period_from=start, period_to=end,
        )
    if due_on is None and start is not None and start > local_today():
        due_on = start  # paid before the domain expires
    return _issue(partner, subscriber, profile, [line], purpose=purpose, due_on=due_on)


def unpaid_renewal(partner: Tenant, service: Service) -> Document | None:
    return db.session.scalar(
        select(Document).join(DocumentLine, DocumentLine.document_id == Document.id)
        .where(Document.partner_id == partner.id, Document.kind == "proforma",
               Document.status == "unpaid", DocumentLine.service_id == service.id,
               DocumentLine.operation == "renew")
        .limit(1))


def _describe(operation: str, domain: str, years: int) -> str:
    if operation == "transfer":
        return ngettext("Domain transfer: %(domain)s, with %(num)d year",
                        "Domain transfer: %(domain)s, with %(num)d years", years, domain=domain)
    if operation == "renew":
        return ngettext("Domain renewal: %(domain)s, %(num)d year",
                        "Domain renewal: %(domain)s, %(num)d years", years, domain=domain)
    return ngettext("Domain registration: %(domain)s, %(num)d year",
                    "Domain registration: %(domain)s, %(num)d years", years, domain=domain)


def _transfer_code(domain: str, raw: str) -> str:
    code = (raw or "").strip()
    if not code:
        raise InvalidInput(_("Enter the transfer code (auth code) of %(domain)s: its current "
                             "registrar gives it.", domain=to_unicode(domain)), "transfer_code")
    if (len(code) > MAX_TRANSFER_CODE
            or not all(char.isprintable() and not char.isspace() for char in code)):
        raise InvalidInput(_("The transfer code of %(domain)s is not valid: it has no spaces "
                             "and at most %(max)d characters.", domain=to_unicode(domain),
                             max=MAX_TRANSFER_CODE), "transfer_code")
    return code


def _not_held(partner: Tenant, domains: list[str]) -> None:
    held = list(db.session.scalars(
        select(Service.name).where(Service.partner_id == partner.id, Service.kind == "domain",
                                   Service.name.in_(domains), Service.status.in_(HELD))))
    if held:
        raise InvalidInput(ngettext(
            "%(domains)s is already ordered in this shop.",
            "%(domains)s are already ordered in this shop.", len(held),
            domains=join([to_unicode(name) for name in sorted(held)])), "checkout")


def _wholesale_prices(tlds: list[str]) -> dict[str, Tld]:
    return {tld.name: tld for tld in db.session.scalars(select(Tld).where(Tld.name.in_(tlds)))}


def _wholesale(tld: Tld, operation: str, years: int) -> Money:
    first = tld.wholesale_price("transfer" if operation == "transfer" else
                                "renew" if operation == "renew" else "register")
    if operation == "renew":
        return Money(first * years, tld.currency)
    return Money(first + tld.renew_price * (years - 1), tld.currency)
