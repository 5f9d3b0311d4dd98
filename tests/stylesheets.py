"""The palette colours the storefront's stylesheets paint, read from the CSS files themselves.

Used by the contrast tests: every theme's stylesheets (by theme slug) and the frames' (`frames`).
A rule paints text when it sets `color` or a background (`background`, `background-color`,
`background-image`) to a palette slot: `.banner-ads{background:var(--accent);color:var(--text)}`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from storefront import palette

ROOT = Path(__file__).resolve().parent.parent
SLOT_VAR = re.compile(r"var\(--([a-z-]+)\)")
BACKGROUND_PROPERTIES = ("background", "background-color", "background-image")


@dataclass(frozen=True)
class Rule:
    selectors: tuple[str, ...]
    foreground: str | None  # the slot of `color`, if a palette slot
    backgrounds: tuple[str, ...]  # the slots of its background (a gradient has several)

    def pairs(self) -> set[tuple[str, str]]:
        """The pairs the rule paints by itself: its own colour on its own background."""
        return {(self.foreground, bg) for bg in self.backgrounds} if self.foreground else set()


def stylesheets() -> dict[str, list[Path]]:
    """Stylesheet files by what paints with them: each theme's slug, and `frames`."""
    themes = [folder for folder in sorted((ROOT / "themes").iterdir())
              if (folder / "theme.json").is_file()]
    sheets = {folder.name: sorted((folder / "static").glob("*.css")) for folder in themes}
    sheets[palette.FRAMES] = [ROOT / "widgets" / "static" / "frame.css"]
    return sheets


def palette_rules(css: str) -> list[Rule]:
    """Every rule (inside @media blocks too) that sets a text or background colour to a slot."""
    rules = []
    for selector_text, body in _blocks(re.sub(r"/\*.*?\*/", "", css, flags=re.S)):
        foreground, backgrounds = None, []
        for declaration in body.split(";"):
            name, _colon, value = declaration.partition(":")
            name = name.strip().lower()
            slots = [slot.replace("-", "_") for slot in SLOT_VAR.findall(value)]
            slots = [slot for slot in slots if slot in palette.SLOTS]
            if name == "color" and slots:
                foreground = slots[0]
            elif name in BACKGROUND_PROPERTIES and slots:
                backgrounds.extend(slots)
        if foreground or backgrounds:
            selectors = tuple(s.strip() for s in selector_text.split(",") if s.strip())
            rules.append(Rule(selectors, foreground, tuple(backgrounds)))
    return rules


def _blocks(css: str) -> list[tuple[str, str]]:
    """(selector, declarations) of every style rule, descending into at-rule blocks."""
    found, position = [], 0
    while (opening := css.find("{", position)) != -1:
        prelude = css[position:opening].strip()
        closing = _matching_brace(css, opening)
        inner = css[opening + 1:closing]
        if prelude.startswith("@"):
            found.extend(_blocks(inner))
        else:
            found.append((prelude, inner))
        position = closing + 1
    return found


def _matching_brace(css: str, opening: int) -> int:
    depth = 0
    for index in range(opening, len(css)):
        depth += {"{": 1, "}": -1}.get(css[index], 0)
        if depth == 0:
            return index
    raise ValueError("unbalanced braces in a stylesheet")
