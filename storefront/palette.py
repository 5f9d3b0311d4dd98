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

# Every (foreground, background) pair of slots that a stylesheet paints as text, by stylesheet: each
# theme's (by slug) and the frames' (shown by every partner, whatever its theme). The contrast check
# reads these lists and nothing else; tests/test_palette_pairs.py parses the stylesheets and fails
# when one paints a pair that is missing here.
FRAMES = "frames"
PAINTED_PAIRS: dict[str, tuple[tuple[str, str], ...]] = {
    "classic": (
        ("text", "background"),
        ("text", "surface"),
        ("text", "accent"),  # the banner ads
        ("link", "background"),
        ("link", "surface"),  # the footer, notices, the search box's card
        ("primary", "background"),  # premium results
        ("primary", "surface"),  # sidebar ad titles
        ("header_text", "header"),
        ("header_text", "primary"),  # the hero, price table heads, the chosen group tab
        ("button_text", "button"),
    ),
    "minimal": (
        ("text", "background"),
        ("text", "surface"),
        ("link", "background"),
        ("link", "surface"),
        ("header_text", "header"),
        ("button_text", "button"),
    ),
    FRAMES: (
        ("text", "background"),
        ("text", "surface"),
        ("link", "background"),
        ("link", "surface"),
        ("primary", "background"),  # frame titles
        ("button_text", "button"),  # buttons and the chosen group
    ),
}
DEFAULT_THEME = "classic"
# The slot a contrast suggestion changes, when not the foreground: the one whose other uses suffer
# least (darkening all text to suit one banner colour would spoil the rest of the page).
ADJUSTED_SLOT = {("text", "accent"): "accent", ("header_text", "primary"): "primary"}


def text_pairs(theme: str) -> tuple[tuple[str, str], ...]:
    """The pairs visitors of a partner on `theme` read: its theme's and its frames'."""
    pairs = PAINTED_PAIRS.get(theme, PAINTED_PAIRS[DEFAULT_THEME]) + PAINTED_PAIRS[FRAMES]
    return tuple(dict.fromkeys(pairs))


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
