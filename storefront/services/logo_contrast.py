"""Whether a partner's logo can be seen on its storefront's header colour.

A logo is judged the way WCAG judges graphics (1.4.11, non-text contrast, 3:1): each visible pixel
(at least half opaque, composited over the header) against the header colour. The logo is hard to
see when less than half of those pixels reach 3:1: a blue wordmark on a blue header shows only its
yellow initials, a white logo on a white header shows nothing. Counting pixels, rather than
comparing one average colour, keeps a two-colour logo (dark text on a light plate) from looking
grey and failing for nothing.

Only raster images can be read pixel by pixel. Uploads are PNG, JPEG, WebP or GIF (SVG is refused
at upload: services/assets.py), so every logo can be checked; an image Pillow cannot open is not
judged rather than guessed at.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from storefront import palette
from storefront.models import Partner
from storefront.services.assets import find_asset
from storefront.services.branding import relative_luminance, suggest_foreground

NON_TEXT_CONTRAST = 3.0
ENOUGH_VISIBLE = 0.5  # share of the logo's visible pixels that must stand out from the header
SAMPLE_SIDE = 160  # pixels per side looked at: plenty for a share, cheap on a 4000px upload
VISIBLE_ALPHA = 128


@dataclass(frozen=True)
class LogoContrast:
    header: str  # the header background, #rrggbb
    ink: str  # the logo's average visible colour over the header, #rrggbb
    standing_out: float  # share of its visible pixels at 3:1 or more against the header
    suggestion: str  # the header colour nearest to the current one that the ink stands out on

    @property
    def hard_to_see(self) -> bool:
        return self.standing_out < ENOUGH_VISIBLE

    @property
    def message(self) -> str:
        version = "lighter" if relative_luminance(self.ink) < relative_luminance(self.header) else (
            "darker")
        return (
            f"Only {self.standing_out:.0%} of your logo stands out from the header background "
            f"({self.header}) at the {NON_TEXT_CONTRAST:g}:1 contrast WCAG asks for graphics, so "
            f"visitors may not see it. Upload a {version} version of the logo, or try "
            f"{self.suggestion} for the header background."
        )


def logo_contrast(data: bytes, header: str) -> LogoContrast | None:
    """How the image stands out on `header` (#rrggbb); None when it has nothing to judge."""
    try:
        with Image.open(io.BytesIO(data)) as opened:
            image = opened.convert("RGBA")
    except (UnidentifiedImageError, OSError, ValueError):
        return None
    image.thumbnail((SAMPLE_SIDE, SAMPLE_SIDE))
    backdrop = Image.new("RGBA", image.size, _rgb(header) + (255,))
    shown = Image.alpha_composite(backdrop, image).convert("RGB")
    header_luminance = relative_luminance(header)
    visible = standing_out = 0
    totals = [0, 0, 0]
    rgb = shown.tobytes()
    pixels = zip(rgb[0::3], rgb[1::3], rgb[2::3], strict=True)
    for alpha, pixel in zip(image.getchannel("A").tobytes(), pixels, strict=True):
        if alpha < VISIBLE_ALPHA:
            continue
        visible += 1
        totals = [total + channel for total, channel in zip(totals, pixel, strict=True)]
        if _ratio(_luminance(pixel), header_luminance) >= NON_TEXT_CONTRAST:
            standing_out += 1
    if not visible:
        return None
    ink = "#" + "".join(f"{round(total / visible):02x}" for total in totals)
    return LogoContrast(
        header=header,
        ink=ink,
        standing_out=standing_out / visible,
        suggestion=suggest_foreground(header, ink, NON_TEXT_CONTRAST),
    )


def check_logo(partner: Partner) -> LogoContrast | None:
    """The partner's logo on its header colour; None without a logo (the name is text)."""
    if not partner.logo_sha:
        return None
    asset = find_asset(partner, partner.logo_sha)
    if asset is None:
        return None
    return logo_contrast(asset.data, palette.effective(partner.palette)["header"])


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _linear(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


_LINEAR = tuple(_linear(value) for value in range(256))


def _luminance(pixel: tuple[int, int, int]) -> float:
    r, g, b = pixel
    return 0.2126 * _LINEAR[r] + 0.7152 * _LINEAR[g] + 0.0722 * _LINEAR[b]


def _ratio(a: float, b: float) -> float:
    return (max(a, b) + 0.05) / (min(a, b) + 0.05)
