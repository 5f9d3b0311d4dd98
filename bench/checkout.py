"""Fifty concurrent checkouts, each paid online and followed by its webhook, on PostgreSQL.

`run(env)` runs this module's main on a throwaway PostgreSQL cluster
(`python tests/pg_cluster.py python bench/checkout.py OUT.json`) and returns the markdown lines of
the result; its last line is CHECKOUT_MET when every invariant holds and no request failed. Called
by bench/run.py: the timings are printed, an error or a broken invariant fails `make bench`.
`python bench/checkout.py` runs it alone.

The main, inside the cluster:

1. seeds one partner ready to sell .pl (retail prices, seller settings, a large balance, a
   connected Stripe account that may take charges) and BUYERS subscribers with billing details;
2. starts the fake Stripe API (tests/stripe_server.py) and a fresh gunicorn (bench/serve.py)
   pointed at it, with the sandbox registry;
3. each buyer, in a thread of its own with its own cookies and client address (X-Forwarded-For:
   the login limit counts per address), logs in and puts a distinct free .pl name in the cart;
   then all at once: POST /cart/checkout, POST /account/proformas/<id>/pay-online (its Location is
   the Checkout session), the session is paid on the fake Stripe, and the signed
   `checkout.session.completed` event is POSTed to /stripe/webhook on the platform host;
4. checks the database: every proforma paid, one invoice each numbered FV/<year>/1..BUYERS without
   a gap, one payment each summing to the invoices' gross, one provisioning job per line; runs the
   jobs until none is due and checks every service is active.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BUYERS = 50
PLATFORM = "localhost"
SLUG = "acme"
SHOP = f"{SLUG}.{PLATFORM}"
PASSWORD = "a long bench password"
CHECKOUT_MET = "- checkout invariants met"
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_PROFORMA = re.compile(r"/account/proformas/(\d+)$")


def run(env: dict) -> list[str]:
    """The benchmark on a throwaway PostgreSQL cluster; markdown lines, CHECKOUT_MET last when
    every invariant holds."""
    with tempfile.TemporaryDirectory(prefix="bench-checkout-") as work:
        out = Path(work) / "checkout.json"
        done = subprocess.run([sys.executable, "tests/pg_cluster.py", sys.executable,
                               "bench/checkout.py", str(out)], cwd=ROOT, env=env)
        if done.returncode != 0 and not out.exists():
            return [f"Checkout: {BUYERS} concurrent buyers on PostgreSQL",
                    f"- **FAILED**: the checkout run could not run (exit status "
                    f"{done.returncode})"]
        return report(json.loads(out.read_text()))


def report(result: dict) -> list[str]:
    lines = [
        f"Checkout: {BUYERS} concurrent buyers on PostgreSQL (gunicorn as above, fake Stripe "
        "API, sandbox registry): log in and a .pl in the cart first, then at once checkout, "
        "pay online, the signed webhook",
    ]
    if "checkout" in result:
        checkout, webhook = result["checkout"], result["webhook"]
        lines += [
            f"- **{result['per_second']:.1f} checkouts/s** (checkout + pay-online + webhook, "
            f"{BUYERS} in {result['wall']:.2f} s wall)",
            f"- checkout p50 **{checkout['p50']:.0f} ms**, p99 **{checkout['p99']:.0f} ms**; "
            f"webhook p50 **{webhook['p50']:.0f} ms**, p99 **{webhook['p99']:.0f} ms**; "
            f"pay-online p50 {result['pay_online']['p50']:.0f} ms, "
            f"p99 {result['pay_online']['p99']:.0f} ms",
            f"- afterwards the {BUYERS} provisioning jobs ran in one process in "
            f"{result.get('jobs_seconds', 0):.2f} s",
        ]
    lines += [f"- {'met' if ok else '**FAILED**'}: {name}" for name, ok in result["checks"]]
    failed = not result["checks"] or not all(ok for _, ok in result["checks"])
    lines.append("- **checkout invariants FAILED**" if failed else CHECKOUT_MET)
    return lines


def _percentiles(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    if not ordered:
        return {"p50": 0.0, "p99": 0.0}
    p99 = statistics.quantiles(ordered, n=100)[98] if len(ordered) > 1 else ordered[0]
    return {"p50": statistics.median(ordered), "p99": p99}


def names() -> list[str]:
    """BUYERS distinct .pl names the sandbox registry says are free."""
    from storefront.registrars.sandbox import SandboxBackend

    sandbox = SandboxBackend()
    found = [f"free-checkout-{n}.pl" for n in range(1, BUYERS + 1)]
    assert all(sandbox.answer_for(name).can_register for name in found)
    return found


def seed(database_url: str, stripe_account: str) -> None:
    """The schema, one partner ready to sell online and BUYERS subscribers with billing
    details."""
    from sqlalchemy import select

    from billing import balance, settings
    from billing.models import SellerSettings
    from billing.profiles import ProfileFields, save_profile
    from storefront import create_app
    from storefront.auth import hash_password
    from storefront.db import db
    from storefront.models import Subscriber
    from storefront.money import Money
    from storefront.services import catalog, partners

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "bench",
                      "PLATFORM_DOMAIN": PLATFORM})
    with app.app_context():
        db.metadata.create_all(db.engine)
        partner = partners.create_partner(SLUG, "Acme Hosting")
        catalog.import_demo_catalogue()
        catalog.set_retail_prices(partner, "pl", register="123", renew="100", transfer="77")
        settings.save_seller_settings(partner, settings.SellerFields(
            name="Acme Hosting sp. z o.o.", street="ul. Prosta 1", postal_code="00-838",
            city="Warszawa", country="PL", tax_id="5260250274",
            bank_account="PL61109010140000071219812874", bank_name="Santander", vat_rate="23",
            language="pl"))
        balance.credit(partner, Money(10_000_000, "PLN"), "bench top-up", None)
        seller = db.session.scalars(select(SellerSettings).where(
            SellerSettings.partner_id == partner.id)).one()
        seller.stripe_account_id, seller.stripe_charges_enabled = stripe_account, True
        password_hash = hash_password(PASSWORD)  # one hash for all: argon2 is slow on purpose
        for n in range(1, BUYERS + 1):
            subscriber = Subscriber(partner_id=partner.id, email=f"buyer{n}@example.com",
                                    name=f"Buyer {n}", password_hash=password_hash)
            db.session.add(subscriber)
            db.session.flush()
            save_profile(partner, subscriber, ProfileFields(
                kind="consumer", name=f"Buyer {n}", street="ul. Polna 2", postal_code="00-001",
                city="Warszawa", country="PL", email=f"buyer{n}@example.com",
                phone="600100200"))
        db.session.commit()
        db.engine.dispose()


class Failed(Exception):
    """A request answered what a browser would not expect (already in the errors)."""


class Buyer:
    """One browser: its own cookies and client address."""

    def __init__(self, n: int, port: int, name: str, stripe, errors: list[str]) -> None:
        import requests

        self.n, self.port, self.name, self.stripe, self.errors = n, port, name, stripe, errors
        self.http = requests.Session()
        self.http.trust_env = False
        self.address = f"10.0.{n // 250}.{n % 250 + 1}"
        self.token = ""
        self.times: dict[str, float] = {}

    def request(self, method: str, path: str, expect: int, host: str = SHOP, **kwargs):
        headers = {"Host": host, "X-Forwarded-For": self.address, **kwargs.pop("headers", {})}
        started = time.perf_counter()
        try:
            response = self.http.request(method, f"http://127.0.0.1:{self.port}{path}",
                                         headers=headers, allow_redirects=False, timeout=60,
                                         **kwargs)
        except OSError as error:  # requests' ConnectionError and Timeout among them
            self.errors.append(f"buyer {self.n}: {method} {path}: {type(error).__name__}: "
                               f"{error}")
            raise Failed(self.errors[-1]) from error
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != expect:
            self.errors.append(f"buyer {self.n}: {method} {path} answered "
                               f"{response.status_code}: {response.text[:300]!r}")
            raise Failed(self.errors[-1])
        return response, elapsed

    def _token(self, path: str) -> None:
        page, _ = self.request("GET", path, 200)
        found = _CSRF.search(page.text)
        if found is None:
            self.errors.append(f"buyer {self.n}: no csrf_token on {path}")
            raise Failed(self.errors[-1])
        self.token = found.group(1)

    def prepare(self) -> None:
        self._token("/account/login")
        self.request("POST", "/account/login", 302, data={
            "csrf_token": self.token, "email": f"buyer{self.n}@example.com",
            "password": PASSWORD})
        self._token("/cart/")
        self.request("POST", "/cart/add", 303, data={
            "csrf_token": self.token, "domain": self.name, "years": "1"})

    def buy(self) -> None:
        from tests.stripe_server import WEBHOOK_SECRET, sign

        # Waiting for the others, the kept-alive connection idled past gunicorn's keep-alive (2 s)
        # and may be closing just as a request goes out on it: a browser would retry, requests
        # does not for a POST. Start on a new connection instead (the cookies stay).
        self.http.close()
        done, self.times["checkout"] = self.request(
            "POST", "/cart/checkout", 303, data={"csrf_token": self.token})
        found = _PROFORMA.search(done.headers["Location"])
        if found is None:
            self.errors.append(f"buyer {self.n}: checkout went to {done.headers['Location']}")
            raise Failed(self.errors[-1])
        away, self.times["pay_online"] = self.request(
            "POST", f"/account/proformas/{found.group(1)}/pay-online", 303,
            data={"csrf_token": self.token})
        session_id = away.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
        self.stripe.pay(session_id)
        payload = json.dumps(self.stripe.event("checkout.session.completed", session_id)).encode()
        answer, self.times["webhook"] = self.request(
            "POST", "/stripe/webhook", 200, host=PLATFORM, data=payload,
            headers={"Content-Type": "application/json",
                     "Stripe-Signature": sign(payload, WEBHOOK_SECRET)})
        if answer.json().get("result") != "paid":
            self.errors.append(f"buyer {self.n}: the webhook answered {answer.text[:200]!r}")


def buy_all(port: int, stripe) -> dict:
    errors: list[str] = []
    buyers = [Buyer(n, port, name, stripe, errors) for n, name in enumerate(names(), 1)]
    ready = threading.Barrier(BUYERS + 1)
    finished: list[float] = []

    def browse(buyer: Buyer) -> None:
        prepared = attempt(buyer, buyer.prepare)
        ready.wait()
        if prepared:
            attempt(buyer, buyer.buy)
        finished.append(time.perf_counter())

    def attempt(buyer: Buyer, step) -> bool:
        try:
            step()
            return True
        except Failed:
            return False
        except Exception as error:  # noqa: BLE001 - a connection error and the like: counted
            errors.append(f"buyer {buyer.n}: {type(error).__name__}: {error}")
            return False

    threads = [threading.Thread(target=browse, args=(buyer,)) for buyer in buyers]
    for thread in threads:
        thread.start()
    ready.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = max(finished) - started
    times = {kind: _percentiles([b.times[kind] for b in buyers if kind in b.times])
             for kind in ("checkout", "pay_online", "webhook")}
    complete = sum(1 for b in buyers if "webhook" in b.times)
    return {**times, "wall": wall, "per_second": complete / wall, "errors": len(errors),
            "error_list": errors[:10]}


def check(database_url: str, result: dict) -> list[tuple[str, bool]]:
    """The invariants in the database after the buyers, then after the jobs."""
    from sqlalchemy import func, select

    from billing.models import Document, DocumentLine, Payment, Service
    from storefront import create_app, jobs
    from storefront.db import db
    from storefront.models import Job

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "bench",
                      "PLATFORM_DOMAIN": PLATFORM})
    checks: list[tuple[str, bool]] = []
    with app.app_context():
        proformas = list(db.session.scalars(select(Document).where(Document.kind == "proforma")))
        invoices = list(db.session.scalars(select(Document).where(Document.kind == "invoice")))
        payments = list(db.session.scalars(select(Payment)))
        paid = [p for p in proformas if p.status == "paid"]
        checks.append((f"{len(paid)} of {len(proformas)} proformas paid (target {BUYERS} of "
                       f"{BUYERS})", len(paid) == len(proformas) == BUYERS))
        sources = [i.source_id or 0 for i in invoices]
        one_each = (sorted(sources) == sorted(p.id for p in proformas)
                    and all(p.invoice_id in {i.id for i in invoices} for p in proformas))
        checks.append((f"{len(invoices)} invoices, exactly one per proforma", one_each))
        years = {i.year for i in invoices}
        sequence = sorted(i.sequence for i in invoices)
        numbered = (len(years) == 1 and sequence == list(range(1, BUYERS + 1))
                    and sorted(i.number for i in invoices)
                    == sorted(f"FV/{i.year}/{i.sequence}" for i in invoices))
        year = next(iter(years)) if len(years) == 1 else "?"
        checks.append((f"invoice numbers FV/{year}/1..{BUYERS}, no gap or duplicate "
                       f"(got {len(set(sequence))} distinct, highest "
                       f"{max(sequence, default=0)})", numbered))
        received = [p for p in payments if p.status == "received"]
        by_proforma = sorted(p.document_id or 0 for p in payments)
        gross = sum(i.gross_minor for i in invoices)
        checks.append((f"{len(payments)} payments, one per proforma, all received, summing to "
                       f"the invoices' gross ({sum(p.amount_minor for p in payments) / 100:.2f} "
                       f"= {gross / 100:.2f} PLN)",
                       by_proforma == sorted(p.id for p in proformas)
                       and len(received) == len(payments)
                       and sum(p.amount_minor for p in payments) == gross and gross > 0))
        lines = db.session.scalar(select(func.count(DocumentLine.id)).where(
            DocumentLine.document_id.in_([p.id for p in proformas])))
        queued = list(db.session.scalars(select(Job)))
        per_line = sorted(int(j.payload.get("line_id") or 0) for j in queued)
        checks.append((f"{len(queued)} provisioning jobs for {lines} proforma lines, one per "
                       "line", len(queued) == lines == BUYERS
                       and len(set(per_line)) == len(per_line)))
        checks.append((f"requests answered other than 2xx/3xx or than expected: "
                       f"{result.get('errors', '?')}"
                       + (f" ({'; '.join(result['error_list'])})" if result.get("error_list")
                          else ""), result.get("errors") == 0))
        started = time.perf_counter()
        for _ in range(BUYERS * 2):  # a retried job would be due later: this ends either way
            if jobs.run_due() == 0:
                break
        result["jobs_seconds"] = time.perf_counter() - started
        db.session.expire_all()
        statuses = list(db.session.scalars(select(Service.status)))
        active = statuses.count("active")
        checks.append((f"{active} of {len(statuses)} services active after the jobs (target "
                       f"{BUYERS})", active == len(statuses) == BUYERS))
        db.session.remove()
        db.engine.dispose()
    return checks


def main(out: str | None = None) -> int:
    from bench import serve
    from tests.stripe_server import SECRET_KEY, WEBHOOK_SECRET, StripeServer

    url = os.environ["DATABASE_URL"]  # set by tests/pg_cluster.py
    stripe = StripeServer().start()
    result: dict = {"checks": []}
    try:
        started = time.monotonic()
        seed(url, stripe.add_account(charges_enabled=True))
        print(f"seeded a shop and {BUYERS} subscribers on PostgreSQL in "
              f"{time.monotonic() - started:.1f} s", flush=True)
        env = {**os.environ, "DATABASE_URL": url, "PLATFORM_DOMAIN": PLATFORM,
               "SECRET_KEY": "bench", "PUBLIC_PORT": "", "STRIPE_SECRET_KEY": SECRET_KEY,
               "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET, "STRIPE_API_BASE": stripe.url}
        env.pop("REGISTRAR_BACKENDS", None)
        proc, port = serve.serve("wsgi:app", env)
        try:
            result.update(buy_all(port, stripe))
        finally:
            serve.stop(proc)
        for error in result.get("error_list", []):
            print(error, file=sys.stderr, flush=True)
        result["checks"] = check(url, result)
    except Exception as error:  # noqa: BLE001 - reported as a failed check
        result["checks"].append((f"the run ended with {type(error).__name__}: {error}", False))
        raise
    finally:
        stripe.stop()
        if out:
            Path(out).write_text(json.dumps(result))
    lines = report(result)
    if out is None:
        print("\n".join(lines))
    return 0 if lines[-1] == CHECKOUT_MET else 1


if __name__ == "__main__":
    if "DATABASE_URL" not in os.environ or not os.environ["DATABASE_URL"].startswith("postgres"):
        # Alone: on a throwaway cluster of its own.
        sys.exit(subprocess.run([sys.executable, "tests/pg_cluster.py", sys.executable,
                                 "bench/checkout.py", *sys.argv[1:]], cwd=ROOT).returncode)
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else None))
