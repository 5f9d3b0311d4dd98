"""What a storefront shows, cached per process: per partner, and cleared only for what changed.

Each app keeps three caches (`caches_of(app)`), each bounded by its number of entries and dropping
the least recently used entry when full, never cleared whole:

- `hosts`: host name → the partner it serves (a `tenancy.HostMatch`), or "unknown host";
- `content`: (partner, key) → what its storefront shows: menus, pages, ads, the catalogue;
- `pages`: (partner, path) → whole pages for visitors without cookies (`page_cache`).

Every entry names the kinds of data it was built from, and `FEEDS` says which tables feed each
kind. When a transaction commits, the entries of the partners whose rows it changed, built from
the kinds those rows feed, are dropped in this process, and nothing else: a row of a table that
feeds no cache (a login, a token, a cart, a rate-limit counter, the outbox) drops nothing. Bulk
`update()` and `delete()` statements count too, for the partners their WHERE clause names
(`partner_id == …` or `partner_id IN …`), or else the ones the database says their rows belong to
(asked before the statement runs); a bulk `insert()` counts for the partners its rows name.
Raw SQL (`text()`) is not seen: whoever runs it on these tables waits out `HOST_CACHE_SECONDS`.

Other processes are not told: an entry lives at most `HOST_CACHE_SECONDS` (a whole page at most
`PAGE_CACHE_SECONDS`, never longer), so every process shows a change within `HOST_CACHE_SECONDS`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Set
from dataclasses import dataclass, field
from time import monotonic
from typing import Any, NamedTuple

from flask import Flask, current_app, has_app_context
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BinaryExpression, BindParameter, BooleanClauseList, ColumnClause
from sqlalchemy.sql.operators import and_, eq, in_op

from billing.models import RenewalNotice
from storefront.db import db
from storefront.models import (
    Ad,
    Asset,
    BalanceEntry,
    BillingProfile,
    DiscountCode,
    DiscountUse,
    Document,
    DocumentCounter,
    DocumentLine,
    Invitation,
    Job,
    Membership,
    OutboxMessage,
    Page,
    Partner,
    PartnerDomain,
    PartnerTld,
    Payment,
    PriceGroup,
    PriceGroupPrice,
    Product,
    ProductTerm,
    Promotion,
    RateLimitCounter,
    ResellerApplication,
    SandboxRegistration,
    SellerSettings,
    Service,
    StaffToken,
    StripeEvent,
    Subscriber,
    SubscriberPriceGroup,
    SubscriberToken,
    Tld,
    TldGroup,
    TldGroupItem,
    User,
)
from storefront.models.partner import raw_host

SITE = "site"  # the partner itself and its domains: which host serves it, its name, look, contacts
CONTENT = "content"  # its CMS pages and ads
CATALOGUE = "catalogue"  # what it sells at what price, in which groups
ALL_KINDS = frozenset({SITE, CONTENT, CATALOGUE})

FEEDS: dict[type[Any], str] = {
    Partner: SITE,
    PartnerDomain: SITE,
    Page: CONTENT,
    Ad: CONTENT,
    PartnerTld: CATALOGUE,
    TldGroup: CATALOGUE,
    TldGroupItem: CATALOGUE,
    # Its price lists: promotions (shown struck through) and price groups.
    Promotion: CATALOGUE,
    PriceGroup: CATALOGUE,
    PriceGroupPrice: CATALOGUE,
    # The platform's: its prices, limits and whether it is enabled show where it is sold.
    Tld: CATALOGUE,
    # The platform's SSL certificates and hosting plans, which partners' offers are built from.
    # No row names a partner: a change forgets every partner's catalogue.
    Product: CATALOGUE,
    ProductTerm: CATALOGUE,
}
PLATFORM_WIDE = frozenset({Product, ProductTerm})
# Read per request, never cached: changing them clears nothing.
FEEDS_NOTHING = frozenset({
    Asset, BalanceEntry, BillingProfile, DiscountCode, DiscountUse, Document, DocumentCounter,
    DocumentLine, Invitation, Job, Membership, OutboxMessage, Payment, RateLimitCounter,
    RenewalNotice, ResellerApplication, SandboxRegistration, SellerSettings, Service, StaffToken,
    StripeEvent,
    Subscriber, SubscriberPriceGroup, SubscriberToken, User,
})
_KIND_OF_TABLE = {model.__table__.name: kind for model, kind in FEEDS.items()}


class _Entry(NamedTuple):
    expires: float
    value: Any
    partner_id: int | None
    built_from: frozenset[str]


class Lru:
    """At most `max_entries` entries, each for at most `seconds`, the least recently used dropped
    first. Entries are indexed by partner, so one partner's go without a look at the others'.

    Reading takes no lock; changes do. `generation` counts the forgets: a value loaded while one
    happened may be stale, so `put` drops it."""

    def __init__(self, max_entries: int, seconds: float) -> None:
        self.max_entries = max_entries
        self.seconds = seconds
        self.generation = 0
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._keys_of: dict[int | None, set[Hashable]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable, default: Any = None) -> Any:
        entry = self._entries.get(key)
        if entry is None:
            return default
        if entry.expires <= monotonic():
            with self._lock:
                if self._entries.get(key) is entry:
                    self._drop(key)
            return default
        try:
            self._entries.move_to_end(key)
        except KeyError:  # another thread dropped it meanwhile
            pass
        return entry.value

    def put(self, key: Hashable, value: Any, partner_id: int | None, built_from: frozenset[str],
            generation: int) -> None:
        """Keep `value`, loaded when `generation` was current, unless a forget came since."""
        if self.seconds <= 0 or self.max_entries <= 0:
            return
        entry = _Entry(monotonic() + self.seconds, value, partner_id, built_from)
        with self._lock:
            if generation != self.generation:
                return
            self._drop(key)
            self._entries[key] = entry
            self._keys_of.setdefault(partner_id, set()).add(key)
            while len(self._entries) > self.max_entries:
                self._drop(next(iter(self._entries)))

    def forget(self, key: Hashable) -> None:
        with self._lock:
            self.generation += 1
            self._drop(key)

    def forget_partner(self, partner_id: int | None, kinds: Set[str]) -> None:
        """Drop this partner's entries built from any of these kinds (None: entries of no partner,
        such as "unknown host")."""
        with self._lock:
            self.generation += 1
            for key in tuple(self._keys_of.get(partner_id, ())):
                if self._entries[key].built_from & kinds:
                    self._drop(key)

    def forget_kinds(self, kinds: Set[str]) -> None:
        """Drop every partner's entries built from any of these kinds."""
        with self._lock:
            self.generation += 1
            for key, entry in tuple(self._entries.items()):
                if entry.built_from & kinds:
                    self._drop(key)

    def _drop(self, key: Hashable) -> None:
        entry = self._entries.pop(key, None)
        if entry is None:
            return
        keys = self._keys_of[entry.partner_id]
        keys.discard(key)
        if not keys:
            del self._keys_of[entry.partner_id]


@dataclass
class Changes:
    """What a transaction changed, as far as the caches care."""

    kinds_of: dict[int, set[str]] = field(default_factory=dict)  # partner id → kinds changed
    for_everyone: set[str] = field(default_factory=set)  # kinds changed for partners not known
    hosts: set[str] = field(default_factory=set)  # host names to look up again, whoever they served
    new_hosts: bool = False  # hosts not known may serve a partner now: forget every unknown host

    def add(self, kind: str, partner_ids: Set[int] | None) -> None:
        if partner_ids is None:
            self.for_everyone.add(kind)
        for partner_id in partner_ids or ():
            self.kinds_of.setdefault(partner_id, set()).add(kind)


class Caches:
    """One app's caches; in production each process has one app, so this is per process."""

    def __init__(self, config: dict[str, Any]) -> None:
        seconds = float(config["HOST_CACHE_SECONDS"])
        self.hosts = Lru(int(config["HOST_CACHE_ENTRIES"]), seconds)
        self.content = Lru(int(config["CONTENT_CACHE_ENTRIES"]), seconds)
        self.pages = Lru(int(config["PAGE_CACHE_ENTRIES"]),
                         min(float(config["PAGE_CACHE_SECONDS"]), seconds))

    def forget(self, changes: Changes) -> None:
        for cache in (self.hosts, self.content, self.pages):
            if changes.for_everyone:
                cache.forget_kinds(changes.for_everyone)
            for partner_id, kinds in changes.kinds_of.items():
                cache.forget_partner(partner_id, kinds)
        for host in changes.hosts:
            self.hosts.forget(host)
        if changes.new_hosts:
            self.hosts.forget_partner(None, {SITE})


def init_app(app: Flask) -> None:
    app.extensions["caches"] = Caches(app.config)


def caches_of(app: Flask) -> Caches:
    return app.extensions["caches"]


# --- noting what a transaction changes, and forgetting it once it commits ---------------------

_PENDING = "cache_changes"


def _pending(session: Session) -> Changes | None:
    """This transaction's changes, to forget in this app's caches when it commits."""
    if not has_app_context() or "caches" not in current_app.extensions:
        return None  # a script without the app: other processes' entries expire on their own
    pending = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = (current_app.extensions["caches"], Changes())
    return pending[1]


@event.listens_for(Session, "after_flush")
def _note_rows(session: Session, _context: Any) -> None:
    changes: Changes | None = None
    for deleted, objects in ((False, session.new), (False, session.dirty), (True, session.deleted)):
        for obj in objects:
            kind = FEEDS.get(type(obj))
            if kind is None or not (deleted or session.is_modified(obj)):
                continue
            changes = changes or _pending(session)
            if changes is None:
                return
            _note_row(session, changes, obj, kind, deleted)


def _note_row(session: Session, changes: Changes, obj: Any, kind: str, deleted: bool) -> None:
    if isinstance(obj, Tld):
        changes.add(CATALOGUE, None if deleted else _selling(session, [obj.id]))
        return
    if type(obj) in PLATFORM_WIDE:
        changes.add(kind, None)
        return
    if isinstance(obj, Partner):
        partner_ids = _values(obj, "id")
        # A changed slug is a new raw host, which may be cached as unknown.
        changes.hosts.update(raw_host(slug) for slug in _values(obj, "slug") or ())
        changes.add(kind, partner_ids)
        if deleted:
            for other in ALL_KINDS:
                changes.add(other, partner_ids)
        return
    if isinstance(obj, PartnerDomain):
        hosts = _values(obj, "host")
        if hosts is None:
            changes.new_hosts = True
        changes.hosts.update(hosts or ())
    changes.add(kind, _values(obj, "partner_id"))


def _values(obj: Any, attribute: str) -> set[Any] | None:
    """Every value the attribute had in this flush, old and new; None when it is not loaded."""
    history = inspect(obj).attrs[attribute].history
    values = {*history.added, *history.unchanged, *history.deleted} - {None}
    return values or None


def _selling(session: Session, tld_ids: Any) -> set[int]:
    """The partners selling these TLDs (a list of ids, or a select of them)."""
    # Through the connection: no tenant backstop, which would hide the other partners' rows.
    query = select(PartnerTld.partner_id).where(PartnerTld.tld_id.in_(tld_ids)).distinct()
    return set(session.connection().execute(query).scalars())


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state: Any) -> None:
    """A bulk statement on a table that feeds a cache: note the partners whose rows it touches."""
    if state.is_select or not (state.is_update or state.is_delete or state.is_insert):
        return
    table = db.metadata.tables[state.statement.table.name]
    kind = _KIND_OF_TABLE.get(table.name)
    changes = _pending(state.session) if kind is not None else None
    if kind is None or changes is None:
        return
    if any(table is model.__table__ for model in PLATFORM_WIDE):
        partner_ids = None
    elif state.is_insert:
        partner_ids = _inserted_for(state.parameters, table)
    else:
        partner_ids = _touched_by(state.session, table, state.statement.whereclause, changes)
    changes.add(kind, partner_ids)
    if kind == SITE:
        changes.new_hosts = True  # it may verify or rename a host that is cached as unknown
        if table is Partner.__table__ and state.is_delete:
            for other in ALL_KINDS:
                changes.add(other, partner_ids)


def _inserted_for(parameters: Any, table: Any) -> set[int] | None:
    """The partners the inserted rows name, or None when a row names none (every partner)."""
    key = "id" if table is Partner.__table__ else "partner_id"
    partner_ids: set[int] = set()
    for row in parameters if isinstance(parameters, list) else [parameters or {}]:
        if row.get(key) is None:
            return None
        partner_ids.add(row[key])
    return partner_ids


def _touched_by(session: Session, table: Any, where: Any, changes: Changes) -> set[int]:
    """The partners whose rows an update or delete touches: the ones its WHERE clause names, or
    else the ones the database says, asked before it runs. A partner's or a domain's rows also
    name hosts, whose cached entries go whoever they served."""
    criteria = () if where is None else (where,)
    if table is Tld.__table__:
        return _selling(session, select(table.c.id).where(*criteria))
    if table is Partner.__table__ or table is PartnerDomain.__table__:
        partner, host = ("id", "slug") if table is Partner.__table__ else ("partner_id", "host")
        rows = session.connection().execute(
            select(table.c[partner], table.c[host]).where(*criteria)).all()
        changes.hosts.update(raw_host(name) if table is Partner.__table__ else name
                             for _, name in rows)
        return {partner_id for partner_id, _ in rows}
    named = _named_partners(where, table)
    if named is not None:
        return named
    query = select(table.c.partner_id).distinct().where(*criteria)
    return set(session.connection().execute(query).scalars())


def _named_partners(where: Any, table: Any) -> set[int] | None:
    """The partner ids a WHERE clause limits the table's rows to (`partner_id == x` or
    `partner_id IN (…)`, alone or and-ed with other terms), or None when it does not."""
    terms = where.clauses if isinstance(where, BooleanClauseList) and where.operator is and_ else (
        where,)
    for term in terms:
        if (
            isinstance(term, BinaryExpression)
            and isinstance(term.left, ColumnClause)
            and term.left.name == "partner_id"
            and getattr(term.left.table, "name", None) == table.name
            and isinstance(term.right, BindParameter)
            and term.right.effective_value is not None
        ):
            if term.operator is eq:
                return {term.right.effective_value}
            if term.operator is in_op:
                return set(term.right.effective_value)
    return None


@event.listens_for(Session, "after_commit")
def _forget_committed(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a released savepoint: its changes are saved only when the transaction commits
    pending = session.info.pop(_PENDING, None)
    if pending is not None:
        caches, changes = pending
        caches.forget(changes)


@event.listens_for(Session, "after_rollback")
def _drop_rolled_back(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint rolled back: the changes before it are still to be committed
    session.info.pop(_PENDING, None)
