"""Domain search over a partner's TLD group, and the group's price table.

Used by the storefront's /search page and by the domain-search and pricing frames. A search parses
what the visitor typed against the TLDs the partner sells, then asks the registries about the
exact domain, every TLD of the group and the suggestion candidates in ONE `check_availability`
call, so a 20-TLD group is one round trip per backend. A backend that does not answer in time
makes only its own TLDs "unknown". Bad input never raises: it comes back as `SearchResult.error`.
Reads only; nothing is written, so there is nothing to flush.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from flask import current_app

from billing import pricing
from storefront import domain_names
from storefront.domain_names import (
    DomainQueryError,
    ParsedDomain,
    idn_allowed_under,
    name_allowed_under,
    parse_query,
    tld_script_clash,
)
from storefront.i18n import N_, join, ngettext
from storefront.i18n import gettext as _
from storefront.registrars import Availability, AvailabilityState, check_availability
from storefront.services.partner_catalogue import Catalogue, GroupView, catalogue, to_unicode
from storefront.tenancy import Tenant

__all__ = ["DomainOffer", "GroupNotFound", "GroupView", "SearchResult", "price_table", "search"]

DEFAULT_TIMEOUT = 5.0
MAX_SUGGESTIONS = 12
SUGGESTION_CANDIDATES = 30  # asked in the same batch; only the available ones are shown
SUGGESTION_GROUP_TLDS = 3  # the group's first TLDs, then the partner's most popular ones
SUGGESTION_POPULAR_TLDS = 3
MAX_TLD_PARAM = 100
ALL_EXTENSIONS = GroupView(slug="", name=N_("All extensions"), is_default=True)  # name: gettext
TRY_AGAIN = N_("We couldn't check this name just now. Please try again in a moment.")
TRY_AGAIN_SLOW = N_("The registry didn't answer in time. Please try again in a moment.")
NOT_ASKED = AvailabilityState.UNKNOWN


class GroupNotFound(LookupError):
    """A group slug this partner doesn't have (views answer 404)."""


@dataclass(frozen=True)
class DomainOffer:
    domain: str  # ASCII, punycode for IDN: "xn--w-uga1v8h.pl"
    domain_unicode: str  # "żółw.pl"
    tld: str  # ASCII tld: "pl", "com.pl"
    state: str  # "available" | "taken" | "premium" | "unknown"
    price_minor: int | None  # the partner's 1-year register price; None when not registrable
    regular_price_minor: int | None  # struck through when a promotion applies (promotions: later)
    transfer_price_minor: int | None  # offered for taken domains
    currency: str
    min_years: int
    max_years: int
    is_exact: bool  # the domain the visitor typed
    reason: str | None  # why unknown ("try again"), shown to the visitor

    @property
    def is_idn(self) -> bool:
        return self.domain != self.domain_unicode

    @property
    def can_register(self) -> bool:
        return self.state in ("available", "premium") and self.price_minor is not None


@dataclass(frozen=True)
class SearchResult:
    query: str
    error: str | None = None  # a message in plain words, or None
    error_code: str | None = None
    closest: tuple[str, ...] = ()  # closest offered TLDs when the typed TLD is not offered
    group: GroupView | None = None
    groups: tuple[GroupView, ...] = ()  # all of the partner's groups, to switch without retyping
    name: str | None = None
    name_unicode: str | None = None
    exact: DomainOffer | None = None  # first when a TLD was typed (also when not in the group)
    offers: tuple[DomainOffer, ...] = ()  # every TLD of the group, in group order, exact left out
    suggestions: tuple[DomainOffer, ...] = ()  # when the name is taken: available variants only
    suggestions_title: str = ""  # what the suggestions are for: where the name is taken
    alternatives: tuple[str, ...] = ()  # e.g. "myshop", "my-shop" for "my shop"
    warnings: tuple[str, ...] = ()  # e.g. look-alike letters, spaces removed
    closest_unicode: tuple[str, ...] = ()  # `closest` as a visitor reads them
    alternatives_unicode: tuple[str, ...] = ()  # `alternatives` as a visitor reads them

    @property
    def name_taken(self) -> bool:
        """Whether the visitor's name is taken (or premium) where they looked for it."""
        looked_at = (self.exact,) if self.exact else self.offers
        return any(offer.state in ("taken", "premium") for offer in looked_at if offer)


def search(partner: Tenant, query: str, group_slug: str | None = None, *, tld: str | None = None,
           timeout: float | None = None, subscriber: Any | None = None) -> SearchResult:
    """Search `query` across the partner's group (its default group when `group_slug` is None).

    `tld`, when given and the query names none, is the extension the visitor picked separately.
    Raises GroupNotFound for a slug the partner doesn't have; everything else is in the result.
    Prices are the subscriber's price group's (a visitor's: the default group's) with today's
    promotions, the regular price kept to strike through (`billing.pricing`).
    """
    cat = catalogue(partner)
    price_group = pricing.group_of(partner, subscriber)
    group, group_tlds = _pick_group(cat, group_slug)
    result = SearchResult(query=str(query or "")[:1000].strip(), group=group,
                          groups=cat.group_views)
    try:
        parsed = _parse(str(query or ""), tld, cat)
    except DomainQueryError as error:
        return _refused(result, error, str(query or ""), cat)
    if timeout is None:
        timeout = float(current_app.config.get("AVAILABILITY_TIMEOUT", DEFAULT_TIMEOUT))

    idn = cat.idn_allowed
    exact_domain = parsed.domain
    group_domains = {parsed.under(t): t for t in group_tlds
                     if t != parsed.tld and name_allowed_under(parsed.name, t, idn)}
    asked = ({exact_domain: parsed.tld} if exact_domain and parsed.tld else {}) | group_domains
    candidates = {domain: t for domain, t in _candidates(parsed, group_tlds, cat).items()
                  if domain not in asked}
    answers = _check(cat, asked | candidates, timeout)

    def offer(domain: str, tld_name: str, is_exact: bool = False) -> DomainOffer:
        row = pricing.promoted_row(partner, cat.tlds[tld_name], group=price_group)
        return _offer(domain, row, answers.get(domain), is_exact)

    result = replace(
        result,
        name=parsed.name,
        name_unicode=parsed.name_unicode,
        exact=offer(exact_domain, parsed.tld, True) if exact_domain and parsed.tld else None,
        offers=tuple(offer(domain, t) for domain, t in group_domains.items()),
        alternatives=parsed.alternatives,
        alternatives_unicode=tuple(to_unicode(name) for name in parsed.alternatives),
        warnings=(parsed.warnings + _idn_warnings(parsed, group_tlds, idn)
                  + _script_warnings(parsed, group_tlds, idn)),
    )
    if result.name_taken:
        found = (offer(domain, t) for domain, t in candidates.items())
        available = [o for o in found if o.state == "available"]
        result = replace(result, suggestions=tuple(available[:MAX_SUGGESTIONS]),
                         suggestions_title=_suggestions_title(result))
    return result


def price_table(partner: Tenant,
                group_slug: str | None = None) -> tuple[GroupView, list[dict[str, Any]]]:
    """The group's prices in group order: the default group when `group_slug` is None (a partner
    without groups gets every TLD it sells, popular first, as "All extensions")."""
    cat = catalogue(partner)
    group, tlds = _pick_group(cat, group_slug)
    keys = ("tld", "tld_unicode", "register_minor", "renew_minor", "transfer_minor", "currency",
            "min_years", "max_years")
    price_group = pricing.group_of(partner, None)
    rows = []
    for name in tlds:
        row = pricing.promoted_row(partner, cat.tlds[name], group=price_group)
        rows.append({key: row[key] for key in (*keys, "regular_register_minor")})
    return group or replace(ALL_EXTENSIONS, name=_(ALL_EXTENSIONS.name)), rows


# -- steps -----------------------------------------------------------------------------------------


def _pick_group(cat: Catalogue, slug: str | None) -> tuple[GroupView | None, tuple[str, ...]]:
    found = cat.group(slug)
    if found is not None:
        return found
    if slug:
        raise GroupNotFound(slug)
    return None, cat.popular  # a partner without groups: everything it sells, popular first


def _parse(query: str, tld: str | None, cat: Catalogue) -> ParsedDomain:
    parsed = parse_query(query, cat.tlds.keys(), cat.idn_allowed)
    picked = (tld or "").strip().lstrip(".")[:MAX_TLD_PARAM]
    if not picked or parsed.tld is not None:
        return parsed  # a TLD typed into the query wins over one picked beside it
    with_tld = parse_query(f"{parsed.name}.{picked}", cat.tlds.keys(), cat.idn_allowed)
    if with_tld.name != parsed.name or with_tld.tld is None:
        raise DomainQueryError(_("We don't offer .%(tld)s.", tld=picked), "tld_not_offered")
    return replace(parsed, tld=with_tld.tld, tld_unicode=with_tld.tld_unicode)


def _refused(result: SearchResult, error: DomainQueryError, query: str,
             cat: Catalogue) -> SearchResult:
    result = replace(result, error=error.message, error_code=error.code, closest=error.closest,
                     closest_unicode=tuple(to_unicode(t) for t in error.closest))
    if error.code != "tld_not_offered":
        return result
    # Name the visitor's name, so the closest offers can be links to that name under them.
    head = query.strip().rstrip(".").rsplit(".", 1)[0]
    try:
        name = parse_query(head, cat.tlds.keys(), cat.idn_allowed)
    except DomainQueryError:
        return result
    return replace(result, name=name.name, name_unicode=name.name_unicode)


def _candidates(parsed: ParsedDomain, group_tlds: tuple[str, ...],
                cat: Catalogue) -> dict[str, str]:
    """Suggestion domains to ask about with everything else: variants of the name under the
    typed TLD, the group's first TLDs and the partner's most popular ones."""
    tlds = [parsed.tld] if parsed.tld else []
    tlds += group_tlds[:SUGGESTION_GROUP_TLDS]
    tlds += [t for t in cat.popular if t not in tlds][:SUGGESTION_POPULAR_TLDS]
    tlds = list(dict.fromkeys(tlds))
    # "my shop" is suggested from its words, so variants of both myshop and my-shop come up
    # (suggestions() leaves out the spelling it is given).
    words = (to_unicode(parsed.alternatives[-1]).replace("-", " ") if parsed.alternatives
             else parsed.name_unicode)
    found: dict[str, str] = {}
    for domain in domain_names.suggestions(words, tlds, limit=SUGGESTION_CANDIDATES):
        label, tld_name = domain.split(".", 1)
        if tld_name in cat.tlds and name_allowed_under(label, tld_name, cat.idn_allowed):
            found[domain] = tld_name
    return found


def _check(cat: Catalogue, domains: dict[str, str], timeout: float) -> dict[str, Availability]:
    """One availability call for every domain, grouped by the backend serving its TLD."""
    if not domains:
        return {}
    by_backend: dict[str, list[str]] = {}
    for domain, tld_name in domains.items():
        by_backend.setdefault(cat.tlds[tld_name]["backend"], []).append(domain)
    return check_availability(by_backend, timeout)


def _offer(domain: str, row: dict[str, Any], answer: Availability | None,
           is_exact: bool) -> DomainOffer:
    state = answer.state if answer is not None else NOT_ASKED
    price: int | None = None
    currency = row["currency"]
    if state is AvailabilityState.AVAILABLE:
        price = row["register_minor"]
    elif state is AvailabilityState.PREMIUM and answer is not None:
        # The registry's premium price, already in minor units; without one, no cart button.
        price = answer.price_minor
        currency = answer.currency or currency
    return DomainOffer(
        domain=domain,
        domain_unicode=to_unicode(domain),
        tld=row["tld"],
        state=state.value,
        price_minor=price,
        regular_price_minor=_regular_price(row, price),
        transfer_price_minor=row["transfer_minor"] if state is AvailabilityState.TAKEN else None,
        currency=currency,
        min_years=row["min_years"],
        max_years=row["max_years"],
        is_exact=is_exact,
        reason=_visitor_reason(answer) if state is AvailabilityState.UNKNOWN else None,
    )


def _regular_price(row: dict[str, Any], price: int | None) -> int | None:
    """The price to strike through when a promotion lowers `price` (`pricing.promoted_row`)."""
    regular = row.get("regular_register_minor")
    return regular if price is not None and regular is not None and regular > price else None


def _visitor_reason(answer: Availability | None) -> str:
    # The registry's own words may name hosts or EPP codes: the visitor gets plain ones.
    if answer is not None and answer.reason and "in time" in answer.reason:
        return _(TRY_AGAIN_SLOW)
    return _(TRY_AGAIN)


def _idn_warnings(parsed: ParsedDomain, group_tlds: tuple[str, ...],
                  idn: dict[str, bool]) -> tuple[str, ...]:
    if not parsed.is_idn:
        return ()
    left_out = [t for t in group_tlds
                if t != parsed.tld and not idn_allowed_under(parsed.name, t, idn)]
    if not left_out:
        return ()
    shown = ", ".join(f".{to_unicode(t)}" for t in left_out)
    return (_("Names with accented or non-Latin letters can't be registered under %(tlds)s, "
              "so we left those out.", tlds=shown),)


def _script_warnings(parsed: ParsedDomain, group_tlds: tuple[str, ...],
                     idn: dict[str, bool]) -> tuple[str, ...]:
    """Why a TLD written in another script (.онлайн for a Latin name) is not among the results."""
    warnings = []
    for tld in group_tlds:
        if tld == parsed.tld or not idn_allowed_under(parsed.name, tld, idn):
            continue
        script = tld_script_clash(parsed.name, tld)
        if script:
            warnings.append(_("We left out .%(tld)s: it accepts %(script)s names only.",
                              tld=to_unicode(tld), script=script))
    return tuple(warnings)


def _suggestions_title(result: SearchResult) -> str:
    """What the suggestions are for, naming only the extensions where the name is really taken."""
    if result.exact is not None:
        if result.exact.state == "premium":
            return _("%(domain)s is a premium domain. How about one of these?",
                     domain=result.exact.domain_unicode)
        return _("%(domain)s is taken. How about one of these?",
                 domain=result.exact.domain_unicode)
    name = result.name_unicode or ""
    taken = [offer for offer in result.offers if offer.state == "taken"]
    free = sum(offer.state == "available" for offer in result.offers)
    if not taken:  # only premium ones
        premium = join([f".{to_unicode(o.tld)}" for o in result.offers if o.state == "premium"])
        return _("%(name)s is a premium domain under %(tlds)s. How about one of these?",
                 name=name, tlds=premium)
    if len(taken) == len(result.offers):
        return _("%(name)s is taken under every extension here. How about one of these?",
                 name=name)
    tlds = join([f".{to_unicode(offer.tld)}" for offer in taken])
    if free:
        return ngettext(
            "%(name)s is taken under %(tlds)s, but still free under %(num)d other extension "
            "above. Or how about one of these?",
            "%(name)s is taken under %(tlds)s, but still free under %(num)d other extensions "
            "above. Or how about one of these?",
            free, name=name, tlds=tlds)
    return _("%(name)s is taken under %(tlds)s. How about one of these?", name=name, tlds=tlds)
