"""The nameservers a subscriber types for a domain, checked before a registry is asked.

A list is 2 to 13 host names (what registries accept), one a line or separated by spaces or
commas. Each is a host name: letters, digits and hyphens in dot-separated labels, at least two
labels, not an IP address; lower-cased, without a trailing dot, an IDN in punycode (UTS 46 via
`idna`). The same host twice is refused. Digits are the ASCII 0-9 only, as everywhere a person
types (storefront/numbers.py): "ns١.example.pl" is refused rather than turned into punycode.
"""

from __future__ import annotations

import ipaddress
import re

import idna

from storefront.i18n import gettext as _

MIN_NAMESERVERS = 2
MAX_NAMESERVERS = 13
MAX_TEXT_LENGTH = 4000  # 13 names of 253 characters with their separators, and room to spare
MAX_HOST_LENGTH = 253
MAX_LABEL_LENGTH = 63

_SEPARATORS = re.compile(r"[\s,;]+")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")


class NameserversRefused(ValueError):
    """The typed list cannot be used; `messages` say why, each naming the entry at fault."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


def parse_nameservers(text: str) -> list[str]:
    """The host names in `text`, in the order typed, or NameserversRefused."""
    if "\x00" in text:
        raise NameserversRefused([_("The nameservers contain a character that cannot be "
                                    "part of a host name.")])
    if len(text) > MAX_TEXT_LENGTH:
        raise NameserversRefused([_("That is far too long for a list of nameservers.")])
    entries = [entry for entry in _SEPARATORS.split(text.strip()) if entry]
    messages: list[str] = []
    hosts: list[str] = []
    for entry in entries:
        try:
            host = host_name(entry)
        except NameserversRefused as refused:
            messages.extend(refused.messages)
            continue
        if host in hosts:
            messages.append(_("“%(host)s” is given twice.", host=entry))
        else:
            hosts.append(host)
    if not messages and not MIN_NAMESERVERS <= len(entries) <= MAX_NAMESERVERS:
        messages.append(_("Give from %(min)d to %(max)d nameservers; you gave %(count)d.",
                          min=MIN_NAMESERVERS, max=MAX_NAMESERVERS, count=len(entries)))
    if messages:
        raise NameserversRefused(messages)
    return hosts


def host_name(entry: str) -> str:
    """One nameserver's host name as a registry takes it, or NameserversRefused."""
    shown = entry[:80]
    cleaned = entry.strip().rstrip(".").lower() if entry.strip() != "." else ""
    if not cleaned:
        raise NameserversRefused([_("“%(host)s” is not a host name.", host=shown)])
    if any(ch.isdigit() and not ch.isascii() for ch in cleaned):
        raise NameserversRefused([_("Type digits 0-9 in “%(host)s”.", host=shown)])
    if _is_ip_address(cleaned):
        raise NameserversRefused([_("“%(host)s” is an IP address; give the nameserver's host "
                                    "name (like ns1.example.com).", host=shown)])
    if ".." in cleaned or cleaned.startswith("."):
        raise NameserversRefused([_("“%(host)s” has an empty part between dots.", host=shown)])
    if not cleaned.isascii():
        try:
            cleaned = idna.encode(cleaned, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError):
            raise NameserversRefused([_("“%(host)s” is not a valid host name.", host=shown)]
                                     ) from None
    labels = cleaned.split(".")
    if len(labels) < 2:
        raise NameserversRefused([_("“%(host)s” needs a domain after the name (like "
                                    "ns1.example.com).", host=shown)])
    if len(cleaned) > MAX_HOST_LENGTH or any(len(label) > MAX_LABEL_LENGTH for label in labels):
        raise NameserversRefused([_("“%(host)s” is too long for a host name.", host=shown)])
    if not all(_LABEL.fullmatch(label) for label in labels):
        raise NameserversRefused([_("“%(host)s” is not a valid host name: use letters, digits "
                                    "and hyphens, with dots between the parts.", host=shown)])
    if labels[-1].isdigit():
        raise NameserversRefused([_("“%(host)s” does not end in a domain extension.",
                                    host=shown)])
    return cleaned


def _is_ip_address(text: str) -> bool:
    candidate = text.strip("[]")
    try:
        ipaddress.ip_address(candidate)
    except ValueError:
        return False
    return True
