"""The DNS side of "Check DNS": ask a resolver, compare, and say in plain words what was found.

Nothing here touches the database. Timeouts are short: a partner waits for the answer.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

import dns.exception
import dns.resolver

TIMEOUT = 1.5  # seconds per try
LIFETIME = 3.0  # seconds per question, tries included


@dataclass(frozen=True)
class DnsCheck:
    verified: bool
    summary: str


@dataclass
class _Answer:
    values: list[str] = field(default_factory=list)
    nxdomain: bool = False
    problem: str = ""  # a timeout or server failure: the answer says nothing either way


class _Unreachable(Exception):
    pass


def make_resolver(address: str) -> dns.resolver.Resolver:
    """A resolver for "host:port" ("[v6]:port", or a bare host on port 53); "" = the system's."""
    if address:
        host, port = _split_address(address)
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [host]
        resolver.port = port
    else:
        resolver = dns.resolver.Resolver()
    resolver.timeout = TIMEOUT
    resolver.lifetime = LIFETIME
    resolver.cache = None
    return resolver


def _split_address(address: str) -> tuple[str, int]:
    address = address.strip()
    if address.startswith("["):
        host, _, rest = address[1:].partition("]")
        return host, int(rest.lstrip(":") or 53)
    if address.count(":") == 1:
        host, port = address.split(":")
        return host, int(port)
    return address, 53


def check_records(
    host: str, *, txt_name: str, token: str, ipv4: str, ipv6: str, cname: str,
    resolver_address: str,
) -> DnsCheck:
    """Verified when the host points at the platform AND the TXT record holds the token."""
    try:
        resolver = make_resolver(resolver_address)
        txt = _ask(resolver, txt_name, "TXT")
        aliases = _ask(resolver, host, "CNAME")
        v4 = _ask(resolver, host, "A")
        v6 = _ask(resolver, host, "AAAA")
    except _Unreachable as error:
        return DnsCheck(False, f"Not checked: {error} Try again in a minute.")
    except (dns.exception.DNSException, ValueError, OSError):
        return DnsCheck(False, "Not checked: the platform could not reach a DNS server.")

    points = _points_at_platform(aliases, v4, v6, ipv4=ipv4, ipv6=ipv6, cname=cname)
    txt_ok = token in txt.values
    if points and txt_ok:
        return DnsCheck(True, f"Verified: {points}, and the TXT record at {txt_name} matches.")
    problems = []
    if not points:
        if aliases.nxdomain and v4.nxdomain:
            problems.append(f"{host} does not exist in DNS (NXDOMAIN)")
        else:
            found = _found(aliases, v4, v6)
            problems.append(
                f"{host} does not point at the platform (found {found}; expected A {ipv4}, "
                f"AAAA {ipv6} or CNAME {cname})"
            )
    if not txt_ok:
        if txt.values:
            shown = ", ".join(f"“{value[:40]}”" for value in txt.values[:3])
            problems.append(f"the TXT record at {txt_name} does not hold the token (found {shown})")
        else:
            problems.append(f"there is no TXT record at {txt_name}")
    summary = "Not verified yet: " + "; ".join(problems) + "."
    return DnsCheck(False, summary[0:1].upper() + summary[1:])


def _ask(resolver: dns.resolver.Resolver, name: str, rdtype: str) -> _Answer:
    try:
        answer = resolver.resolve(name, rdtype, raise_on_no_answer=False, search=False)
    except dns.resolver.NXDOMAIN:
        return _Answer(nxdomain=True)
    except dns.resolver.NoNameservers:
        raise _Unreachable("the DNS server failed to answer (SERVFAIL).") from None
    except dns.exception.Timeout:
        raise _Unreachable("the DNS server did not answer in time.") from None
    if answer.rrset is None:
        return _Answer()
    return _Answer(values=[_text(rdata, rdtype) for rdata in answer.rrset])


def _text(rdata, rdtype: str) -> str:
    if rdtype == "TXT":
        return b"".join(rdata.strings).decode("utf-8", "replace")
    if rdtype == "CNAME":
        return rdata.target.to_text().rstrip(".").lower()
    return rdata.to_text()


def _points_at_platform(
    aliases: _Answer, v4: _Answer, v6: _Answer, *, ipv4: str, ipv6: str, cname: str
) -> str:
    """What points at the platform, in words, or "" when nothing does."""
    if cname.lower() in aliases.values:
        return f"CNAME to {cname}"
    if ipv4 and any(_same_ip(value, ipv4) for value in v4.values):
        return f"A record {ipv4}"
    if ipv6 and any(_same_ip(value, ipv6) for value in v6.values):
        return f"AAAA record {ipv6}"
    return ""


def _same_ip(a: str, b: str) -> bool:
    try:
        return ipaddress.ip_address(a) == ipaddress.ip_address(b)
    except ValueError:
        return False


def _found(aliases: _Answer, v4: _Answer, v6: _Answer) -> str:
    parts = [f"CNAME {value}" for value in aliases.values]
    parts += [f"A {value}" for value in v4.values] + [f"AAAA {value}" for value in v6.values]
    return ", ".join(parts[:4]) if parts else "no A, AAAA or CNAME record"
