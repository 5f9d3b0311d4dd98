"""Printing a VAT invoice: a 5-line Polish invoice through billing.pdf.render_pdf (Jinja, then
WeasyPrint), 200 times after 5 warm-ups, in one process. Called by bench/run.py; the target
(p99 < 500 ms) is printed but not in the exit status. `python bench/pdf.py` runs it alone."""

from __future__ import annotations

import statistics
import sys
import time
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WARM_UPS, RUNS, P99_MS = 5, 200, 500.0


def invoice():  # -> billing.models.Document, imported once the path is set
    from billing.models import Document, DocumentLine

    document = Document(
        kind="invoice", series="FV", year=2026, sequence=1, number="FV/2026/1", language="pl",
        currency="PLN", issued_at=datetime(2026, 12, 2), supplied_on=date(2026, 12, 2),
        paid_at=datetime(2026, 12, 2),
        seller={"name": "Hosting Łódź Sp. z o.o.", "street": "ul. Żurawia 4",
                "postal_code": "90-001", "city": "Łódź", "country": "PL",
                "tax_id": "5260250274", "bank_account": "PL61109010140000071219812874",
                "bank_name": "Santander Bank Polska"},
        buyer={"kind": "business", "name": "Przykład S.A.", "street": "ul. Polna 2",
               "postal_code": "00-950", "city": "Warszawa", "country": "PL",
               "tax_id": "7740001454", "email": "faktury@przyklad.pl"},
        rates=[{"rate": "23", "net": 50000, "vat": 11500, "gross": 61500}],
        net_minor=50000, vat_minor=11500, gross_minor=61500, annotations=[],
    )
    document.lines = [
        DocumentLine(position=n, description=f"domena-{n}.pl: odnowienie", operation="renew",
                     term=1, term_unit="year", period_from=date(2026, 12, 2),
                     period_to=date(2027, 12, 1), vat_rate="23", gross_minor=12300)
        for n in range(1, 6)
    ]
    return document


def run() -> list[str]:
    """The markdown lines of the result."""
    from billing.pdf import render_pdf
    from storefront import create_app

    app = create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "bench",
                      "PLATFORM_DOMAIN": "localhost"})
    with app.app_context():
        document = invoice()
        for _ in range(WARM_UPS):
            render_pdf(document)
        times = []
        for _ in range(RUNS):
            started = time.perf_counter()
            size = len(render_pdf(document))
            times.append((time.perf_counter() - started) * 1000)
    p50 = statistics.median(times)
    p99 = statistics.quantiles(times, n=100)[98]
    met = "met" if p99 < P99_MS else "**FAILED**"
    return [
        f"Invoice PDF: 5 lines, Polish, WeasyPrint, one process, {RUNS} renders after "
        f"{WARM_UPS} warm-ups ({size:,} bytes each)",
        f"- invoice PDF p50 **{p50:.0f} ms**, p99 **{p99:.0f} ms**",
        f"- {met}: invoice PDF p99 < {P99_MS:.0f} ms (not in the exit status)",
    ]


def main() -> None:
    print("\n".join(run()))


if __name__ == "__main__":
    main()
