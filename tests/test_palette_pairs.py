"""The contrast check covers what the stylesheets paint: every palette pair a CSS rule sets is in
palette.PAINTED_PAIRS, so a new pair cannot slip past it. (Pairs made by nesting, a link inside a
card, are measured in a real browser by tests/browser/test_palette_pairs.py.)"""

from __future__ import annotations

import pytest

from storefront import palette
from tests.stylesheets import Rule, palette_rules, stylesheets


def test_the_stylesheets_are_read():
    sheets = stylesheets()
    assert {"classic", "minimal", palette.FRAMES} <= set(sheets)
    classic = [rule for path in sheets["classic"] for rule in palette_rules(path.read_text())]
    # the banner ads: text on the accent colour, the pair the old check missed
    assert Rule((".banner-ads",), "text", ("accent",)) in classic
    # a gradient paints two backgrounds; rules inside @media count too
    assert any(rule.backgrounds == ("primary", "header") for rule in classic)
    assert any(".search-row input" in rule.selectors for rule in classic)


@pytest.mark.parametrize("sheet", sorted(stylesheets()))
def test_every_pair_a_stylesheet_paints_is_checked(sheet):
    checked = set(palette.PAINTED_PAIRS.get(sheet, ()))
    assert checked, f"palette.PAINTED_PAIRS has no entry for {sheet}"
    for path in stylesheets()[sheet]:
        for rule in palette_rules(path.read_text()):
            missing = rule.pairs() - checked
            assert not missing, f"{path.name}: {', '.join(rule.selectors)} paints {missing}"


def test_a_partner_is_checked_for_its_theme_and_its_frames():
    classic, minimal = palette.text_pairs("classic"), palette.text_pairs("minimal")
    assert ("text", "accent") in classic and ("text", "accent") not in minimal
    assert set(palette.PAINTED_PAIRS[palette.FRAMES]) <= set(minimal)
    assert palette.text_pairs("no-such-theme") == classic  # the theme a storefront falls back to
    for fg, bg in classic + minimal:
        assert fg in palette.SLOTS and bg in palette.SLOTS
