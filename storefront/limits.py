"""Rate limits on the forms people could hammer: the reseller application, the staff and subscriber
logins, sign-ups, password resets, new verification mails and the password changes that check the
current password (someone holding a stolen session cookie could guess it there).

A view calls `hit(name)` on POST before it does any work (a password change: once its form is
valid, before the current password is checked), or `hit(name, account=email)` for a rule that also
counts per account; over a limit the request ends with 429 and a page that says how long to wait
(`Retry-After` too).

Every attempt is counted twice:
- per client address: the address the trusted proxy saw (security.TrustedProxies); an IPv6
  client counts by its /64, which one subscriber line usually holds whole;
- per account: the e-mail typed (for a password change, the logged-in account's), lower-cased,
  and for subscribers per partner (ann@ at Acme and ann@ at Globex are two accounts), so rotating
  addresses does not buy more guesses on one account. The price is that someone hammering an
  account locks its owner out for the window too: the windows are short enough for that, and a
  reset link still arrives after it.

Where the counts live (`RATELIMIT_STORAGE_URI`):
- empty (the default): the database, table `rate_limit_counter`, where every worker process and
  machine sees them. A fixed window per key, counted by one atomic upsert on a connection of its
  own, so the count survives the request's rollback (a refused login answers 4xx, which rolls the
  request back). Expired rows are deleted by each process at most every `SWEEP_SECONDS`.
- any storage URI of the `limits` package (`redis://…`; `memory://` counts per process, for a
  single-process server): a moving window in that storage.

Limits are off when `TESTING` unless a test sets `RATELIMIT_ENABLED`. Flask-Limiter's extension is
not used: it adds hooks to every request (13 % of a cached storefront page) for limits this app
never declares on routes.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import time
from dataclasses import dataclass
from typing import Protocol

from flask import Flask, current_app, g, request
from limits import RateLimitItemPerSecond
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import Connection, Executable, case, delete
from sqlalchemy.dialects import postgresql, sqlite
from werkzeug.exceptions import TooManyRequests

from storefront.db import db
from storefront.models import RateLimitCounter

MINUTE = 60
HOUR = 60 * MINUTE
SWEEP_SECONDS = 5 * MINUTE


@dataclass(frozen=True)
class Limit:
    attempts: int
    seconds: int


@dataclass(frozen=True)
class Rule:
    per_address: Limit
    # None: the rule counts per address only (nobody's account is at stake).
    per_account: Limit | None = None


RULES: dict[str, Rule] = {
    "application": Rule(Limit(10, MINUTE)),
    "signup": Rule(Limit(10, MINUTE)),
    # Ten guesses at one account per quarter of an hour, from all addresses together.
    "login": Rule(Limit(10, MINUTE), Limit(10, 15 * MINUTE)),
    "subscriber_login": Rule(Limit(10, MINUTE), Limit(10, 15 * MINUTE)),
    # Each attempt may send a mail to the account's owner: five an hour is plenty for a person.
    "password_reset": Rule(Limit(5, MINUTE), Limit(5, HOUR)),
    "verification_resend": Rule(Limit(5, MINUTE), Limit(5, HOUR)),
    # A stolen session cookie guesses the current password no faster than a login form would.
    "password_change": Rule(Limit(10, MINUTE), Limit(10, 15 * MINUTE)),
}
_EXTENSION = "storefront_limits"


class Counter(Protocol):
    def hit(self, buckets: list[tuple[str, Limit]]) -> int:
        """Count one attempt in every bucket; the seconds to wait when any is over, else 0."""


class DatabaseCounter:
    """Fixed windows in the `rate_limit_counter` table, counted outside the request's
    transaction."""

    def __init__(self) -> None:
        self.next_sweep = 0.0

    def hit(self, buckets: list[tuple[str, Limit]]) -> int:
        now = int(time.time())
        wait = 0
        # Always address before account: concurrent attempts lock rows in one order.
        with db.engine.begin() as connection:
            for key, limit in buckets:
                hits, window_ends = connection.execute(_count(connection, key, limit, now)).one()
                if hits > limit.attempts:
                    wait = max(wait, window_ends - now, 1)
        if now >= self.next_sweep:
            self.next_sweep = now + SWEEP_SECONDS
            with db.engine.begin() as connection:
                connection.execute(delete(RateLimitCounter).where(
                    RateLimitCounter.window_ends <= now))
        return wait


def _count(connection: Connection, key: str, limit: Limit, now: int) -> Executable:
    """INSERT … ON CONFLICT DO UPDATE: a new window at 1, or one more in the current window."""
    insert = (postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert)
    expired = RateLimitCounter.window_ends <= now
    return insert(RateLimitCounter).values(
        key=key, window_ends=now + limit.seconds, hits=1
    ).on_conflict_do_update(
        index_elements=[RateLimitCounter.key],
        set_={
            "hits": case((expired, 1), else_=RateLimitCounter.hits + 1),
            "window_ends": case((expired, now + limit.seconds),
                                else_=RateLimitCounter.window_ends),
        },
    ).returning(RateLimitCounter.hits, RateLimitCounter.window_ends)


class StorageCounter:
    """Moving windows in a storage of the `limits` package (redis://…, memory://…)."""

    def __init__(self, uri: str) -> None:
        self.limiter = MovingWindowRateLimiter(storage_from_string(uri))

    def hit(self, buckets: list[tuple[str, Limit]]) -> int:
        wait = 0
        for key, limit in buckets:
            item = RateLimitItemPerSecond(limit.attempts, limit.seconds)
            if not self.limiter.hit(item, key):
                reset = self.limiter.get_window_stats(item, key).reset_time
                wait = max(wait, math.ceil(reset - time.time()), 1)
        return wait


def init_app(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_ENABLED", not app.config.get("TESTING", False))
    if not app.config["RATELIMIT_ENABLED"]:
        return
    uri = app.config.get("RATELIMIT_STORAGE_URI") or ""
    counter: Counter = StorageCounter(uri) if uri else DatabaseCounter()
    app.extensions[_EXTENSION] = counter


def hit(name: str, account: str | None = None) -> None:
    """Count one attempt at `name` from this client (and at `account`, the e-mail typed, for a
    rule that counts per account); 429 when over a limit.

    Call it before the request writes anything: on SQLite the count is a write of its own, which
    would wait for the request's."""
    rule = RULES[name]
    if (account is None) != (rule.per_account is None):
        raise TypeError(f"limits.hit({name!r}): pass account= exactly when the rule has one")
    counter: Counter | None = current_app.extensions.get(_EXTENSION)
    if counter is None:
        return
    buckets = [(f"{name}:address:{client_address()}", rule.per_address)]
    email = (account or "").strip().lower()
    if email and rule.per_account is not None:
        buckets.append((f"{name}:account:{_account_key(email)}", rule.per_account))
    wait = counter.hit(buckets)
    if wait:
        raise TooManyRequests(retry_after=wait)


def client_address() -> str:
    """The client's address as counted: IPv4 whole, IPv6 by its /64."""
    raw = request.remote_addr or ""
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return raw or "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _account_key(email: str) -> str:
    """Whose account: the partner of this storefront (or the platform's staff) and a digest of
    the e-mail, so the table holds no list of the addresses people tried."""
    site = g.get("site")
    scope = f"partner-{site.partner_id}" if site is not None else "platform"
    return f"{scope}:{hashlib.sha256(email.encode()).hexdigest()[:32]}"
