"""Gapless document numbers per partner, series and year: `FV/2026/1`, `FV/2026/2`, …

Polish law wants invoice numbers consecutive within a series, with no gap and no repeat. A number
is taken inside the transaction that issues the document: one `INSERT … ON CONFLICT DO UPDATE …
RETURNING` adds one to the counter row (creating it at 1), and that row stays locked until the
transaction ends. Concurrent issuers of one partner's series wait for each other; a transaction
that rolls back gives its number back, so the next document takes it and no gap appears.
"""

from __future__ import annotations

import re

from sqlalchemy.dialects import postgresql, sqlite

from billing.models import DocumentCounter
from storefront.db import db
from storefront.tenancy import Tenant

SERIES = {
    "PF": "proforma",
    "FV": "VAT invoice",
    "KOR": "credit note",
}
_NUMBER = re.compile(r"^(?P<series>[A-Z]+)/(?P<year>\d{4})/(?P<n>[1-9]\d*)$")


def take_number(partner: Tenant, series: str, year: int) -> int:
    """The next number of `partner`'s `series` in `year`, taken in the current transaction."""
    if series not in SERIES:
        raise ValueError(f"unknown document series {series!r}")
    if not 2000 <= year <= 9999:
        raise ValueError(f"implausible document year {year}")
    connection = db.session.connection()
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(DocumentCounter)
        .values(partner_id=partner.id, series=series, year=year, last_number=1)
        .on_conflict_do_update(
            index_elements=["partner_id", "series", "year"],
            set_={"last_number": DocumentCounter.last_number + 1},
        )
        .returning(DocumentCounter.last_number)
    )
    return int(db.session.execute(statement).scalar_one())


def document_number(series: str, year: int, number: int) -> str:
    """How a number is printed: `FV/2026/17`."""
    return f"{series}/{year}/{number}"


def parse_document_number(text: str) -> tuple[str, int, int] | None:
    """(series, year, number) of a printed number, or None when it is not one."""
    match = _NUMBER.match(text.strip())
    if match is None or match["series"] not in SERIES:
        return None
    return match["series"], int(match["year"]), int(match["n"])
