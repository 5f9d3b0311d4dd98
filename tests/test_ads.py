"""Ads in the panel: editors manage them, bad links and dates are refused, partners never mix."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from storefront.db import db
from storefront.models import Ad, Asset


def png(colour: str = "green") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 250), colour).save(out, "PNG")
    return out.getvalue()


def post_form(client, path: str, fields: dict, image: tuple[bytes, str] | None = None):
    values: dict = {key: value for key, value in fields.items() if value is not None}
    if image is not None:
        values["image"] = FileStorage(io.BytesIO(image[0]), filename=image[1])
    boundary, body = encode_multipart(values)
    return client.post(path, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def text_ad(**changes) -> dict:
    fields = {"kind": "text", "title": "Domains from 9 zł", "body": "This week only.",
              "link_url": "https://acme.example.com/promo", "placement": "banner",
              "starts_on": "", "ends_on": "", "enabled": "y"}
    fields.update(changes)
    return fields


def ads_of(partner) -> list[Ad]:
    db.session.expire_all()
    return list(db.session.scalars(select(Ad).where(Ad.partner_id == partner.id).order_by(Ad.id)))


@pytest.fixture
def acme_editor(client, two_partners, make_user, login):
    editor = make_user("editor@acme.example.com", two_partners["acme"], role="editor")
    login(client, editor)
    return client


def test_editor_creates_a_text_ad_that_visitors_see(acme_editor, two_partners, host_client):
    response = post_form(acme_editor, "/panel/acme/ads/new", text_ad())
    assert response.status_code == 302
    [ad] = ads_of(two_partners["acme"])
    assert (ad.kind, ad.title, ad.placement, ad.enabled) == ("text", "Domains from 9 zł", "banner",
                                                            True)
    listing = acme_editor.get("/panel/acme/ads").get_data(as_text=True)
    assert "Domains from 9 zł" in listing and "active" in listing
    home = host_client("acme.localhost").get("/").get_data(as_text=True)
    assert "Domains from 9 zł" in home and "https://acme.example.com/promo" in home
    globex_home = host_client("globex.localhost").get("/").get_data(as_text=True)
    assert "Domains from 9 zł" not in globex_home


def test_image_ad_stores_its_image(acme_editor, two_partners, host_client):
    response = post_form(
        acme_editor, "/panel/acme/ads/new",
        text_ad(kind="image", title="Summer hosting", placement="sidebar"), image=(png(), "ad.png"),
    )
    assert response.status_code == 302
    [ad] = ads_of(two_partners["acme"])
    assert ad.image_sha
    assert acme_editor.get(f"/panel/acme/assets/{ad.image_sha}").status_code == 200
    home = host_client("acme.localhost").get("/").get_data(as_text=True)
    assert f"/assets/{ad.image_sha}" in home


def test_image_ad_without_an_image_is_refused(acme_editor, two_partners):
    response = post_form(acme_editor, "/panel/acme/ads/new", text_ad(kind="image"))
    assert response.status_code == 400
    assert "An image ad needs an image" in response.get_data(as_text=True)
    assert ads_of(two_partners["acme"]) == []


def test_image_ad_with_a_lying_image_is_refused(acme_editor, two_partners):
    response = post_form(acme_editor, "/panel/acme/ads/new", text_ad(kind="image"),
                         image=(png(), "ad.gif"))
    assert response.status_code == 400
    assert "really a PNG image" in response.get_data(as_text=True)
    assert ads_of(two_partners["acme"]) == []
    assert db.session.scalar(select(func.count()).select_from(Asset)) == 0


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "/relative/path",
        "//evil.example/x",
        "www.example.com",
        "ftp://example.com/file",
        "https://",
        "https://exa mple.com",
        "http://example.com:99999/",
    ],
)
def test_a_link_that_is_not_http_is_refused(acme_editor, two_partners, link):
    response = post_form(acme_editor, "/panel/acme/ads/new", text_ad(link_url=link))
    assert response.status_code == 400
    assert "starting with https:// or http://" in response.get_data(as_text=True)
    assert ads_of(two_partners["acme"]) == []


def test_end_before_start_is_refused(acme_editor, two_partners):
    response = post_form(acme_editor, "/panel/acme/ads/new",
                         text_ad(starts_on="2030-05-10", ends_on="2030-05-01"))
    assert response.status_code == 400
    assert "The end date is before the start date." in response.get_data(as_text=True)
    assert ads_of(two_partners["acme"]) == []


def test_a_date_that_is_not_a_date_is_refused(acme_editor, two_partners):
    response = post_form(acme_editor, "/panel/acme/ads/new", text_ad(starts_on="2030-13-45"))
    assert response.status_code == 400
    assert ads_of(two_partners["acme"]) == []


def test_unknown_placement_and_empty_text_ad_are_refused(acme_editor, two_partners):
    response = post_form(acme_editor, "/panel/acme/ads/new", text_ad(placement="popup"))
    assert response.status_code == 400
    assert "Choose where the ad appears." in response.get_data(as_text=True)
    response = post_form(acme_editor, "/panel/acme/ads/new", text_ad(title="", body=""))
    assert response.status_code == 400
    assert "A text ad needs a title or some text." in response.get_data(as_text=True)
    assert ads_of(two_partners["acme"]) == []


def test_edit_keeps_the_ad_unchanged_when_refused(acme_editor, two_partners):
    post_form(acme_editor, "/panel/acme/ads/new", text_ad())
    [ad] = ads_of(two_partners["acme"])
    form = acme_editor.get(f"/panel/acme/ads/{ad.id}/edit").get_data(as_text=True)
    assert "Domains from 9 zł" in form

    refused = post_form(acme_editor, f"/panel/acme/ads/{ad.id}/edit",
                        text_ad(title="Changed", link_url="javascript:alert(1)"))
    assert refused.status_code == 400
    assert ads_of(two_partners["acme"])[0].title == "Domains from 9 zł"

    saved = post_form(acme_editor, f"/panel/acme/ads/{ad.id}/edit",
                      text_ad(title="Changed", placement="account"))
    assert saved.status_code == 302
    [ad] = ads_of(two_partners["acme"])
    assert (ad.title, ad.placement) == ("Changed", "account")


def test_dates_decide_when_visitors_see_an_ad(acme_editor, host_client):
    today = date.today()
    post_form(acme_editor, "/panel/acme/ads/new", text_ad(
        title="Future offer", starts_on=(today + timedelta(days=3)).isoformat()))
    post_form(acme_editor, "/panel/acme/ads/new", text_ad(
        title="Past offer", starts_on=(today - timedelta(days=9)).isoformat(),
        ends_on=(today - timedelta(days=2)).isoformat()))
    post_form(acme_editor, "/panel/acme/ads/new", text_ad(
        title="Current offer", starts_on=today.isoformat(), ends_on=today.isoformat()))
    listing = acme_editor.get("/panel/acme/ads").get_data(as_text=True)
    assert "scheduled" in listing and "ended" in listing
    home = host_client("acme.localhost").get("/").get_data(as_text=True)
    assert "Current offer" in home
    assert "Future offer" not in home and "Past offer" not in home


def test_switch_off_and_on_and_delete(acme_editor, two_partners, host_client):
    post_form(acme_editor, "/panel/acme/ads/new", text_ad())
    [ad] = ads_of(two_partners["acme"])
    assert acme_editor.post(f"/panel/acme/ads/{ad.id}/toggle").status_code == 302
    assert ads_of(two_partners["acme"])[0].enabled is False
    assert "Domains from 9 zł" not in host_client("acme.localhost").get("/").get_data(as_text=True)
    acme_editor.post(f"/panel/acme/ads/{ad.id}/toggle")
    assert ads_of(two_partners["acme"])[0].enabled is True
    assert acme_editor.post(f"/panel/acme/ads/{ad.id}/delete").status_code == 302
    assert ads_of(two_partners["acme"]) == []


def test_another_partners_ad_is_404(client, two_partners, login, host_client):
    login(client, two_partners["globex_owner"])
    post_form(client, "/panel/globex/ads/new", text_ad(title="Globex only"))
    client.get("/panel/globex/ads")  # shows (and so consumes) the "saved" message
    [globex_ad] = ads_of(two_partners["globex"])
    client.post("/logout")
    login(client, two_partners["acme_owner"])

    assert client.get(f"/panel/acme/ads/{globex_ad.id}/edit").status_code == 404
    assert post_form(client, f"/panel/acme/ads/{globex_ad.id}/edit",
                     text_ad(title="Hijacked")).status_code == 404
    assert client.post(f"/panel/acme/ads/{globex_ad.id}/toggle").status_code == 404
    assert client.post(f"/panel/acme/ads/{globex_ad.id}/delete").status_code == 404
    assert client.get(f"/panel/globex/ads/{globex_ad.id}/edit").status_code == 404
    assert "Globex only" not in client.get("/panel/acme/ads").get_data(as_text=True)
    [unchanged] = ads_of(two_partners["globex"])
    assert (unchanged.title, unchanged.enabled) == ("Globex only", True)


def test_editor_can_manage_ads_but_not_branding(acme_editor):
    assert acme_editor.get("/panel/acme/ads").status_code == 200
    assert acme_editor.get("/panel/acme/ads/new").status_code == 200
    assert acme_editor.get("/panel/acme/branding").status_code == 403


def test_anonymous_visitor_is_sent_to_login(client, two_partners):
    response = client.get("/panel/acme/ads")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_demo_partners_get_their_own_logos_and_two_active_ads(app, host_client):
    from storefront.demo import load_demo
    from storefront.models import Partner

    load_demo()
    db.session.commit()
    acme, globex = (db.session.scalar(select(Partner).where(Partner.slug == slug))
                    for slug in ("acme", "globex"))
    assert acme.logo_sha and globex.logo_sha and acme.logo_sha != globex.logo_sha
    assert acme.favicon_sha and globex.favicon_sha
    for partner, other in ((acme, globex), (globex, acme)):
        partner_ads = ads_of(partner)
        assert {(ad.placement, ad.kind) for ad in partner_ads} == {("banner", "text"),
                                                                   ("sidebar", "image")}
        home = host_client(f"{partner.slug}.localhost").get("/").get_data(as_text=True)
        assert all(ad.title in home for ad in partner_ads)
        assert not any(ad.title in home for ad in ads_of(other))
        assert f"/assets/{partner.logo_sha}" in home
