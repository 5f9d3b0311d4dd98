"""Browser fixtures: one headless Chromium per module and a fresh context per test; the test's app
served for real on `acme.localhost:<port>` (and `globex.localhost:<port>`); and the partner's own
website on `partner.localhost:<port2>`, a second server whose pages each test writes. The same
server answers as `evil.localhost:<port2>`, an origin no partner allows.

Chromium resolves `*.localhost` to loopback, treats each name as its own site, enforces
`frame-ancestors` there and blocks third-party cookies between them: the frames are tested as
Safari-like, cookie-blocking browsers see them, with no DNS set-up."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from werkzeug.serving import make_server

from storefront.db import db
from storefront.models import Partner
from storefront.services import catalog, partners

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
# Twenty TLDs on the sandbox backend (deterministic availability, no network).
TWENTY_TLDS = ["com", "net", "org", "info", "biz", "io", "app", "dev", "tech", "online", "shop",
               "store", "xyz", "site", "cloud", "email", "eu", "de", "uk", "co.uk"]
ACME_PRICE = "300"  # at or above every wholesale price: shown as "300.00"
GLOBEX_PRICE = "456"
# Generous for a loaded two-core machine; a passing run waits far less.
TIMEOUT_MS = 10_000
expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run tests/system_deps.py (make test does)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                              headless=True)
        yield chromium
        chromium.close()


class PartnerSite(ThreadingHTTPServer):
    """The partner's own website: `pages` maps a path to the HTML it answers with, whatever the
    Host (partner.localhost or evil.localhost)."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _PartnerPage)
        self.pages: dict[str, str] = {}


class _PartnerPage(BaseHTTPRequestHandler):
    server: PartnerSite

    def do_GET(self) -> None:
        html = self.server.pages.get(self.path.split("?")[0])
        body = (html or "not found").encode()
        self.send_response(200 if html is not None else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass  # quiet: the app server's log is the one worth reading on a failure


@pytest.fixture(scope="module")
def partner_site() -> Iterator[PartnerSite]:
    server = PartnerSite()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@dataclass
class Shop:
    """The served app and the partner's site, with the URLs a test browses."""

    port: int
    site: PartnerSite
    acme: Partner
    globex: Partner
    hosts: dict[str, str] = field(default_factory=dict)

    def url(self, name: str, path: str = "/") -> str:
        """`name` is acme, globex, partner or evil."""
        return self.hosts[name] + path

    def page(self, path: str, body: str, host: str = "partner") -> str:
        """Publish an HTML page on the partner's site; returns its URL under `host`."""
        self.site.pages[path] = (f"<!doctype html><html><head><meta charset='utf-8'>"
                                 f"<title>Partner</title></head><body>{body}</body></html>")
        return self.url(host, path)

    def embed(self, frame: str, **data: str) -> str:
        """The snippet the panel gives partners: embed.js with data-frame and data-*."""
        attrs = "".join(f' data-{k}="{v}"' for k, v in data.items())
        return (f'<script src="{self.url("acme", "/widgets/embed.js")}" data-frame="{frame}"'
                f"{attrs} async></script>")


@pytest.fixture
def shop(app, partner_site: PartnerSite) -> Iterator[Shop]:
    """Acme (allows partner.localhost:<port2>) and Globex (allows no origin), each selling TLDs at
    its own prices with its own groups, served by a threaded server on 127.0.0.1."""
    site_port = partner_site.server_address[1]
    partner_origin = f"http://partner.localhost:{site_port}"
    catalog.import_demo_catalogue()
    acme = partners.create_partner("acme", "Acme Hosting")
    globex = partners.create_partner("globex", "Globex Domains")
    for partner, price in ((acme, ACME_PRICE), (globex, GLOBEX_PRICE)):
        for tld in TWENTY_TLDS:
            catalog.set_retail_prices(partner, tld, register=price, renew=price, transfer=price)
    catalog.create_group(acme, "Popular", ["com", "net", "eu", "de"])
    catalog.create_group(acme, "Everything", TWENTY_TLDS)
    catalog.create_group(globex, "Globex only", ["com", "org"])
    acme.frame_origins = [partner_origin]
    db.session.commit()

    server = make_server("127.0.0.1", 0, app, threaded=True)
    port = server.server_port
    # Links in hand-offs are built from the partner's canonical host and this port.
    app.config["PUBLIC_PORT"] = str(port)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    partner_site.pages.clear()
    try:
        yield Shop(port=port, site=partner_site, acme=acme, globex=globex, hosts={
            "acme": f"http://acme.localhost:{port}",
            "globex": f"http://globex.localhost:{port}",
            "partner": partner_origin,
            "evil": f"http://evil.localhost:{site_port}",
        })
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def page(browser: Browser, shop: Shop) -> Iterator[Page]:
    """A fresh context (no cookies, no cache) per test, closed before the servers stop."""
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()
