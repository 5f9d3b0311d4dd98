"""Logos, ads and contact details that make the demo partners look like two different businesses.

The images are drawn with Pillow and stored through the assets service like any upload. Called
once, when `flask demo` first creates a partner.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta

from PIL import Image, ImageDraw, ImageFont

from storefront import palette
from storefront.db import db
from storefront.models import Partner
from storefront.services import ads, branding
from storefront.services.assets import Upload


@dataclass(frozen=True)
class Look:
    initials: str
    badge: str  # badge colour
    ink: str  # initials colour
    word: str  # the name beside the badge
    word_ink: str
    round: bool
    email: str
    phone: str
    address: str
    banner: tuple[str, str, str]  # title, text, link
    sidebar: tuple[str, str, str]  # title (alt text), caption drawn on the image, link


LOOKS = {
    # Acme's header is blue (#1f4fa3): a yellow badge and a white wordmark read on it.
    "acme": Look(
        "AH", "#f2a900", "#1b2433", "Acme Hosting", "#ffffff", round=False,
        email="hello@acme.example.com", phone="+48 22 100 20 30",
        address="ul. Prosta 1\n00-838 Warszawa",
        banner=("Spring sale: .pl domains for PLN 9.99",
                "Register before the end of the month and the first year costs almost nothing.",
                "https://acme.example.com/spring"),
        sidebar=("Business hosting with free SSL", "Hosting + SSL\nfrom PLN 19.00\na month",
                 "https://acme.example.com/hosting"),
    ),
    "globex": Look(
        "G", "#0b6e4f", "#fbfaf5", "globex domains", "#0b6e4f", round=True,
        email="team@globex.example.com", phone="+48 61 400 50 60",
        address="ul. Długa 7\n61-001 Poznań",
        banner=("Move your domains to Globex",
                "Transfer three or more domains and we add a year to each of them.",
                "https://globex.example.com/transfer"),
        sidebar=("Premium .com names", "Premium .com\nnames inside",
                 "https://globex.example.com/premium"),
    ),
}


def decorate(partner: Partner) -> None:
    look = LOOKS.get(partner.slug) or _look_for(partner)
    branding.set_contact(partner, look.email, look.phone, look.address)
    branding.set_logo(partner, _png(_logo(look), "logo.png"))
    branding.set_favicon(partner, _png(_badge(look, 64), "favicon.png"))
    today = date.today()
    banner_title, banner_text, banner_link = look.banner
    ads.create_ad(partner, ads.AdInput(
        kind="text", title=banner_title, body=banner_text, link_url=banner_link,
        placement="banner", starts_on=today - timedelta(days=1),
        ends_on=today + timedelta(days=365),
    ))
    side_title, side_caption, side_link = look.sidebar
    ads.create_ad(
        partner,
        ads.AdInput(kind="image", title=side_title, link_url=side_link, placement="sidebar"),
        image=_png(_ad_image(look, side_caption), "ad.png"),
    )
    db.session.flush()


def _look_for(partner: Partner) -> Look:
    """Any other partner created by the demo gets a plain look from its name, in the colours of
    its header, so the logo reads there."""
    words = partner.name.split()
    initials = "".join(word[0] for word in words[:2]).upper() or partner.slug[:2].upper()
    colours = palette.effective(partner.palette)
    return Look(
        initials, colours["button"], colours["button_text"], partner.name,
        colours["header_text"], round=False,
        email="", phone="", address="",
        banner=(f"Welcome to {partner.name}", "Domains, SSL and hosting in one place.", ""),
        sidebar=(partner.name, partner.name, ""),
    )


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=size)
    except (OSError, ValueError):  # Pillow without FreeType: the small bitmap font
        return ImageFont.load_default()


def _badge(look: Look, side: int) -> Image.Image:
    image = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    box = (0, 0, side - 1, side - 1)
    if look.round:
        draw.ellipse(box, fill=look.badge)
    else:
        draw.rounded_rectangle(box, radius=side // 6, fill=look.badge)
    size = int(side * (0.62 if len(look.initials) == 1 else 0.46))
    draw.text((side / 2, side / 2), look.initials, font=_font(size), fill=look.ink, anchor="mm")
    return image


def _logo(look: Look) -> Image.Image:
    height = 96
    font = _font(40)
    probe = ImageDraw.Draw(Image.new("RGBA", (1, 1)))
    text_width = int(probe.textlength(look.word, font=font))
    image = Image.new("RGBA", (height + 24 + text_width + 8, height), (0, 0, 0, 0))
    image.alpha_composite(_badge(look, height))
    ImageDraw.Draw(image).text(
        (height + 24, height / 2), look.word, font=font, fill=look.word_ink, anchor="lm"
    )
    return image


def _ad_image(look: Look, caption: str) -> Image.Image:
    image = Image.new("RGB", (300, 250), look.badge)
    draw = ImageDraw.Draw(image)
    draw.rectangle((12, 12, 287, 237), outline=look.ink, width=4)
    draw.multiline_text(
        (150, 125), caption, font=_font(30), fill=look.ink, anchor="mm", align="center",
        spacing=10,
    )
    return image


def _png(image: Image.Image, filename: str) -> Upload:
    out = io.BytesIO()
    image.save(out, "PNG")
    return Upload(out.getvalue(), filename, "image/png")
