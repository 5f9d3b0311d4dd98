"""`flask renewals` over 100,000 services on PostgreSQL: 100 partners, each with its seller
settings, 100 subscribers with billing details and 1,000 domains (.pl and .com), a tenth of
them due (expiring within the 30-day lead time), a few already expired. Seeded in bulk on a
throwaway cluster (tests/pg_cluster.py); each pass runs in a process of its own, so its peak
resident memory is its own: first over 10,000 of the services, then over all 100,000 (the
first 10,000 already done). Peak memory must not grow with the number of services.

Called by bench/run.py (printed, not in the exit status); `python bench/renewals.py` runs it
alone. Prints markdown lines.
"""

from __future__ import annotations

import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PARTNERS, SUBSCRIBERS_EACH, SERVICES = 100, 100, 100_000
FIRST = 10_000  # services of the first pass


def run() -> list[str]:
    """The markdown lines of the result (a line saying so when PostgreSQL could not run)."""
    with tempfile.TemporaryDirectory(prefix="storefront-renewals-") as work:
        out = Path(work) / "renewals.json"
        done = subprocess.run([sys.executable, "tests/pg_cluster.py", sys.executable,
                               "bench/renewals.py", "--inside", str(out)], cwd=ROOT,
                              env={**os.environ, "SECRET_KEY": "bench"})
        if done.returncode != 0 or not out.exists():
            return [f"Renewals: the PostgreSQL run failed (exit status {done.returncode})"]
        results = json.loads(out.read_text())
    lines = [f"`flask renewals` on PostgreSQL: {PARTNERS} partners, services seeded in bulk "
             "(a tenth due within the 30-day lead time), one pass per process"]
    for result in results:
        lines.append(
            f"- {result['services']:,} services ({result['due']:,} due): "
            f"**{result['seconds']:.1f} s**, **{result['services'] / result['seconds']:,.0f} "
            f"services/s**; {result['proformas']:,} proformas, {result['reminders']:,} "
            f"reminders, {result['moved']:,} moved; peak RSS **{result['rss_mb']:.0f} MB**")
    growth = results[-1]["rss_mb"] - results[0]["rss_mb"]
    lines.append(f"- peak RSS growth from {results[0]['services']:,} to "
                 f"{results[-1]['services']:,} services: **{growth:+.0f} MB** (streams in batches "
                 "of 1,000)")
    return lines


def inside(out: str) -> int:
    """In the cluster: seed, run a pass over the first 10,000, add the rest, run again."""
    url = os.environ["DATABASE_URL"]
    started = time.monotonic()
    seed_partners(url)
    results = []
    for lo, hi in ((0, FIRST), (FIRST, SERVICES)):
        seed_services(url, lo, hi)
        done = subprocess.run([sys.executable, __file__, "--pass"], cwd=ROOT,
                              capture_output=True, text=True, env=dict(os.environ))
        if done.returncode != 0:
            print(done.stdout, done.stderr, file=sys.stderr)
            return 1
        result = json.loads(done.stdout.strip().splitlines()[-1])
        result["services"] = hi
        result["due"] = sum(1 for n in range(hi) if _due(n))
        results.append(result)
        print(f"renewals over {hi:,} services: {result['seconds']:.1f} s", flush=True)
    print(f"renewals bench done in {time.monotonic() - started:.0f} s", flush=True)
    Path(out).write_text(json.dumps(results))
    return 0


def one_pass() -> int:
    """A renewals pass in this process: its time, counts and peak RSS as one JSON line."""
    from billing import renewals
    from storefront import create_app

    app = create_app({"DATABASE_URL": os.environ["DATABASE_URL"], "SECRET_KEY": "bench"})
    with app.app_context():
        summary = renewals.run()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": summary.seconds, "proformas": summary.proformas,
                      "reminders": summary.reminders, "moved": summary.moved,
                      "skipped": summary.skipped, "rss_mb": rss_mb}))
    return 0


def _app(url: str):
    from storefront import create_app

    return create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})


def seed_partners(url: str) -> None:
    """Partners with their pages (bench.seed), the TLD catalogue, retail prices for .pl and .com,
    seller settings, subscribers with billing details."""
    from sqlalchemy import func, insert, select, text

    from bench.seed import seed
    from billing.models import BillingProfile, SellerSettings
    from storefront.db import db, utcnow
    from storefront.models import Partner, Subscriber
    from storefront.services import catalog

    seed(url, PARTNERS)
    app = _app(url)
    now = utcnow()
    with app.app_context():
        catalog.import_demo_catalogue()
        for partner in db.session.scalars(select(Partner)):
            catalog.set_retail_prices(partner, "pl", register="135", renew="134.99",
                                      transfer="135")
            catalog.set_retail_prices(partner, "com", register="160", renew="160",
                                      transfer="160")
        db.session.commit()
        conn = db.session.connection()
        conn.execute(insert(SellerSettings), [
            {"partner_id": p, "name": f"Partner {p} sp. z o.o.", "street": "ul. Prosta 1",
             "postal_code": "00-838", "city": "Warszawa", "country": "PL",
             "tax_id": "5260250274", "bank_account": "PL61109010140000071219812874",
             "bank_name": "", "vat_rate": "23", "language": "pl" if p % 2 else "en",
             "renewal_lead_days": 30, "invoice_note": "", "stripe_account_id": "",
             "stripe_charges_enabled": False, "updated_at": now}
            for p in range(1, PARTNERS + 1)])
        conn.execute(insert(Subscriber), [
            {"id": _subscriber(p, s), "partner_id": p, "email": f"s{s}@p{p}.example.com",
             "name": f"Subscriber {s}", "password_hash": "x", "active": True, "created_at": now,
             "session_stamp": f"{p:08x}{s:024x}"}
            for p in range(1, PARTNERS + 1) for s in range(SUBSCRIBERS_EACH)])
        conn.execute(insert(BillingProfile), [
            {"partner_id": p, "subscriber_id": _subscriber(p, s), "kind": "consumer",
             "name": f"Subscriber {s}", "street": "ul. Polna 2", "postal_code": "00-001",
             "city": "Warszawa", "country": "PL", "email": f"billing{s}@p{p}.example.com",
             "phone": "+48600100200", "tax_id": "", "updated_at": now}
            for p in range(1, PARTNERS + 1) for s in range(SUBSCRIBERS_EACH)])
        last = conn.scalar(select(func.max(Subscriber.id)))
        conn.execute(text("SELECT setval(pg_get_serial_sequence('subscriber', 'id'), :n)"),
                     {"n": last})
        db.session.commit()
        db.engine.dispose()


def seed_services(url: str, lo: int, hi: int) -> None:
    """Services number lo..hi-1, spread over the partners; every tenth due within the lead time,
    every hundredth already expired, the rest expiring in 2 to 13 months."""
    from sqlalchemy import insert

    from billing.models import Service
    from storefront.db import db, utcnow

    app = _app(url)
    now = utcnow()
    rand = random.Random(lo)
    with app.app_context(), db.engine.begin() as conn:
        for start in range(lo, hi, 5000):
            rows = []
            for n in range(start, min(start + 5000, hi)):
                partner = n % PARTNERS + 1
                if _due(n):
                    expires = now + timedelta(days=rand.uniform(1, 29))
                elif n // PARTNERS % 100 == 1:
                    expires = now - timedelta(days=rand.uniform(1, 40))
                else:
                    expires = now + timedelta(days=rand.uniform(60, 400))
                rows.append({
                    "partner_id": partner,
                    "subscriber_id": _subscriber(partner, n // PARTNERS % SUBSCRIBERS_EACH),
                    "kind": "domain", "name": f"name{n}.{'pl' if n % 3 else 'com'}",
                    "product_code": "", "backend": "sandbox", "status": "active",
                    "expires_at": expires, "auto_renew": True, "transfer_code": "",
                    "nameservers": "", "last_error": "", "created_at": now})
            conn.execute(insert(Service), rows)
    with app.app_context():
        db.engine.dispose()


def _due(n: int) -> bool:
    return n // PARTNERS % 10 == 0


def _subscriber(partner: int, s: int) -> int:
    return (partner - 1) * SUBSCRIBERS_EACH + s + 1


def main() -> None:
    print("\n".join(run()))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--inside"]:
        sys.exit(inside(sys.argv[2]))
    if sys.argv[1:2] == ["--pass"]:
        sys.exit(one_pass())
    main()
