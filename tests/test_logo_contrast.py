"""A logo must be seen on the storefront's header: the panel previews it on the header colour and
warns when it would vanish there; the demo partners' own logos pass."""

from __future__ import annotations

import html
import io

import pytest
from PIL import Image, ImageDraw
from sqlalchemy import select

from storefront import palette
from storefront.db import db
from storefront.demo import load_demo
from storefront.models import Asset, Partner
from storefront.services.branding import contrast_ratio
from storefront.services.logo_contrast import logo_contrast
from tests.test_uploads import acme, upload

BLUE = "#1f4fa3"


def wordmark(ink: str, plate: str | None = None, badge: str | None = None) -> bytes:
    """A 240×80 logo: a word in `ink` on a transparent (or `plate`) ground, with an optional
    square badge on its left."""
    image = Image.new("RGBA", (240, 80), plate or (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if badge:
        draw.rectangle((0, 0, 79, 79), fill=badge)
    draw.rectangle((100, 25, 230, 55), fill=ink)  # the word, as a block of ink
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("logo", "header", "hard_to_see"),
    [
        (wordmark("#ffffff"), "#ffffff", True),  # a white logo on a white header
        (wordmark(BLUE, badge=BLUE), BLUE, True),  # Acme's old logo: blue on blue
        (wordmark("#1b2433"), "#ffffff", False),
        (wordmark("#ffffff", badge="#f2a900"), BLUE, False),
        (wordmark(BLUE, plate="#ffffff"), BLUE, False),  # dark text on a light plate shows
    ],
)
def test_a_logo_is_judged_by_how_much_of_it_stands_out(logo, header, hard_to_see):
    check = logo_contrast(logo, header)
    assert check is not None and check.hard_to_see is hard_to_see
    if hard_to_see:
        assert contrast_ratio(check.suggestion, check.ink) >= 3


def test_nothing_to_judge_is_not_judged():
    assert logo_contrast(b"<svg xmlns='http://www.w3.org/2000/svg'/>", BLUE) is None
    assert logo_contrast(wordmark("#000000", plate="#00000000"), BLUE) is not None
    empty = io.BytesIO()
    Image.new("RGBA", (10, 10), (0, 0, 0, 0)).save(empty, "PNG")
    assert logo_contrast(empty.getvalue(), BLUE) is None  # fully transparent


@pytest.fixture
def acme_admin(client, two_partners, login):
    login(client, two_partners["acme_owner"])
    return client


def branding_page(client) -> str:
    return html.unescape(client.get("/panel/acme/branding").get_data(as_text=True))


def test_the_panel_shows_the_logo_on_the_header_and_warns_when_it_vanishes(acme_admin):
    colours = {slot: default for slot, (_label, default) in palette.SLOTS.items()}
    acme_admin.post("/panel/acme/branding/palette", data={**colours, "header": "#ffffff",
                                                            "header_text": "#1d2330"})
    assert upload(acme_admin, "logo", wordmark("#ffffff"), "logo.png").status_code == 302

    page = branding_page(acme_admin)
    assert 'id="logo-preview"' in page and "On your header background, #ffffff." in page
    assert "#logo-preview{" in page.replace(",#logo-preview{", "#logo-preview{")  # its colours
    assert "of your logo stands out from the header background (#ffffff)" in page
    assert "Upload a darker version of the logo" in page
    suggestion = page.split("Use ", 1)[1].split(" for the header background")[0]
    assert contrast_ratio(suggestion, "#ffffff") >= 3

    # The suggested header colour is one click away, and the warning goes with it.
    acme_admin.post("/panel/acme/branding/palette/suggestion",
                    data={"slot": "header", "colour": suggestion})
    assert acme().palette["header"] == suggestion
    assert "stands out from the header background" not in branding_page(acme_admin)


def test_a_logo_that_shows_gets_no_warning(acme_admin):
    upload(acme_admin, "logo", wordmark("#ffffff", badge="#f2a900"), "logo.png")
    page = branding_page(acme_admin)
    assert 'id="logo-preview"' in page
    assert "stands out from the header background" not in page


def test_the_demo_logos_stand_out_on_their_headers(app):
    load_demo()
    db.session.commit()
    for partner in db.session.scalars(select(Partner).order_by(Partner.slug)):
        logo = db.session.scalar(select(Asset).where(Asset.partner_id == partner.id,
                                                     Asset.sha256 == partner.logo_sha))
        check = logo_contrast(logo.data, palette.effective(partner.palette)["header"])
        assert check is not None and not check.hard_to_see, (partner.slug, check)
