"""A partner's branding: logo, favicon, theme, palette, allowed frame origins, contact details.

Every function takes the partner first, changes it only when all of its input is valid, and
flushes; the request commits. Contrast warnings never block saving a palette: they tell the partner
which text would be hard to read and suggest the nearest colour that is not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from publicsuffixlist import PublicSuffixList

from storefront import palette, themes
from storefront.db import db
from storefront.models import Asset, Partner
from storefront.services import assets
from storefront.services.errors import InvalidInput
from storefront.tenancy import normalise_host

AA_NORMAL_TEXT = 4.5
MAX_FRAME_ORIGINS = 20
PHONE = re.compile(r"^\+?[0-9 ()./-]{3,40}$")


# --- logo and favicon --------------------------------------------------------------------------


def set_logo(partner: Partner, upload: assets.Upload) -> Asset:
    asset = assets.store_image(partner, upload, field="logo")
    partner.logo_sha = asset.sha256
    db.session.flush()
    return asset


def set_favicon(partner: Partner, upload: assets.Upload) -> Asset:
    asset = assets.store_image(partner, upload, field="favicon", formats=assets.FAVICON_FORMATS)
    partner.favicon_sha = asset.sha256
    db.session.flush()
    return asset


def remove_logo(partner: Partner) -> None:
    partner.logo_sha = None
    db.session.flush()


def remove_favicon(partner: Partner) -> None:
    partner.favicon_sha = None
    db.session.flush()


# --- theme -------------------------------------------------------------------------------------


def set_theme(partner: Partner, slug: str) -> None:
    if slug not in themes.available():
        raise InvalidInput("Choose one of the themes listed.", "theme")
    partner.theme = slug
    db.session.flush()


# --- palette and contrast ----------------------------------------------------------------------


@dataclass(frozen=True)
class ContrastWarning:
    foreground: str  # slot names
    background: str
    ratio: float
    slot: str  # the slot the suggestion is for: the foreground, or the background of the pair
    suggestion: str  # a colour for that slot that brings the pair to AA

    @property
    def message(self) -> str:
        fg_label = palette.SLOTS[self.foreground][0]
        bg_label = palette.SLOTS[self.background][0]
        return (
            f"{fg_label} on {bg_label.lower()} has a contrast of {self.ratio:.2f}:1, below the "
            f"{AA_NORMAL_TEXT}:1 that WCAG AA asks for text. Try {self.suggestion} for "
            f"{palette.SLOTS[self.slot][0].lower()}."
        )


def set_palette(partner: Partner, values: Mapping[str, str]) -> list[ContrastWarning]:
    """Save every slot (all must be #rrggbb); returns the pairs that fall below AA contrast."""
    chosen = {slot: parse_colour(slot, values.get(slot)) for slot in palette.SLOTS}
    partner.palette = chosen
    db.session.flush()
    return contrast_warnings(chosen, partner.theme)


def set_palette_slot(partner: Partner, slot: str, value: str) -> list[ContrastWarning]:
    """Change one slot (e.g. to apply a suggested colour), keeping the others."""
    if slot not in palette.SLOTS:
        raise InvalidInput("Unknown colour slot.", "slot")
    current = palette.effective(partner.palette)
    current[slot] = parse_colour(slot, value)
    return set_palette(partner, current)


def parse_colour(slot: str, value: object) -> str:
    """`#rrggbb` in lower case, or InvalidInput naming the slot (no CSS ever gets through)."""
    text = value.strip().lower() if isinstance(value, str) else ""
    if not palette.HEX.match(text):
        label = palette.SLOTS[slot][0] if slot in palette.SLOTS else slot
        shown = text if len(text) <= 40 else text[:40] + "…"
        raise InvalidInput(
            f"{label}: “{shown}” is not a colour. Use the form #rrggbb, e.g. #2450a6.", slot
        )
    return text


def contrast_warnings(colours: Mapping[str, str] | None, theme: str) -> list[ContrastWarning]:
    """The text pairs that the partner's theme and frames paint below AA, each with a fix."""
    effective = palette.effective(colours)
    warnings = []
    for fg, bg in palette.text_pairs(theme):
        ratio = contrast_ratio(effective[fg], effective[bg])
        if ratio < AA_NORMAL_TEXT:
            slot = palette.ADJUSTED_SLOT.get((fg, bg), fg)
            other = effective[bg if slot == fg else fg]
            warnings.append(
                ContrastWarning(fg, bg, ratio, slot, suggest_foreground(effective[slot], other))
            )
    return warnings


def relative_luminance(colour: str) -> float:
    """WCAG 2 relative luminance of `#rrggbb`."""

    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    la, lb = relative_luminance(a), relative_luminance(b)
    lighter, darker = max(la, lb), min(la, lb)
    return (lighter + 0.05) / (darker + 0.05)


def suggest_foreground(fg: str, bg: str, target: float = AA_NORMAL_TEXT) -> str:
    """The colour nearest to `fg`, darkened or lightened, that reaches `target` against `bg`.

    Against any background either black or white reaches 4.58:1, so one direction always works.
    """
    best: tuple[int, str] | None = None
    for toward in ((0, 0, 0), (255, 255, 255)):
        for step in range(256):
            candidate = _mix(fg, toward, step / 255)
            if contrast_ratio(candidate, bg) >= target:
                if best is None or step < best[0]:
                    best = (step, candidate)
                break
    return best[1] if best else "#000000"


def _mix(colour: str, toward: tuple[int, int, int], amount: float) -> str:
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    mixed = [round(c + (t - c) * amount) for c, t in zip(rgb, toward, strict=True)]
    return "#" + "".join(f"{c:02x}" for c in mixed)


# --- frame origins -----------------------------------------------------------------------------


def set_frame_origins(partner: Partner, lines: str | Iterable[str]) -> list[str]:
    """The origins allowed to embed the partner's frames; one bad origin refuses them all."""
    items = lines.splitlines() if isinstance(lines, str) else list(lines)
    origins: list[str] = []
    for line in items:
        line = line.strip()
        if not line:
            continue
        origin = normalise_origin(line)
        if origin not in origins:
            origins.append(origin)
    if len(origins) > MAX_FRAME_ORIGINS:
        raise InvalidInput(
            f"List at most {MAX_FRAME_ORIGINS} origins; use https://*.example.com for many "
            "subdomains of one site.",
            "frame_origins",
        )
    partner.frame_origins = origins
    db.session.flush()
    return origins


def normalise_origin(raw: str) -> str:
    """`scheme://host[:port]` in lower case, punycode, without a default port, or InvalidInput."""

    def refuse(reason: str) -> InvalidInput:
        shown = raw if len(raw) <= 80 else raw[:80] + "…"
        return InvalidInput(f"“{shown}” is not an allowed origin: {reason}", "frame_origins")

    if any(c in raw for c in " \t\"';,`<>\\") or not raw.isprintable():
        raise refuse("it contains spaces or punctuation an origin cannot have.")
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError:
        raise refuse("the port is not a number from 1 to 65535.") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not raw.lower().startswith(scheme + "://"):
        raise refuse("give the scheme and host, like https://www.example.com.")
    if parts.path not in ("", "/") or parts.query or parts.fragment or raw.endswith(("?", "#")):
        raise refuse("give only the scheme, host and port, with no path.")
    if parts.username is not None or "@" in parts.netloc:
        raise refuse("it may not contain a user name or password.")
    host = (parts.hostname or "").rstrip(".")
    wildcard = host.startswith("*.")
    if wildcard:
        host = host[2:]
    if "*" in host:
        raise refuse("a wildcard is allowed only as the first label, as in https://*.example.com.")
    normalised = normalise_host(host)
    if normalised is None or not normalised:
        raise refuse("the host name is not valid.")
    if wildcard and scheme != "https":
        raise refuse("a wildcard needs https, as in https://*.example.com.")
    # Every single-label name is public too (the list's default rule), so *.com is refused here.
    if wildcard and _public_suffixes().is_public(normalised):
        raise refuse(f"{normalised} is a public suffix, under which anyone can have a site; "
                     f"name your own domain, as in https://*.example.com.")
    default_port = 443 if scheme == "https" else 80
    suffix = f":{port}" if port is not None and port != default_port else ""
    if port == 0:
        raise refuse("the port is not a number from 1 to 65535.")
    return f"{scheme}://{'*.' if wildcard else ''}{normalised}{suffix}"


@cache
def _public_suffixes() -> PublicSuffixList:
    """The Public Suffix List shipped in the `publicsuffixlist` package (ICANN and private
    entries, so *.github.io is refused too; nothing is downloaded). Read on first use."""
    return PublicSuffixList()


# --- contact details ---------------------------------------------------------------------------


def set_contact(partner: Partner, email: str, phone: str, address: str) -> None:
    email = (email or "").strip()
    if email:
        try:
            email = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError as error:
            message = f"That e-mail address is not valid: {error}"
            raise InvalidInput(message, "contact_email") from None
    phone = " ".join((phone or "").split())
    if phone and not PHONE.match(phone):
        raise InvalidInput(
            "Give a phone number with digits, spaces, +, -, ( and ) only, at most 40 characters.",
            "contact_phone",
        )
    address = "\n".join(line.strip() for line in (address or "").strip().splitlines())
    if len(address) > 300:
        raise InvalidInput("Keep the address under 300 characters.", "contact_address")
    if any(not c.isprintable() for c in address.replace("\n", "")):
        raise InvalidInput(
            "The address contains characters that cannot be shown.", "contact_address"
        )
    partner.contact_email = email
    partner.contact_phone = phone
    partner.contact_address = address
    db.session.flush()
