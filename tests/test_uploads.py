"""Logo and favicon uploads in the partner panel: what is accepted, what is refused, and why."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from storefront.db import db
from storefront.models import Asset, Partner


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (120, 60), colour: str = "red",
                **save_args) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, fmt, **save_args)
    return out.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width×height pixels: a decompression bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 1000)) + chunk(b"IEND", b"")
    )


@pytest.fixture
def acme_admin(client, two_partners, login):
    login(client, two_partners["acme_owner"])
    return client


def multipart(fields: dict) -> dict:
    """Keyword arguments for client.post with a multipart body built in memory.

    (Werkzeug's test client would spool a body over 500 KB to a temporary file it never closes.)
    """
    values = {
        name: FileStorage(io.BytesIO(value[0]), filename=value[1], content_type=value[2] or None)
        if isinstance(value, tuple) else value
        for name, value in fields.items()
    }
    boundary, body = encode_multipart(values)
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}


def upload(client, what: str, data: bytes, filename: str, content_type: str = "",
           slug: str = "acme"):
    return client.post(
        f"/panel/{slug}/branding/{what}", **multipart({what: (data, filename, content_type)})
    )


def acme() -> Partner:
    db.session.expire_all()
    return db.session.scalar(select(Partner).where(Partner.slug == "acme"))


def asset_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Asset))


def test_logo_upload_is_shown_in_the_panel_and_on_the_storefront(acme_admin, host_client):
    response = upload(acme_admin, "logo", image_bytes("PNG"), "logo.png", "image/png")
    assert response.status_code == 302
    sha = acme().logo_sha
    assert sha
    page = acme_admin.get("/panel/acme/branding").get_data(as_text=True)
    assert f"/panel/acme/assets/{sha}" in page
    preview = acme_admin.get(f"/panel/acme/assets/{sha}")
    assert preview.status_code == 200 and preview.mimetype == "image/png"
    assert Image.open(io.BytesIO(preview.data)).size == (120, 60)
    served = host_client("acme.localhost").get(f"/assets/{sha}")
    assert served.status_code == 200 and served.data == preview.data


@pytest.mark.parametrize(
    "fmt,filename,content_type,served_as",
    [
        ("JPEG", "photo.jpg", "image/jpeg", "image/jpeg"),
        ("WEBP", "logo.webp", "image/webp", "image/webp"),
        ("GIF", "logo.gif", "image/gif", "image/gif"),
        ("PNG", "logo", "application/octet-stream", "image/png"),
    ],
)
def test_other_formats_are_accepted(acme_admin, fmt, filename, content_type, served_as):
    response = upload(acme_admin, "logo", image_bytes(fmt), filename, content_type)
    assert response.status_code == 302
    asset = db.session.scalar(select(Asset).where(Asset.sha256 == acme().logo_sha))
    assert asset.content_type == served_as


def test_favicon_accepts_ico(acme_admin):
    response = upload(acme_admin, "favicon", image_bytes("ICO", (64, 64)), "favicon.ico",
                      "image/vnd.microsoft.icon")
    assert response.status_code == 302
    sha = acme().favicon_sha
    preview = acme_admin.get(f"/panel/acme/assets/{sha}")
    assert Image.open(io.BytesIO(preview.data)).format == "ICO"


def test_the_same_image_twice_is_stored_once(acme_admin):
    data = image_bytes("PNG")
    upload(acme_admin, "logo", data, "a.png")
    upload(acme_admin, "favicon", data, "b.png")
    assert asset_count() == 1
    assert acme().logo_sha == acme().favicon_sha


def test_metadata_is_stripped(acme_admin):
    exif = Image.Exif()
    exif[0x010F] = "SecretCameraMaker"
    exif[0x0112] = 6  # orientation: rotate, so the stored image is upright
    data = image_bytes("JPEG", (80, 40), exif=exif.tobytes(), comment=b"internal note")
    assert b"SecretCameraMaker" in data
    assert upload(acme_admin, "logo", data, "photo.jpeg", "image/jpeg").status_code == 302
    stored = acme_admin.get(f"/panel/acme/assets/{acme().logo_sha}").data
    assert b"SecretCameraMaker" not in stored and b"internal note" not in stored
    assert Image.open(io.BytesIO(stored)).size == (40, 80)


def test_trailing_payload_is_dropped(acme_admin):
    data = image_bytes("PNG") + b"<script>alert(1)</script>"
    assert upload(acme_admin, "logo", data, "logo.png").status_code == 302
    stored = acme_admin.get(f"/panel/acme/assets/{acme().logo_sha}").data
    assert b"<script>" not in stored


BAD_UPLOADS = {
    "not an image": (b"just some text, not a picture", "logo.png", "image/png",
                     "This file is not an image"),
    "png renamed .jpg": (image_bytes("PNG"), "logo.jpg", "image/jpeg",
                         "named “.jpg” but it is really a PNG image"),
    "png sent as jpeg": (image_bytes("PNG"), "logo.png", "image/jpeg",
                         "sent as image/jpeg but it is really a PNG image"),
    "over 1 MB": (image_bytes("PNG") + b"\0" * (1024 * 1024), "logo.png", "image/png",
                  "larger than 1 MB"),
    "over 4000 px": (image_bytes("PNG", (4001, 20)), "logo.png", "image/png",
                     "4001×20 pixels; the largest allowed is 4000×4000"),
    "decompression bomb": (png_declaring(100_000, 100_000), "logo.png", "image/png",
                           "decompression bomb"),
    "svg with script": (
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "logo.svg", "image/svg+xml", "SVG images are not accepted",
    ),
    "svg named png": (
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        "logo.png", "image/png", "SVG images are not accepted",
    ),
    "bmp": (image_bytes("BMP"), "logo.bmp", "image/bmp", "BMP images are not accepted"),
    "ico as logo": (image_bytes("ICO", (32, 32)), "logo.ico", "image/x-icon",
                    "ICO images are not accepted"),
    "truncated": (image_bytes("PNG", (300, 300))[:200], "logo.png", "image/png",
                  "damaged or incomplete"),
    "empty": (b"", "logo.png", "image/png", "Choose an image file"),
}


@pytest.mark.parametrize("case", BAD_UPLOADS, ids=list(BAD_UPLOADS))
def test_bad_logo_is_refused_with_its_reason_and_nothing_changes(acme_admin, case):
    data, filename, content_type, message = BAD_UPLOADS[case]
    old_logo = upload(acme_admin, "logo", image_bytes("PNG", colour="blue"), "old.png")
    assert old_logo.status_code == 302
    before = acme().logo_sha

    response = upload(acme_admin, "logo", data, filename, content_type)

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert acme().logo_sha == before
    assert asset_count() == 1


def test_bad_favicon_is_refused(acme_admin):
    response = upload(acme_admin, "favicon", png_declaring(30_000, 30_000), "f.png")
    assert response.status_code == 400
    assert "decompression bomb" in response.get_data(as_text=True)
    assert acme().favicon_sha is None and asset_count() == 0


def test_a_file_without_a_name_is_refused(acme_admin):
    response = acme_admin.post("/panel/acme/branding/logo", data={},
                               content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Choose an image file" in response.get_data(as_text=True)


def test_remove_logo(acme_admin, host_client):
    upload(acme_admin, "logo", image_bytes("PNG"), "logo.png")
    assert acme().logo_sha
    assert acme_admin.post("/panel/acme/branding/logo/remove").status_code == 302
    assert acme().logo_sha is None
    home = host_client("acme.localhost").get("/")
    assert "/assets/" not in home.get_data(as_text=True)


def test_assets_never_cross_partners(acme_admin, client, two_partners, login, host_client):
    upload(acme_admin, "logo", image_bytes("PNG"), "logo.png")
    sha = acme().logo_sha
    # Globex's staff cannot open it through their panel, nor does globex's storefront serve it.
    client.post("/logout")
    login(client, two_partners["globex_owner"])
    assert client.get(f"/panel/globex/assets/{sha}").status_code == 404
    assert client.get(f"/panel/acme/assets/{sha}").status_code == 404
    assert host_client("globex.localhost").get(f"/assets/{sha}").status_code == 404


def test_the_same_image_for_two_partners_is_two_rows(client, two_partners, login):
    data = image_bytes("PNG")
    login(client, two_partners["acme_owner"])
    upload(client, "logo", data, "logo.png")
    client.post("/logout")
    login(client, two_partners["globex_owner"])
    upload(client, "logo", data, "l.png", slug="globex")
    assert asset_count() == 2


def test_printing_documents_does_not_make_damaged_images_acceptable(acme_admin):
    """WeasyPrint (invoice PDFs) turns on Pillow's tolerance of truncated images when imported."""
    import billing.pdf  # noqa: F401 - what a worker that printed an invoice has imported

    data, filename, content_type, message = BAD_UPLOADS["truncated"]
    response = upload(acme_admin, "logo", data, filename, content_type)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
