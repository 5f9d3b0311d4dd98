"""The panel's Frames page: snippets per frame, the allowed origins, and a live preview that only
the panel may frame."""

from __future__ import annotations

import html
import re

from storefront.db import db
from storefront.services import catalog


def test_frames_page_lists_snippets_and_previews(two_partners, client, login, host_client):
    acme = two_partners["acme"]
    catalog.import_demo_catalogue()
    catalog.set_retail_prices(acme, "pl", register="150", renew="150", transfer="150")
    catalog.create_group(acme, "Popular", ["pl"])
    acme.frame_origins = ["https://www.acme-shop.example"]
    db.session.commit()
    login(client, two_partners["acme_owner"])
    page = client.get("/panel/acme/frames")
    body = html.unescape(page.get_data(as_text=True))
    assert page.status_code == 200
    assert ('<script src="http://acme.localhost/widgets/embed.js" data-frame="domain-search" '
            'data-group="popular" async></script>') in body
    assert '<iframe src="http://acme.localhost/frames/pricing?group=popular"' in body
    assert "https://www.acme-shop.example" in body
    assert "frame-src 'self' http://acme.localhost" in page.headers["Content-Security-Policy"]
    # The preview may be framed by the platform host; the same frame without the token may not.
    preview = re.search(r'class="frame-preview" src="([^"]+)"', body).group(1)
    framed = host_client("acme.localhost").get(preview.removeprefix("http://acme.localhost"))
    assert framed.headers["Content-Security-Policy"].endswith(
        "frame-ancestors https://www.acme-shop.example http://localhost")
    plain = host_client("acme.localhost").get("/frames/domain-search")
    assert plain.headers["Content-Security-Policy"].endswith(
        "frame-ancestors https://www.acme-shop.example")
    # Acme's preview token does not let the platform frame Globex's frames.
    token = preview.split("preview=")[1]
    other = host_client("globex.localhost").get(f"/frames/pricing?preview={token}")
    assert other.headers["Content-Security-Policy"].endswith("frame-ancestors 'none'")


def test_frames_page_warns_when_no_origin_is_allowed(two_partners, client, login):
    login(client, two_partners["acme_owner"])
    body = client.get("/panel/acme/frames").get_data(as_text=True)
    assert "No site may show your frames yet" in body


def test_another_partners_frames_page_is_404(two_partners, client, login):
    login(client, two_partners["acme_owner"])
    assert client.get("/panel/globex/frames").status_code == 404
