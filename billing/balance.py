"""A partner's wholesale balance at the platform: its ledger, and paying from it.

Partners buy wholesale from the platform. They pay ahead by bank transfer; the platform admin
books each transfer as a credit (with its title as the reference). When a subscriber's payment
arrives, the wholesale price is debited; when the balance is short, the debit is refused and the
order waits until a credit covers it (the orders issue builds that).

The ledger is append-only (`BalanceEntry`): an entry is never changed or deleted, a correction is
a new entry. The balance is the sum of a partner's entries in a currency, summed by the database.
A debit never takes the balance below zero, even when two run at once: it locks the partner first
(see `_lock_partner`), so debits of one partner take turns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update

from billing.models import BalanceEntry
from billing.text import one_line
from storefront.db import db
from storefront.models import Partner, User
from storefront.money import Money
from storefront.services.errors import InvalidInput
from storefront.tenancy import Tenant

# Every partner's balance is in zloty for now; the orders issue makes the currency per partner.
CURRENCY = "PLN"
KINDS = ("credit", "debit", "adjustment")
REFERENCE_LIMIT = 200


class ShortBalance(InvalidInput):
    """A debit larger than the balance: nothing is booked; what is paid from it waits."""

    def __init__(self, balance: Money, amount: Money) -> None:
        super().__init__(f"The balance ({balance.format('en')}) is short of "
                         f"{amount.format('en')}.", "amount")
        self.balance = balance
        self.amount = amount


@dataclass(frozen=True)
class LedgerLine:
    """An entry as the ledger shows it, with the balance right after it."""

    id: int
    created_at: datetime
    kind: str
    reference: str
    amount: Money
    balance: Money
    created_by: str  # the e-mail of who booked it; "" for the platform itself


def balance(partner: Tenant, currency: str = CURRENCY) -> Money:
    """The partner's balance in `currency`: the sum of its entries (one query)."""
    total = db.session.scalar(
        select(func.coalesce(func.sum(BalanceEntry.amount_minor), 0))
        .where(BalanceEntry.partner_id == partner.id, BalanceEntry.currency == currency)
    )
    return Money(int(total or 0), currency)


def balances(currency: str = CURRENCY) -> list[tuple[Partner, Money, int]]:
    """Every partner with its balance and how many entries it has, by name (one query)."""
    summed = (
        select(BalanceEntry.partner_id,
               func.sum(BalanceEntry.amount_minor).label("total"),
               func.count(BalanceEntry.id).label("entries"))
        .where(BalanceEntry.currency == currency)
        .group_by(BalanceEntry.partner_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Partner, func.coalesce(summed.c.total, 0), func.coalesce(summed.c.entries, 0))
        .outerjoin(summed, summed.c.partner_id == Partner.id)
        .order_by(Partner.name, Partner.id)
    )
    return [(partner, Money(int(total), currency), int(entries))
            for partner, total, entries in rows]


def ledger(partner: Tenant, limit: int = 50, offset: int = 0,
           currency: str = CURRENCY) -> list[LedgerLine]:
    """The partner's entries in `currency`, newest first, each with the balance after it."""
    running = func.sum(BalanceEntry.amount_minor).over(order_by=BalanceEntry.id)
    entries = (
        select(BalanceEntry.id, BalanceEntry.created_at, BalanceEntry.kind,
               BalanceEntry.reference, BalanceEntry.amount_minor,
               running.label("running"), BalanceEntry.created_by_user_id)
        .where(BalanceEntry.partner_id == partner.id, BalanceEntry.currency == currency)
        .subquery()
    )
    rows = db.session.execute(
        select(entries, User.email)
        .outerjoin(User, User.id == entries.c.created_by_user_id)
        .order_by(entries.c.id.desc())
        .limit(max(0, limit)).offset(max(0, offset))
    )
    return [LedgerLine(row.id, row.created_at, row.kind, row.reference,
                       Money(int(row.amount_minor), currency), Money(int(row.running), currency),
                       row.email or "")
            for row in rows]


def credit(partner: Tenant, amount: Money, reference: str,
           by_user: User | None) -> BalanceEntry:
    """Book money the partner paid the platform (a bank transfer: its title is the reference)."""
    if amount.minor <= 0:
        raise InvalidInput("A credit must be more than zero.", "amount")
    return _book(partner, amount, "credit", _reference(reference, required=True), by_user)


def debit(partner: Tenant, amount: Money, reference: str,
          by_user: User | None = None) -> BalanceEntry:
    """Pay `amount` from the balance (a wholesale purchase), or raise ShortBalance when it is not
    there. Debits of one partner take turns, so two can't both pass when only one fits."""
    if amount.minor <= 0:
        raise InvalidInput("A debit must be more than zero.", "amount")
    clean = _reference(reference, required=True)
    _lock_partner(partner)
    available = balance(partner, amount.currency)
    if available < amount:
        raise ShortBalance(available, amount)
    return _book(partner, -amount, "debit", clean, by_user)


def book_internal(partner: Tenant, reference: str) -> BalanceEntry:
    """A zero debit marking an internal (never charged) order in the ledger."""
    return _book(partner, Money.zero(CURRENCY), "debit", _reference(f"internal: {reference}",
                                                                    required=True), None)


def _book(partner: Tenant, amount: Money, kind: str, reference: str,
          by_user: User | None) -> BalanceEntry:
    entry = BalanceEntry(partner_id=partner.id, amount_minor=amount.minor,
                         currency=amount.currency, kind=kind, reference=reference,
                         created_by_user_id=by_user.id if by_user is not None else None)
    db.session.add(entry)
    db.session.flush()
    return entry


def _reference(raw: str, *, required: bool) -> str:
    text = one_line({"reference": raw}, {"reference": REFERENCE_LIMIT})["reference"]
    if required and not text:
        raise InvalidInput("Give a reference, e.g. the bank transfer's title.", "reference")
    return text


def _lock_partner(partner: Tenant) -> None:
    """Hold the partner's row until the transaction ends, so its debits take turns. PostgreSQL
    locks it with SELECT … FOR NO KEY UPDATE. SQLite has no row locks: a write takes the database's
    write lock, held to the end of the transaction, so a no-op UPDATE serialises the debits (and
    the balance read after it sees every debit committed before)."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        # FOR NO KEY UPDATE: debits take turns, but rows that merely reference the partner
        # (a payment, an invoice line) keep being inserted by others; FOR UPDATE would wait for
        # their foreign-key locks, and a payment that took a document number first deadlocks.
        db.session.execute(select(Partner.id).where(Partner.id == partner.id)
                           .with_for_update(key_share=True))
    else:
        db.session.execute(update(Partner).where(Partner.id == partner.id)
                           .values(id=Partner.id)
                           .execution_options(synchronize_session=False))
