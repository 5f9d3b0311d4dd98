"""Whether a browser's origin is on a partner's list of frame origins, matched as CSP
`frame-ancestors` matches its host sources (CSP3 §6.7.2.8), so the frames accept exactly the pages
the browser lets embed them.

The list holds what the panel stored (storefront/services/branding.py, `normalise_origin`):
`scheme://host[:port]` in lower case, punycode, the port only when it is not the scheme's default,
and a wildcard only as `https://*.` + a name that is not a public suffix. `https://*.example.com`
matches `https://a.example.com` and `https://a.b.example.com`, never `https://example.com`; the
scheme must be the same; the port must be the listed one, or the scheme's default if none is
listed. widgets/static/frame.js has the same matcher for the browser side.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

DEFAULT_PORTS = {"http": 80, "https": 443}
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
# scheme://[*.]host[:port] and nothing else: no userinfo, path, query or fragment; LDH labels.
_ORIGIN = re.compile(rf"(https?)://(\*\.)?({_LABEL}(?:\.{_LABEL})*)(?::([0-9]{{1,5}}))?")


def parse_origin(raw: str, wildcard: bool = False) -> tuple[str, bool, str, int] | None:
    """(scheme, is_wildcard, host, port) of `scheme://host[:port]`, the port made explicit; None
    for anything else. A `*.` before the host only with `wildcard` (a listed origin)."""
    match = _ORIGIN.fullmatch(raw.lower()) if raw.isascii() else None
    if match is None or (match[2] and not wildcard):
        return None
    scheme, star, host, port = match.groups()
    number = int(port) if port else DEFAULT_PORTS[scheme]
    if len(host) > 253 or not 0 < number < 65536:
        return None
    return scheme, bool(star), host, number


def canonical_origin(raw: str) -> str | None:
    """A browser's origin as the panel stores one (no default port), or None if it is not one.
    Surrounding spaces and a trailing slash are forgiven."""
    parsed = parse_origin(raw.strip().rstrip("/"))
    if parsed is None:
        return None
    scheme, _star, host, port = parsed
    return f"{scheme}://{host}" + ("" if port == DEFAULT_PORTS[scheme] else f":{port}")


def origin_allowed(origin: str, allowed: Iterable[str]) -> bool:
    """Whether a page at `origin` matches one of the `allowed` origins, as frame-ancestors would."""
    seen = parse_origin(origin.strip().rstrip("/"))
    if seen is None:
        return False
    scheme, _star, host, port = seen
    for source in allowed:
        listed = parse_origin(source, wildcard=True)
        if listed is None or listed[0] != scheme or listed[3] != port:
            continue
        if host.endswith("." + listed[2]) if listed[1] else host == listed[2]:
            return True
    return False
