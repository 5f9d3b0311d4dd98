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
`update()`, `delete()` and `insert()` statements count too, for the partners their WHERE clause
names (`partner_id == …` or `partner_id IN …`), and for every partner when it names none.

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

from storefront.models import (
    Ad,
    Asset,
    Invitation,
    Membership,
    OutboxMessage,
    Page,
    Partner,
    PartnerDomain,
    PartnerTld,
    RateLimitCounter,
    ResellerApplication,
    SandboxRegistration,
    StaffToken,
    Subscriber,
    SubscriberToken,
    Tld,
    TldGroup,
    TldGroupItem,
    User,
)

SITE = "site"  # the partner itself and its domains: which host serves it, its name, look, contacts
CONTENT = "content"  # its CMS pages and ads
CATALOGUE = "catalogue"  # what it sells at what price, in which groups
ALL_KINDS = frozenset({SITE, CONTENT, CATALOGUE})

FEEDS: dict[type, str] = {
    Partner: SITE,
    PartnerDomain: SITE,
    Page: CONTENT,
    Ad: CONTENT,
    PartnerTld: CATALOGUE,
    TldGroup: CATALOGUE,
    TldGroupItem: CATALOGUE,
    # The platform's: its prices, limits and whether it is enabled show where it is sold.
    Tld: CATALOGUE,
}
# Read per request, never cached: changing them clears nothing.
FEEDS_NOTHING = frozenset({
    Asset, Invitation, Membership, OutboxMessage, RateLimitCounter, ResellerApplication,
    SandboxRegistration, StaffToken, Subscriber, SubscriberToken, User,
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

    def clear(self) -> None:
        with self._lock:
            self.generation += 1
            self._entries.clear()
            self._keys_of.clear()

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

    def clear(self) -> None:
        for cache in (self.hosts, self.content, self.pages):
            cache.clear()


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
        changes.add(CATALOGUE, None if deleted else _selling(session, obj.id))
        return
    if isinstance(obj, Partner):
        partner_ids = _values(obj, "id")
        # A changed slug is a new raw host, which may be cached as unknown.
        platform = current_app.config["PLATFORM_DOMAIN"]
        changes.hosts.update(f"{slug}.{platform}" for slug in _values(obj, "slug") or ())
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


def _selling(session: Session, tld_id: int) -> set[int]:
    # Through the connection: no tenant backstop, which would hide the other partners' rows.
    rows = session.connection().execute(
        select(PartnerTld.partner_id).where(PartnerTld.tld_id == tld_id).distinct()
    )
    return set(rows.scalars())


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state: Any) -> None:
    if state.is_select or not (state.is_update or state.is_delete or state.is_insert):
        return
    table = state.statement.table
    kind = _KIND_OF_TABLE.get(table.name)
    if kind is None:
        return
    changes = _pending(state.session)
    if changes is None:
        return
    if kind == CATALOGUE and table.name == Tld.__table__.name:
        changes.add(kind, None)
        return
    key = "id" if table.name == Partner.__table__.name else "partner_id"
    partner_ids = None if state.is_insert else _named_values(state.statement.whereclause, key,
                                                               table.name)
    if kind == SITE:
        changes.new_hosts = True  # which hosts it touched is not known
    changes.add(kind, partner_ids)
    if table.name == Partner.__table__.name and state.is_delete:
        for other in ALL_KINDS:
            changes.add(other, partner_ids)


def _named_values(where: Any, column: str, table: str) -> set[int] | None:
    """The values a WHERE clause limits `table.column` to (`column == x`, `column IN (…)`, alone
    or and-ed with other terms), or None when it does not."""
    if where is None:
        return None
    terms = where.clauses if isinstance(where, BooleanClauseList) and where.operator is and_ else (
        where,)
    for term in terms:
        if (
            isinstance(term, BinaryExpression)
            and isinstance(term.left, ColumnClause)
            and term.left.name == column
            and getattr(term.left.table, "name", None) == table
            and isinstance(term.right, BindParameter)
        ):
            if term.operator is eq and term.right.effective_value is not None:
                return {term.right.effective_value}
            if term.operator is in_op and term.right.effective_value is not None:
                return set(term.right.effective_value)
    return None


@event.listens_for(Session, "after_commit")
def _forget_committed(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending is not None:
        caches, changes = pending
        caches.forget(changes)


@event.listens_for(Session, "after_rollback")
def _drop_rolled_back(session: Session) -> None:
    session.info.pop(_PENDING, None)
