"""The sandbox registry: the embedded default, for the demo and for tests.

Availability is deterministic. A registered name (kept in `sandbox_registration`) is taken;
labels on fixed lists are taken ("example", "google", …) or premium ("shop", "cloud", …); a label
starting "taken-", "premium-" or "free-" says its own answer, which tests and demos rely on; every
other name is decided by a hash of the whole name (`taken_percent` of names are taken).

Every operation is one simulated round trip: one `latency_ms` sleep, then a failure with
probability `failure_rate` (drawn from a generator seeded with `seed`, so tests are repeatable).
A `check` is one round trip however many names it carries.

Writes go through the app's session and are flushed, never committed: like every service here,
the caller's request (or job) commits, and other sessions see the registration from then on.
"""

from __future__ import annotations

import hashlib
import random
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from storefront.db import db, utcnow
from storefront.registrars.base import (
    AuthCodeInvalid,
    Availability,
    DomainNotAvailable,
    DomainNotFound,
    DomainRecord,
    Registrant,
    RegistrarError,
    RegistrarUnavailable,
    normalise_name,
)
from storefront.registrars.models import SandboxRegistration

TAKEN_LABELS = frozenset({
    "example", "google", "facebook", "amazon", "microsoft", "apple", "wikipedia", "youtube",
    "allegro", "onet", "wp", "interia", "olx", "test",
})
PREMIUM_LABELS = frozenset({
    "shop", "cloud", "hotel", "bank", "casino", "crypto", "vip", "ai", "app", "money", "games",
})
MAX_YEARS = 10


class SandboxBackend:
    """A registry simulated in-process; see the module docstring for its rules."""

    def __init__(self, name: str = "sandbox", *, latency_ms: float = 0, failure_rate: float = 0.0,
                 seed: int | None = None, taken_percent: int = 30,
                 premium_price_minor: int | None = 50_000, currency: str = "PLN",
                 max_check_names: int | None = None,
                 on_change: Callable[[str], None] | None = None) -> None:
        if not 0.0 <= failure_rate <= 1.0:
            raise ValueError("failure_rate must be between 0 and 1")
        self.name = name
        self.max_check_names = max_check_names
        self.latency_seconds = float(latency_ms) / 1000
        self.failure_rate = float(failure_rate)
        self.taken_percent = int(taken_percent)
        # None: a registry that answers "premium" without quoting a price.
        self.premium_price_minor = None if premium_price_minor is None else int(premium_price_minor)
        self.currency = currency
        self.round_trips = 0
        self._on_change = on_change
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, name: str, settings: Mapping[str, Any],
                      on_change: Callable[[str], None] | None = None) -> SandboxBackend:
        options = {k: v for k, v in settings.items() if k != "kind"}
        return cls(name, on_change=on_change, **options)

    # --- the interface -------------------------------------------------------------------------

    def check(self, names: list[str]) -> dict[str, Availability]:
        self._round_trip()
        answers: dict[str, Availability] = {}
        wanted: dict[str, str] = {}
        for given in names:
            try:
                wanted[given] = normalise_name(given)
            except ValueError as exc:
                answers[given] = Availability.unknown(str(exc))
        registered = self._registered(set(wanted.values()))
        for given, name in wanted.items():
            answers[given] = (Availability.taken("registered") if name in registered
                              else self.answer_for(name))
        return answers

    def register(self, name: str, years: int, registrant: Registrant) -> DomainRecord:
        name = normalise_name(name)
        _check_years(years)
        self._round_trip()
        if self._find(name) is not None or not self.answer_for(name).can_register:
            raise DomainNotAvailable(f"{name} is not available")
        record = self._store(name, _add_years(utcnow(), years), registrant.email)
        self._changed(name)
        return record

    def renew(self, name: str, years: int) -> DomainRecord:
        name = normalise_name(name)
        _check_years(years)
        self._round_trip()
        row = self._find(name)
        if row is None:
            raise DomainNotFound(f"{name} is not registered here")
        row.expires_at = _add_years(row.expires_at, years)
        db.session.flush()
        return _record(row)

    def transfer(self, name: str, auth_code: str) -> DomainRecord:
        """Moves a name here. A name registered in the sandbox needs its own auth code; a name
        taken "elsewhere" (lists and hash) accepts any code of 6 or more characters."""
        name = normalise_name(name)
        self._round_trip()
        row = self._find(name)
        if row is not None:
            if not secrets.compare_digest(row.auth_code, auth_code):
                raise AuthCodeInvalid(f"wrong authorisation code for {name}")
            row.auth_code = _new_auth_code()
            db.session.flush()
            return _record(row, transfer_status="serverApproved")
        if self.answer_for(name).can_register:
            raise DomainNotFound(f"{name} is not registered, so it cannot be transferred")
        if len(auth_code) < 6:
            raise AuthCodeInvalid(f"wrong authorisation code for {name}")
        record = self._store(name, _add_years(utcnow(), 1), "", transfer_status="serverApproved")
        self._changed(name)
        return record

    def info(self, name: str) -> DomainRecord:
        name = normalise_name(name)
        self._round_trip()
        row = self._find(name)
        if row is not None:
            return _record(row)
        if self.answer_for(name).can_register:
            raise DomainNotFound(f"{name} is not registered")
        # Registered "elsewhere": a stable expiry date, and no auth code (not our client's domain).
        expires = datetime(2027, 1, 1) + timedelta(days=_digest(name) % 365)
        return DomainRecord(name=name, expires_at=expires, statuses=("ok",))

    def set_nameservers(self, name: str, hosts: list[str]) -> DomainRecord:
        """Stores the delegation of a name registered here; any other name is not ours to change.
        A host whose first label is "refused" (ns1.refused.example) is refused, as a registry
        refuses a host it cannot resolve: tests and demos rely on it."""
        name = normalise_name(name)
        hosts = [normalise_name(host) for host in hosts]
        self._round_trip()
        row = self._find(name)
        if row is None:
            raise DomainNotFound(f"{name} is not registered here")
        refused = [host for host in hosts if "refused" in host.split(".")[:2]]
        if refused:
            raise RegistrarError(f"{name}: the registry refused the nameserver {refused[0]}")
        row.nameservers = " ".join(dict.fromkeys(hosts))
        db.session.flush()
        return _record(row)

    def close(self) -> None:
        """Nothing to release: the sandbox holds no connection."""

    # --- the rules -----------------------------------------------------------------------------

    def answer_for(self, name: str) -> Availability:
        """The deterministic answer for a name nobody registered through the sandbox."""
        label = name.split(".", 1)[0]
        if label.startswith("free-"):
            return Availability.available()
        if label in TAKEN_LABELS or label.startswith("taken-"):
            return Availability.taken("in use")
        if label in PREMIUM_LABELS or label.startswith("premium-"):
            if self.premium_price_minor is None:
                return Availability.premium()
            price = self.premium_price_minor * (1 + _digest(name) % 10)
            return Availability.premium(price, self.currency)
        if _digest(name) % 100 < self.taken_percent:
            return Availability.taken("in use")
        return Availability.available()

    def _round_trip(self) -> None:
        with self._lock:
            self.round_trips += 1
            failing = self.failure_rate > 0 and self._random.random() < self.failure_rate
        if self.latency_seconds:
            time.sleep(self.latency_seconds)
        if failing:
            raise RegistrarUnavailable(f"{self.name}: simulated registry failure")

    def _registered(self, names: set[str]) -> set[str]:
        if not names:
            return set()
        query = select(SandboxRegistration.name).where(SandboxRegistration.name.in_(names))
        return set(db.session.scalars(query))

    def _find(self, name: str) -> SandboxRegistration | None:
        query = select(SandboxRegistration).where(SandboxRegistration.name == name)
        return db.session.scalars(query).one_or_none()

    def _store(self, name: str, expires_at: datetime, email: str,
               transfer_status: str | None = None) -> DomainRecord:
        row = SandboxRegistration(name=name, expires_at=expires_at, auth_code=_new_auth_code(),
                                  registrant_email=email)
        db.session.add(row)
        db.session.flush()
        return _record(row, transfer_status=transfer_status)

    def _changed(self, name: str) -> None:
        if self._on_change is not None:
            self._on_change(name)


def _record(row: SandboxRegistration, transfer_status: str | None = None) -> DomainRecord:
    return DomainRecord(name=row.name, expires_at=row.expires_at, auth_code=row.auth_code,
                        statuses=("ok",), transfer_status=transfer_status,
                        nameservers=tuple((row.nameservers or "").split()))


def _digest(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode("ascii")).digest()[:4], "big")


def _new_auth_code() -> str:
    return secrets.token_urlsafe(12)[:16]


def _check_years(years: int) -> None:
    if not 1 <= years <= MAX_YEARS:
        raise ValueError(f"years must be between 1 and {MAX_YEARS}")


def _add_years(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February into a common year
        return moment.replace(year=moment.year + years, day=28)
