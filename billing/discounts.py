"""Discount codes: what a code takes off a cart, why it does not apply, and giving it once.

A code belongs to one partner; in another partner's shop it is simply "not valid" (no message
says it exists elsewhere). The cart shows what a code gives or why it does not apply
(`evaluate`); checkout evaluates it again and claims one use (`claim`) in its transaction: a
conditional update of the code's use counter (`uses < max_uses`) and a `DiscountUse` row, so a
one-use code claimed by twenty checkouts at once is given to exactly one of them (PostgreSQL
makes the others wait for the first's row lock and then finds the counter full; SQLite's
writers take turns). Cancelling the unpaid proforma gives the use back (`give_back`).

A percentage comes off every line the code applies to (rounded half up per line); a fixed
amount is shared between those lines in proportion to their prices, never more than they cost.
Prices are gross, so the lines' VAT stays right.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.engine import CursorResult

from billing.models import Document
from billing.pricing import percent_of
from billing.pricing_models import DiscountCode, DiscountUse
from storefront.db import db
from storefront.i18n import gettext as _
from storefront.money import Money
from storefront.services.errors import InvalidInput
from storefront.tenancy import Tenant

MAX_CODE = 40


@dataclass(frozen=True)
class PricedLine:
    """A cart line as a code sees it: its TLD and gross price."""

    domain: str
    price_minor: int
    currency: str

    @property
    def tld(self) -> str:
        return self.domain.split(".", 1)[1] if "." in self.domain else ""


@dataclass(frozen=True)
class Discount:
    """What a code gives a cart: the amount off each line (by position), or why it gives
    nothing (`reason`, in the subscriber's words)."""

    code: str
    off: tuple[int, ...] = ()
    currency: str = ""
    reason: str = ""
    label: str = ""  # "−10%" or "−PLN 20.00", for the lines' descriptions
    code_id: int | None = None
    percent: int | None = None
    amount: Money | None = field(default=None)

    @property
    def applies(self) -> bool:
        return not self.reason and any(self.off)

    @property
    def total_off(self) -> int:
        return sum(self.off)


def normalise(code: str | None) -> str:
    return (code or "").strip().upper()[:MAX_CODE]


def find(partner: Tenant, code: str) -> DiscountCode | None:
    return db.session.scalar(select(DiscountCode).where(
        DiscountCode.partner_id == partner.id, DiscountCode.code == normalise(code)))


def evaluate(partner: Tenant, code: str, lines: Sequence[PricedLine], *,
             subscriber: Any | None = None, today: date | None = None,
             locale: str = "en") -> Discount:
    """What `code` takes off these lines today, or why nothing (a subscriber's own limits are
    checked when one is given)."""
    from billing.documents import local_today

    code = normalise(code)
    today = today or local_today()
    found = find(partner, code) if code else None
    if found is None or not found.enabled:
        return Discount(code, reason=_("The code %(code)s is not valid.", code=code))
    if found.starts_on is not None and today < found.starts_on:
        return Discount(code, reason=_("The code %(code)s is not valid yet.", code=code))
    if found.ends_on is not None and today > found.ends_on:
        return Discount(code, reason=_("The code %(code)s has expired.", code=code))
    if found.max_uses is not None and found.uses >= found.max_uses:
        return Discount(code, reason=_("The code %(code)s has been used up.", code=code))
    currencies = {line.currency for line in lines}
    currency = currencies.pop() if len(currencies) == 1 else ""
    total = sum(line.price_minor for line in lines)
    if found.minimum_minor and (not currency or total < found.minimum_minor
                                or (found.currency and found.currency != currency)):
        minimum = Money(found.minimum_minor, found.currency or currency or "PLN")
        return Discount(code, reason=_(
            "The code %(code)s applies to orders of at least %(amount)s.", code=code,
            amount=minimum.format(locale)))
    tlds = set(found.tlds.split())
    eligible = [not tlds or line.tld in tlds for line in lines]
    if not any(eligible) or (found.amount_minor is not None and found.currency != currency):
        return Discount(code, reason=_("The code %(code)s does not apply to what is in your "
                                       "cart.", code=code))
    if subscriber is not None:
        reason = _subscriber_reason(partner, found, subscriber)
        if reason:
            return Discount(code, reason=reason)
    prices = [line.price_minor if ok else 0 for line, ok in zip(lines, eligible, strict=True)]
    if found.percent is not None:
        off = tuple(percent_of(price, found.percent) for price in prices)
        label = f"−{found.percent}%"
        amount = None
    else:
        amount = Money(found.amount_minor or 0, currency)
        off = _shared(min(amount.minor, sum(prices)), prices)
        label = "−" + amount.format(locale)
    return Discount(code, off, currency, label=label, code_id=found.id, percent=found.percent,
                    amount=amount)


def _shared(amount: int, prices: list[int]) -> tuple[int, ...]:
    """`amount` shared in proportion to `prices`, the remainder to the largest shares first."""
    total = sum(prices)
    if not total:
        return tuple(0 for _ in prices)
    shares = [amount * price // total for price in prices]
    remainders = sorted(range(len(prices)), key=lambda i: -(amount * prices[i] % total))
    for index in remainders[: amount - sum(shares)]:
        shares[index] += 1
    return tuple(shares)


def _subscriber_reason(partner: Tenant, found: DiscountCode, subscriber: Any) -> str:
    if found.uses_per_subscriber is not None:
        used = db.session.scalar(select(func.count(DiscountUse.id)).where(
            DiscountUse.partner_id == partner.id, DiscountUse.code_id == found.id,
            DiscountUse.subscriber_id == subscriber.id)) or 0
        if used >= found.uses_per_subscriber:
            return _("You have already used the code %(code)s.", code=found.code)
    if found.new_subscribers_only:
        paid = db.session.scalar(select(Document.id).where(
            Document.partner_id == partner.id, Document.subscriber_id == subscriber.id,
            Document.kind == "proforma", Document.status == "paid").limit(1))
        if paid is not None:
            return _("The code %(code)s is for new customers only.", code=found.code)
    return ""


def refusal(discount: Discount) -> InvalidInput:
    """Checkout refused for a code that does not apply: the cart keeps its items."""
    return InvalidInput(discount.reason + " " + _("Remove the code to order without it."),
                        "promo")


def claim(partner: Tenant, subscriber: Any, discount: Discount) -> None:
    """Take one use of the code for this checkout, or InvalidInput when it is used up (or the
    subscriber's limits are reached meanwhile). Call it before the proforma is issued; then
    `record` the proforma. The caller's transaction rolls back on InvalidInput."""
    assert discount.code_id is not None
    taken = db.session.execute(
        update(DiscountCode)
        .where(DiscountCode.id == discount.code_id, DiscountCode.partner_id == partner.id,
               DiscountCode.enabled.is_(True),
               or_(DiscountCode.max_uses.is_(None), DiscountCode.uses < DiscountCode.max_uses))
        .values(uses=DiscountCode.uses + 1)
        .execution_options(synchronize_session=False))
    if not (isinstance(taken, CursorResult) and taken.rowcount == 1):
        raise InvalidInput(_("The code %(code)s has been used up.", code=discount.code) + " "
                           + _("Remove the code to order without it."), "promo")
    # Read after the code's row is ours: another checkout of this subscriber has committed.
    found = db.session.get(DiscountCode, discount.code_id)
    assert found is not None
    reason = _subscriber_reason(partner, found, subscriber)
    if reason:
        raise InvalidInput(reason + " " + _("Remove the code to order without it."), "promo")


def record(partner: Tenant, subscriber: Any, discount: Discount, document: Document) -> None:
    assert discount.code_id is not None
    db.session.add(DiscountUse(partner_id=partner.id, code_id=discount.code_id,
                               subscriber_id=subscriber.id, document_id=document.id))
    db.session.flush()


def give_back(partner: Tenant, proforma: Document) -> None:
    """The uses of a cancelled proforma return to their codes."""
    code_ids = list(db.session.execute(
        delete(DiscountUse).where(DiscountUse.partner_id == partner.id,
                                  DiscountUse.document_id == proforma.id)
        .returning(DiscountUse.code_id)
        .execution_options(synchronize_session=False)).scalars())
    for code_id in code_ids:
        db.session.execute(
            update(DiscountCode)
            .where(DiscountCode.id == code_id, DiscountCode.partner_id == partner.id,
                   DiscountCode.uses > 0)
            .values(uses=DiscountCode.uses - 1)
            .execution_options(synchronize_session=False))


def uses_of(partner: Tenant) -> dict[int, int]:
    """Uses per code id, as counted by their rows."""
    return {code_id: count for code_id, count in db.session.execute(
        select(DiscountUse.code_id, func.count(DiscountUse.id))
        .where(DiscountUse.partner_id == partner.id).group_by(DiscountUse.code_id))}


# -- the partner's codes (panel) ---------------------------------------------------------------


@dataclass(frozen=True)
class CodeFields:
    """A code as the panel's form gives it: text, checked by `save_code`."""

    code: str
    kind: str  # "percent" or "amount"
    value: str  # "10" (percent) or "20.00" (amount)
    minimum: str = ""
    tlds: str = ""
    starts_on: date | None = None
    ends_on: date | None = None
    max_uses: int | None = None
    uses_per_subscriber: int | None = None
    new_subscribers_only: bool = False
    enabled: bool = True


def codes_of(partner: Tenant) -> list[DiscountCode]:
    return list(db.session.scalars(select(DiscountCode).where(
        DiscountCode.partner_id == partner.id).order_by(DiscountCode.code)))


def save_code(partner: Tenant, fields: CodeFields, currency: str,
              existing: DiscountCode | None = None) -> DiscountCode:
    """A new code, or `existing` changed; InvalidInput naming the field when something is wrong.
    Amounts are in `currency` (the partner's)."""
    from storefront.numbers import whole_number

    if existing is not None and existing.partner_id != partner.id:
        raise LookupError("code of another partner")
    code = normalise(fields.code)
    if not code or not all(c.isascii() and (c.isalnum() or c in "-_") for c in code):
        raise InvalidInput(_("A code is 1 to 40 letters, digits, dashes or underscores."), "code")
    taken = find(partner, code)
    if taken is not None and taken is not existing:
        raise InvalidInput(_("You already have the code %(code)s.", code=code), "code")
    percent = amount = None
    if fields.kind == "percent":
        percent = whole_number(str(fields.value).strip().rstrip("%").strip(), max_digits=3)
        if percent is None or not 1 <= percent <= 100:
            raise InvalidInput(_("A percentage is a whole number from 1 to 100."), "value")
    elif fields.kind == "amount":
        amount = Money.parse(fields.value, currency, "value").minor
    else:
        raise InvalidInput(_("Choose a percentage or a fixed amount."), "kind")
    minimum = (Money.parse(fields.minimum, currency, "minimum", allow_zero=True).minor
               if str(fields.minimum or "").strip() else 0)
    tlds = " ".join(sorted({t.strip().lower().lstrip(".") for t in
                            str(fields.tlds or "").replace(",", " ").split() if t.strip()}))
    if len(tlds) > 1000:
        raise InvalidInput(_("That is too many TLDs for one code."), "tlds")
    if fields.starts_on and fields.ends_on and fields.ends_on < fields.starts_on:
        raise InvalidInput(_("The last day comes before the first."), "ends_on")
    for name in ("max_uses", "uses_per_subscriber"):
        value = getattr(fields, name)
        if value is not None and not 1 <= value <= 1_000_000:
            raise InvalidInput(_("Leave it empty for no limit, or enter a number from 1."), name)
    target = existing or DiscountCode(partner_id=partner.id, uses=0)
    target.code, target.percent, target.amount_minor = code, percent, amount
    target.currency, target.minimum_minor, target.tlds = currency, minimum, tlds
    target.starts_on, target.ends_on = fields.starts_on, fields.ends_on
    target.max_uses, target.uses_per_subscriber = fields.max_uses, fields.uses_per_subscriber
    target.new_subscribers_only, target.enabled = fields.new_subscribers_only, fields.enabled
    if existing is None:
        db.session.add(target)
    db.session.flush()
    return target
