"""A partner's palette: named colour slots, their defaults, and the CSS custom properties of themes.

Every value is `#rrggbb`, checked on the way in (services/branding.py) and again on the way out,
so nothing but a colour ever reaches a stylesheet.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

HEX = re.compile(r"^#[0-9a-f]{6}$")

# slot -> (label, default)
SLOTS: dict[str, tuple[str, str]] = {
    "primary": ("Primary", "#2450a6"),
    "accent": ("Accent", "#e0a100"),
    "background": ("Page background", "#ffffff"),
    "surface": ("Cards and panels", "#f3f5f9"),
    "text": ("Text", "#1d2330"),
    "header": ("Header background", "#2450a6"),
    "header_text": ("Header text", "#ffffff"),
    "link": ("Links", "#2450a6"),
    "button": ("Buttons", "#2450a6"),
    "button_text": ("Button text", "#ffffff"),
}

# (foreground, background) pairs that must reach WCAG AA contrast for normal text (4.5:1).
TEXT_PAIRS: tuple[tuple[str, str], ...] = (
    ("text", "background"),
    ("text", "surface"),
    ("link", "background"),
    ("header_text", "header"),
    ("button_text", "button"),
)


def effective(palette: Mapping[str, str] | Iterable[tuple[str, str]] | None) -> dict[str, str]:
    """The partner's colours over the defaults; anything that is not #rrggbb falls back."""
    chosen = dict(palette or {})
    result = {}
    for slot, (_label, default) in SLOTS.items():
        value = str(chosen.get(slot, "")).lower()
        result[slot] = value if HEX.match(value) else default
    return result


def css_variables(palette: dict | tuple | None) -> str:
    """`:root{--primary:#…;…}` for a <style> element or a stylesheet."""
    colours = effective(palette)
    body = ";".join(f"--{slot.replace('_', '-')}:{value}" for slot, value in colours.items())
    return f":root{{{body}}}"
