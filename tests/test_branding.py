"""The branding page: theme, palette with contrast warnings, frame origins, contact, and roles."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from storefront import palette
from storefront.db import db
from storefront.models import Partner
from storefront.services.branding import contrast_ratio, relative_luminance, suggest_foreground
from tests.conftest import page_with_palette

INJECTION = "red;}</style><script>alert(1)</script>"


@pytest.fixture
def acme_admin(client, two_partners, login, make_user):
    admin = make_user("admin@acme.example.com", two_partners["acme"], role="admin")
    login(client, admin)
    return client


def acme() -> Partner:
    db.session.expire_all()
    return db.session.scalar(select(Partner).where(Partner.slug == "acme"))


def full_palette(**changes: str) -> dict[str, str]:
    colours = {slot: default for slot, (_label, default) in palette.SLOTS.items()}
    colours.update(changes)
    return colours


# --- the page and roles ------------------------------------------------------------------------


def test_branding_page_shows_every_section(acme_admin):
    response = acme_admin.get("/panel/acme/branding")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    for text in ("Logo", "Favicon", "Classic", "Minimal", "Live preview",
                 "Sites allowed to embed your frames", "acme.localhost", "Contact details"):
        assert text in page
    assert 'type="color"' in page
    assert re.search(r'<script src="/static/platform/palette\.[0-9a-f]+\.js" defer>', page)
    # Nothing inline that the CSP would block: no style attributes, no inline scripts.
    assert " style=" not in page
    assert re.search(r"<script(?![^>]*\bsrc=)", page) is None


def test_an_editor_cannot_open_branding(client, two_partners, make_user, login):
    editor = make_user("editor@acme.example.com", two_partners["acme"], role="editor")
    login(client, editor)
    assert client.get("/panel/acme/branding").status_code == 403
    response = client.post("/panel/acme/branding/theme", data={"theme": "minimal"})
    assert response.status_code == 403
    assert acme().theme == "classic"
    assert "Branding" not in client.get("/panel/acme/").get_data(as_text=True)


def test_another_partners_staff_get_404(client, two_partners, login):
    login(client, two_partners["globex_owner"])
    assert client.get("/panel/acme/branding").status_code == 404
    response = client.post("/panel/acme/branding/palette", data=full_palette(text="#000000"))
    assert response.status_code == 404
    assert acme().palette == {}


# --- theme -------------------------------------------------------------------------------------


def test_choose_theme_changes_the_storefront(acme_admin, host_client):
    response = acme_admin.post("/panel/acme/branding/theme", data={"theme": "minimal"})
    assert response.status_code == 302
    assert acme().theme == "minimal"
    home = host_client("acme.localhost").get("/").get_data(as_text=True)
    assert "/static/minimal/" in home


def test_unknown_theme_is_refused(acme_admin):
    response = acme_admin.post("/panel/acme/branding/theme", data={"theme": "../../etc"})
    assert response.status_code == 400
    assert "Choose one of the themes listed." in response.get_data(as_text=True)
    assert acme().theme == "classic"


# --- palette -----------------------------------------------------------------------------------


def test_palette_is_saved_and_reaches_the_storefront(acme_admin, host_client):
    colours = full_palette(primary="#AA3300", header="#123456")
    response = acme_admin.post("/panel/acme/branding/palette", data=colours)
    assert response.status_code == 302
    assert acme().palette["primary"] == "#aa3300"
    home = page_with_palette(host_client("acme.localhost"))
    assert "--primary:#aa3300" in home and "--header:#123456" in home
    # Globex's storefront keeps its own colours.
    assert "#aa3300" not in page_with_palette(host_client("globex.localhost"))


@pytest.mark.parametrize(
    "bad", [INJECTION, "red", "#abc", "#12345g", "#1234567", "rgb(0,0,0)", "", "#12 345"]
)
def test_a_value_that_is_not_a_colour_is_refused_and_nothing_changes(acme_admin, bad):
    acme_admin.post("/panel/acme/branding/palette", data=full_palette(primary="#101010"))
    before = acme().palette

    response = acme_admin.post(
        "/panel/acme/branding/palette", data=full_palette(primary=bad, text="#000000")
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Primary:" in page and "is not a colour" in page and "#rrggbb" in page
    assert "<script>alert(1)</script>" not in page
    assert acme().palette == before


def test_the_injection_never_reaches_a_stylesheet(acme_admin, host_client):
    own = full_palette(primary="#123456", link="#0a3d7a")
    assert acme_admin.post("/panel/acme/branding/palette", data=own).status_code == 302
    refused = acme_admin.post("/panel/acme/branding/palette", data={**own, "link": INJECTION})
    assert refused.status_code == 400
    home = page_with_palette(host_client("acme.localhost"))
    assert "alert(1)" not in home
    # the positive control: the stylesheet was read, and it holds the partner's own colours
    assert "--primary:#123456" in home and "--link:#0a3d7a" in home


def test_a_missing_slot_is_refused(acme_admin):
    colours = full_palette()
    del colours["button_text"]
    response = acme_admin.post("/panel/acme/branding/palette", data=colours)
    assert response.status_code == 400
    assert "Button text:" in response.get_data(as_text=True)
    assert acme().palette == {}


def test_low_contrast_is_saved_with_a_warning_and_a_suggestion_that_passes(acme_admin):
    response = acme_admin.post(
        "/panel/acme/branding/palette", data=full_palette(text="#aaaaaa", background="#ffffff"),
        follow_redirects=True,
    )
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert acme().palette["text"] == "#aaaaaa"  # a warning does not block saving
    match = re.search(r"Text on page background has a contrast of ([\d.]+):1.*?Try (#[0-9a-f]{6})",
                      page, re.S)
    assert match, page
    ratio, suggestion = float(match.group(1)), match.group(2)
    assert ratio == pytest.approx(contrast_ratio("#aaaaaa", "#ffffff"), abs=0.01) and ratio < 4.5
    assert contrast_ratio(suggestion, "#ffffff") >= 4.5
    assert f"Use {suggestion} for text" in page

    # The button applies it: the warning for that pair goes away.
    response = acme_admin.post(
        "/panel/acme/branding/palette/suggestion", data={"slot": "text", "colour": suggestion},
        follow_redirects=True,
    )
    assert acme().palette["text"] == suggestion
    assert "Text on page background has a contrast" not in response.get_data(as_text=True)


def test_banner_text_on_the_accent_colour_is_checked(acme_admin):
    """The classic theme paints banner ads in the text colour on the accent colour."""
    colours = full_palette(text="#1d2330", accent="#2b3040")
    response = acme_admin.post("/panel/acme/branding/palette", data=colours, follow_redirects=True)
    page = html.unescape(response.get_data(as_text=True))
    match = re.search(
        r"Text on accent has a contrast of ([\d.]+):1.*?Try (#[0-9a-f]{6}) for accent", page, re.S
    )
    assert match, page
    suggestion = match.group(2)
    assert contrast_ratio(suggestion, "#1d2330") >= 4.5
    assert f"Use {suggestion} for accent" in page
    assert "Text on page background has" not in page  # the text colour itself is fine

    # The suggestion changes the accent, not the text colour every page is written in.
    response = acme_admin.post(
        "/panel/acme/branding/palette/suggestion", data={"slot": "accent", "colour": suggestion},
        follow_redirects=True,
    )
    assert acme().palette["accent"] == suggestion and acme().palette["text"] == "#1d2330"
    assert "Every text colour reaches" in response.get_data(as_text=True)


def test_warnings_name_only_pairs_the_partners_theme_and_frames_paint(acme_admin):
    # Header text in the primary colour: unreadable on the classic theme's hero and table heads,
    # never painted by the minimal theme or the frames.
    colours = full_palette(primary="#0b6e4f", header="#fbfaf5", header_text="#0b6e4f")
    acme_admin.post("/panel/acme/branding/palette", data=colours)
    classic = acme_admin.get("/panel/acme/branding").get_data(as_text=True)
    assert "Header text on primary has a contrast of 1.00:1" in classic
    acme_admin.post("/panel/acme/branding/theme", data={"theme": "minimal"})
    minimal = acme_admin.get("/panel/acme/branding").get_data(as_text=True)
    assert "Header text on primary" not in minimal
    assert "Every text colour reaches" in minimal


def test_a_forged_suggestion_is_refused(acme_admin):
    response = acme_admin.post(
        "/panel/acme/branding/palette/suggestion", data={"slot": "text", "colour": INJECTION}
    )
    assert response.status_code == 400
    assert "Text:" in response.get_data(as_text=True)
    assert acme().palette == {}


def test_good_contrast_has_no_warning(acme_admin):
    response = acme_admin.post("/panel/acme/branding/palette", data=full_palette(),
                               follow_redirects=True)
    assert "Every text colour reaches" in response.get_data(as_text=True)


def test_contrast_arithmetic_matches_wcag():
    assert relative_luminance("#ffffff") == pytest.approx(1.0)
    assert relative_luminance("#000000") == pytest.approx(0.0)
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    for fg, bg in [("#777777", "#ffffff"), ("#ffff00", "#ffffff"), ("#202020", "#000000"),
                   ("#808080", "#808080"), ("#ffffff", "#e0a100")]:
        suggestion = suggest_foreground(fg, bg)
        assert contrast_ratio(suggestion, bg) >= 4.5, (fg, bg, suggestion)
    # The nearest passing colour: #777777 on white needs only a nudge darker.
    assert suggest_foreground("#777777", "#ffffff") == "#767676"


# --- frame origins -----------------------------------------------------------------------------


def test_frame_origins_are_normalised_and_saved(acme_admin):
    text = ("https://WWW.Example.com/\nhttp://localhost:8000\nhttps://shop.example.com:443\n\n"
            "https://*.partner.pl\nhttps://bücher.de\nhttps://www.example.com\n"
            "https://*.shop.co.uk\nhttps://*.acme.github.io")
    response = acme_admin.post("/panel/acme/branding/frames", data={"frame_origins": text})
    assert response.status_code == 302
    assert acme().frame_origins == [
        "https://www.example.com", "http://localhost:8000", "https://shop.example.com",
        "https://*.partner.pl", "https://xn--bcher-kva.de", "https://*.shop.co.uk",
        "https://*.acme.github.io",
    ]
    page = acme_admin.get("/panel/acme/branding").get_data(as_text=True)
    assert "http://localhost:8000" in page


@pytest.mark.parametrize(
    "bad,reason",
    [
        ("*", "give the scheme and host"),
        ("example.com", "give the scheme and host"),
        ("javascript:alert(1)", "give the scheme and host"),
        ("ftp://example.com", "give the scheme and host"),
        ("https://example.com/shop", "no path"),
        ("https://example.com?x=1", "no path"),
        ("https://*.com", "com is a public suffix"),
        ("http://*.example.com", "a wildcard needs https"),
        ("https://*.co.uk", "co.uk is a public suffix"),
        ("https://*.com.pl", "com.pl is a public suffix"),
        ("https://*.pl", "pl is a public suffix"),
        ("https://*.waw.pl", "waw.pl is a public suffix"),
        ("https://*.github.io", "github.io is a public suffix"),
        ("https://*.рф", "xn--p1ai is a public suffix"),
        ("https://a*.example.com", "a wildcard is allowed only as the first label"),
        ("https://example.com 'unsafe-inline'", "spaces or punctuation"),
        ("https://example.com;script-src *", "spaces or punctuation"),
        ("https://user:pw@example.com", "user name or password"),
        ("https://example.com:99999", "port"),
    ],
)
def test_bad_frame_origins_are_refused_and_nothing_changes(acme_admin, bad, reason):
    acme_admin.post("/panel/acme/branding/frames", data={"frame_origins": "https://ok.example"})
    response = acme_admin.post(
        "/panel/acme/branding/frames", data={"frame_origins": f"https://fine.example\n{bad}"}
    )
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert "is not an allowed origin" in page and reason in page
    assert acme().frame_origins == ["https://ok.example"]


# --- contact details ---------------------------------------------------------------------------


def test_contact_details_are_saved(acme_admin):
    response = acme_admin.post(
        "/panel/acme/branding/contact",
        data={"contact_email": "Sales@Acme.example.com", "contact_phone": " +48  22 100 20 30 ",
              "contact_address": "ul. Prosta 1\n00-001 Warszawa"},
    )
    assert response.status_code == 302
    partner = acme()
    assert partner.contact_email.lower() == "sales@acme.example.com"
    assert partner.contact_phone == "+48 22 100 20 30"
    assert partner.contact_address == "ul. Prosta 1\n00-001 Warszawa"


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("contact_email", "not-an-email", "That e-mail address is not valid"),
        ("contact_phone", "call me <b>maybe</b>", "Give a phone number"),
        ("contact_address", "x" * 301, "Keep the address under 300 characters"),
    ],
)
def test_bad_contact_details_are_refused(acme_admin, field, value, message):
    data = {"contact_email": "sales@acme.example.com", "contact_phone": "", "contact_address": ""}
    data[field] = value
    response = acme_admin.post("/panel/acme/branding/contact", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert acme().contact_email == "" and acme().contact_phone == ""
