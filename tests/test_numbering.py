"""Document numbers: gapless per partner, series and year, under concurrency, on both databases."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest

from billing.numbering import document_number, parse_document_number, take_number
from storefront.db import db


def _take_in_threads(app, partner, count: int, series: str = "FV", year: int = 2026,
                     fail_every: int = 0) -> list[int]:
    """`count` concurrent transactions each take a number and commit (every `fail_every`-th rolls
    back instead, as an issuer whose document failed); the numbers committed."""
    # A plain tenant: the ORM partner belongs to the test's session, not to these threads'.
    tenant = SimpleNamespace(id=partner.id)
    taken: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(count)
    lock = threading.Lock()

    def issue(n: int) -> None:
        try:
            with app.app_context():
                start.wait()
                number = take_number(tenant, series, year)
                if fail_every and n % fail_every == 0:
                    db.session.rollback()
                    return
                db.session.commit()
                with lock:
                    taken.append(number)
        except BaseException as error:  # noqa: BLE001 - reported by the test
            errors.append(error)

    threads = [threading.Thread(target=issue, args=(n,)) for n in range(1, count + 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return sorted(taken)


def test_sixteen_concurrent_invoices_are_numbered_1_to_16(app, two_partners):
    acme = two_partners["acme"]
    assert _take_in_threads(app, acme, 16) == list(range(1, 17))
    # The next one carries on, and another series or year or partner starts at 1.
    assert take_number(acme, "FV", 2026) == 17
    assert take_number(acme, "PF", 2026) == 1
    assert take_number(acme, "FV", 2027) == 1
    assert take_number(two_partners["globex"], "FV", 2026) == 1


def test_a_rolled_back_document_gives_its_number_back(app, two_partners):
    acme = two_partners["acme"]
    committed = _take_in_threads(app, acme, 12, fail_every=3)
    assert committed == list(range(1, 9))  # 8 committed, no gap where the 4 failures were
    assert take_number(acme, "FV", 2026) == 9


def test_printed_numbers_read_back():
    assert document_number("FV", 2026, 17) == "FV/2026/17"
    assert parse_document_number(" FV/2026/17 ") == ("FV", 2026, 17)
    for bad in ("FV/2026/0", "FV/26/1", "XX/2026/1", "FV/2026/01", "FV/2026/1/2", "FV/2026/١"):
        assert parse_document_number(bad) is None


@pytest.mark.parametrize("series, year", [("ZZ", 2026), ("FV", 1999), ("FV", 10_000)])
def test_an_unknown_series_or_year_is_refused(two_partners, series, year):
    with pytest.raises(ValueError):
        take_number(two_partners["acme"], series, year)
