"""A real Caddy (Debian's 2.6.2) with on-demand `tls internal` in front of the app served for real:
a verified custom domain gets a certificate and its storefront over HTTPS; any other name gets none.
"""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from storefront.db import db
from storefront.services import domains

pytestmark = pytest.mark.caddy

CADDY = "/usr/bin/caddy"
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on {port}")


@pytest.fixture
def app_server(app) -> Iterator[int]:
    """The test's app (same config, same database) served by a real threaded HTTP server."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


CADDYFILE = """\
{{
	http_port {http_port}
	https_port {https_port}
	skip_install_trust
	admin off
	on_demand_tls {{
		ask http://{ask_host}:{app_port}/.well-known/storefront/tls-allowed
	}}
}}

https:// {{
	tls internal {{
		on_demand
	}}
	reverse_proxy 127.0.0.1:{app_port}
}}
"""

# The ask goes to the platform host by name; see test_ask_answers_on_the_loopback_address.
ASK_HOST = "localhost"


@pytest.fixture
def caddy(app_server: int, tmp_path: Path) -> Iterator[int]:
    http_port, https_port = free_port(), free_port()
    config = tmp_path / "Caddyfile"
    config.write_text(CADDYFILE.format(http_port=http_port, https_port=https_port,
                                       ask_host=ASK_HOST, app_port=app_server))
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    log = (tmp_path / "caddy.log").open("wb")
    process = subprocess.Popen(
        [CADDY, "run", "--config", str(config), "--adapter", "caddyfile"],
        cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        try:
            wait_for_port(https_port)
        except TimeoutError:
            pytest.fail("caddy did not start:\n" + (tmp_path / "caddy.log").read_text()[-3000:])
        yield https_port
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        log.close()


def curl(host: str, port: int, path: str = "/") -> subprocess.CompletedProcess:
    return subprocess.run(
        ["curl", "-sk", "--max-time", "20", "--resolve", f"{host}:{port}:127.0.0.1",
         "-w", "\n%{http_code}", f"https://{host}:{port}{path}"],
        capture_output=True, text=True, timeout=30,
    )


def test_verified_domain_gets_a_certificate_and_its_storefront(two_partners, caddy, tmp_path):
    acme = two_partners["acme"]
    domains.set_primary(acme, domains.add_domain(acme, "shop.acme-verified.test", verified=True))
    domains.add_domain(two_partners["globex"], "pending.globex.test")
    db.session.commit()

    result = curl("shop.acme-verified.test", caddy)
    log = (tmp_path / "caddy.log").read_text()[-3000:]
    assert result.returncode == 0, (result.returncode, result.stderr, log)
    body, _, status = result.stdout.rpartition("\n")
    assert status == "200", (status, body[:500])
    assert "Acme Hosting" in body and "Globex" not in body

    for host in ("unknown.test", "pending.globex.test", "localhost"):
        refused = curl(host, caddy)
        assert refused.returncode == 35, (host, refused.returncode, refused.stdout[:200])


def test_ask_endpoint(two_partners, app_server):
    import urllib.error
    import urllib.request

    domains.add_domain(two_partners["acme"], "shop.acme-verified.test", verified=True)
    domains.add_domain(two_partners["acme"], "pending.acme.test")
    db.session.commit()

    def ask(domain: str) -> int:
        url = (f"http://{ASK_HOST}:{app_server}/.well-known/storefront/tls-allowed"
               f"?domain={domain}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status
        except urllib.error.HTTPError as error:
            error.close()
            return error.code

    assert ask("shop.acme-verified.test") == 200
    for denied in ("pending.acme.test", "unknown.test", "localhost", "acme.localhost",
                   "a%40b", "%0d%0a", "x" * 300, "SHOP.acme-verified.test",
                   "shop.acme-verified.test.", "shop.acme-verified.test:443"):
        assert ask(denied) == 404, denied
    assert ask("%00") == 400  # refused before the lookup; Caddy takes anything but 200 as a no


def test_ask_answers_on_the_loopback_address(two_partners, client):
    """deploy/Caddyfile asks http://127.0.0.1:8000/…: the Host is an address, not the platform."""
    domains.add_domain(two_partners["acme"], "shop.acme-verified.test", verified=True)
    db.session.commit()
    url = "/.well-known/storefront/tls-allowed?domain=shop.acme-verified.test"
    assert client.get(url, headers={"Host": "127.0.0.1:8000"}).status_code == 200


def test_deploy_caddyfile_adapts(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PLATFORM_DOMAIN": "shops.example.net"}
    result = subprocess.run(
        [CADDY, "adapt", "--config", str(ROOT / "deploy" / "Caddyfile"), "--adapter", "caddyfile"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=30,
    )
    assert result.returncode == 0, result.stderr
    config = result.stdout
    assert '"ask":"http://127.0.0.1:8000/.well-known/storefront/tls-allowed"' in config
    assert '"*.shops.example.net"' in config and '"on_demand":true' in config
    assert '"dial":"127.0.0.1:8000"' in config
