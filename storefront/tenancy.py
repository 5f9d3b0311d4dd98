"""Tenancy: which partner a request belongs to, and the scoped getters every partner query uses.

- `resolve_host(host)` normalises the Host header and finds the platform or one partner with one
  indexed query, memoised on the request (`g.host_match`) and cached per process (`caches.py`):
  a commit that changes a partner or its domains drops that partner's hosts in this process, and
  other processes look the host up again within `HOST_CACHE_SECONDS`.
- `partner_cached(partner_id, key, load, built_from)` keeps what a storefront shows the same way,
  dropped when the partner's data of those kinds changes, and at most `HOST_CACHE_SECONDS` old.
- `get_for_partner(Model, id, partner_id)` and `scoped(Model, partner_id)` name their tenant.
- Services take the partner first, as `partner`, typed by what they do with it. One that only
  reads it (its id, slug, name, storefront address) takes a `Tenant`: the ORM `Partner` on the
  panel, or on a storefront the cached `Site`, which must not cost a query to load the ORM row.
  One that changes the partner's own row (branding, status, domains) takes `Partner`. `Site.id` is
  the partner's id under the name `Tenant` gives it, not a pretence: a Site is a snapshot of one
  Partner.
- While `g.tenant_id` is set, a `with_loader_criteria` backstop adds `partner_id = tenant` to every
  ORM select of a partner-owned model, so a forgotten filter cannot leak another partner's rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import idna
from flask import abort, current_app, g, has_app_context
from sqlalchemy import Row, Select, bindparam, event, select
from sqlalchemy.orm import Session, aliased, with_loader_criteria

from storefront.caches import ALL_KINDS, SITE, caches_of
from storefront.db import db, prepared, read_committed
from storefront.models import Partner, PartnerDomain, PartnerOwned
from storefront.models.partner import raw_host

M = TypeVar("M", bound=PartnerOwned)

_HOST_CHARS = re.compile(r"^[a-z0-9.\-]+$")
_NOT_CACHED = object()
_BUILT_FROM_SITE = frozenset({SITE})


class Tenant(Protocol):
    """The partner as a service that only reads it sees it; `Partner` and `Site` both are one."""

    @property
    def id(self) -> int: ...

    @property
    def slug(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def primary_host(self) -> str: ...


@dataclass(frozen=True)
class Site:
    """A partner as its storefront needs it: cached per process, never an ORM object."""

    partner_id: int
    slug: str
    name: str
    suspended: bool
    theme: str
    palette: tuple[tuple[str, str], ...]
    logo_sha: str | None
    favicon_sha: str | None
    primary_host: str
    frame_origins: tuple[str, ...]
    contact_email: str
    contact_phone: str
    contact_address: str

    @property
    def id(self) -> int:
        """The partner's id: a Site is a Tenant."""
        return self.partner_id


@dataclass(frozen=True)
class HostMatch:
    site: Site | None  # None: the platform host
    host: str
    is_primary: bool = True


def normalise_host(raw: str | None) -> str | None:
    """Lower case, no port, no trailing dot, IDN as punycode; None when it cannot be a host name."""
    if not raw or len(raw) > 300:
        return None
    host = raw.strip().lower()
    if host.startswith("["):  # an IPv6 literal, never a storefront
        return None
    if host.count(":") == 1:
        host, port = host.split(":")
        if not port.isdigit():
            return None
    host = host.rstrip(".")
    if not host or "@" in host or any(c in host for c in "\r\n\t /\\"):
        return None
    if not host.isascii() or "xn--" in host:
        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except idna.IDNAError:
            return None
    if not _HOST_CHARS.match(host) or len(host) > 253 or ".." in host:
        return None
    return host


def public_url(host: str, path: str = "/") -> str:
    """An absolute URL on one of our hosts, for e-mails: never built from the request."""
    cfg = current_app.config
    port = str(cfg.get("PUBLIC_PORT") or "")
    suffix = f":{port}" if port and port not in ("80", "443") else ""
    return f"{cfg['PUBLIC_SCHEME']}://{host}{suffix}{path}"


def platform_url(path: str = "/") -> str:
    return public_url(current_app.config["PLATFORM_DOMAIN"], path)


def partner_url(partner: Tenant, path: str = "/") -> str:
    return public_url(partner.primary_host, path)


# --- host resolution -------------------------------------------------------------------------

def resolve_host(raw: str | None) -> HostMatch | None:
    if "host_match" in g:
        return g.host_match
    host = normalise_host(raw)
    match = _resolve_cached(host) if host else None
    g.host_match = match
    return match


def site_of_host(raw: str | None) -> Site | None:
    """The storefront any host names (not the request's own, which `resolve_host` keeps)."""
    host = normalise_host(raw)
    match = _resolve_cached(host) if host else None
    return match.site if match is not None else None


def _resolve_cached(host: str) -> HostMatch | None:
    platform = current_app.config["PLATFORM_DOMAIN"]
    if host == platform:
        return HostMatch(site=None, host=host)
    hosts = caches_of(current_app).hosts
    match = hosts.get(host, _NOT_CACHED)
    if match is not _NOT_CACHED:
        return match
    generation = hosts.generation
    match = _lookup(host, platform)
    partner_id = match.site.partner_id if match is not None and match.site is not None else None
    hosts.put(host, match, partner_id, _BUILT_FROM_SITE, generation)
    return match


def _host_lookup(by_slug: bool) -> Select:
    """The partner serving a host (by the slug of `<slug>.<platform>`, or by a verified custom
    domain) and its primary host, in one indexed query."""
    primary = aliased(PartnerDomain, name="primary_domain")
    query = select(
        Partner.id, Partner.slug, Partner.name, Partner.status, Partner.theme, Partner.palette,
        Partner.logo_sha, Partner.favicon_sha, Partner.frame_origins, Partner.contact_email,
        Partner.contact_phone, Partner.contact_address, primary.host.label("primary_host"),
    ).outerjoin(primary, (primary.partner_id == Partner.id) & primary.is_primary
                & primary.verified_at.is_not(None))
    if by_slug:
        return query.where(Partner.slug == bindparam("name"))
    return query.join(PartnerDomain, PartnerDomain.partner_id == Partner.id).where(
        PartnerDomain.host == bindparam("name"), PartnerDomain.verified_at.is_not(None))


_BY_SLUG, _BY_DOMAIN = prepared(_host_lookup(True)), prepared(_host_lookup(False))


def _lookup(host: str, platform: str) -> HostMatch | None:
    """Runs for every host not in the cache: a prepared query and no ORM objects."""
    suffix = "." + platform
    if host.endswith(suffix) and "." not in host[: -len(suffix)]:
        query, name = _BY_SLUG, host[: -len(suffix)]
    else:
        query, name = _BY_DOMAIN, host
    row = next(iter(read_committed(query, {"name": name})), None)
    if row is None:
        return None
    site = site_of(row, row.primary_host or raw_host(row.slug))
    return HostMatch(site=site, host=host, is_primary=site.primary_host == host)


def site_of(partner: Partner | Row, primary_host: str) -> Site:
    """The storefront of a partner: its ORM row on the panel, or the host lookup's plain row."""
    return Site(
        partner_id=partner.id,
        slug=partner.slug,
        name=partner.name,
        suspended=partner.status == "suspended",
        theme=partner.theme,
        palette=tuple(sorted((partner.palette or {}).items())),
        logo_sha=partner.logo_sha,
        favicon_sha=partner.favicon_sha,
        primary_host=primary_host,
        frame_origins=tuple(partner.frame_origins or ()),
        contact_email=partner.contact_email,
        contact_phone=partner.contact_phone,
        contact_address=partner.contact_address,
    )


def partner_cached(partner_id: int, key: str, load: Callable[[], Any],
                   built_from: frozenset[str] = ALL_KINDS) -> Any:
    """What `load()` returns, kept per process until the partner's data of the kinds it is built
    from changes (`caches.FEEDS`); a None is never kept."""
    content = caches_of(current_app).content
    value = content.get((partner_id, key))
    if value is None:
        generation = content.generation
        value = load()
        if value is not None:
            content.put((partner_id, key), value, partner_id, built_from, generation)
    return value


def partner_cache_put(partner_id: int, key: str, value: Any, built_from: frozenset[str],
                      generation: int) -> None:
    """Keep `value`, loaded when the content cache's `generation` was current (read it before the
    query), for a loader that fills several entries at once."""
    caches_of(current_app).content.put((partner_id, key), value, partner_id, built_from,
                                       generation)


def partner_cached_get(partner_id: int, key: str) -> Any:
    """The kept value, or None: for a caller that only wants to know."""
    return caches_of(current_app).content.get((partner_id, key))


# --- scoped getters --------------------------------------------------------------------------


def scoped(model: type[M], partner_id: int) -> Select[M]:
    return select(model).where(model.partner_id == partner_id)


def get_for_partner(model: type[M], object_id: Any, partner_id: int) -> M:
    """The partner's object with this id, or 404: never another partner's."""
    try:
        object_id = int(object_id)
    except (TypeError, ValueError):
        abort(404)
    obj = db.session.scalar(scoped(model, partner_id).where(model.id == object_id))
    if obj is None:
        abort(404)
    return obj


def enter_tenant(partner_id: int) -> None:
    """From here on, this request sees only this partner's rows."""
    g.tenant_id = partner_id


# --- the ORM backstop ------------------------------------------------------------------------


@event.listens_for(Session, "do_orm_execute")
def _scope_to_tenant(state) -> None:
    if not state.is_select or not has_app_context():
        return
    tenant_id = g.get("tenant_id")
    if tenant_id is None:
        return
    state.statement = state.statement.options(
        with_loader_criteria(
            PartnerOwned, lambda cls: cls.partner_id == tenant_id, include_aliases=True
        )
    )
