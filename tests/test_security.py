"""Security headers, cookies, proxies, CSRF and staff sessions across partners."""

import pytest

from tests.conftest import PASSWORD


def test_every_non_frame_page_forbids_framing_and_inline_script(two_partners, client, host_client):
    for response in (client.get("/"), client.get("/login"), host_client("acme.localhost").get("/"),
                     host_client("evil.test").get("/")):
        csp = response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp
        assert response.headers["X-Frame-Options"] == "DENY"
        script_src = next(part for part in csp.split(";") if part.strip().startswith("script-src"))
        assert "unsafe-inline" not in script_src
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_session_cookie_is_httponly_lax_and_secure_only_over_https(two_partners, client):
    owner = two_partners["acme_owner"]
    plain = client.post("/login", data={"email": owner.email, "password": PASSWORD})
    cookie = plain.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert "Domain=" not in cookie  # host-only: never shared with partner hosts

    secure = client.post("/login", data={"email": owner.email, "password": PASSWORD},
                         base_url="https://localhost")
    assert "Secure" in secure.headers["Set-Cookie"]


def test_forwarded_headers_count_only_from_trusted_proxies(two_partners, client):
    trusted = client.get("/", headers={"X-Forwarded-Host": "acme.localhost",
                                       "X-Forwarded-Proto": "https"},
                         environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert "Acme Hosting" in trusted.get_data(as_text=True)
    assert "Strict-Transport-Security" in trusted.headers

    untrusted = client.get("/", headers={"X-Forwarded-Host": "acme.localhost",
                                         "X-Forwarded-Proto": "https"},
                           environ_base={"REMOTE_ADDR": "203.0.113.9"})
    body = untrusted.get_data(as_text=True)
    assert "Acme Hosting" not in body and "Apply to become a reseller" in body
    assert "Strict-Transport-Security" not in untrusted.headers


@pytest.mark.parametrize("peer, forwarded_for, client", [
    ("127.0.0.1", "203.0.113.5", "203.0.113.5"),
    # Whatever the client wrote comes first; the proxy appended the address it saw.
    ("127.0.0.1", "1.1.1.1, 203.0.113.5", "203.0.113.5"),
    ("127.0.0.1", "1.1.1.1,203.0.113.5 , 10.0.0.2", "203.0.113.5"),  # 10/8 is a proxy too
    ("127.0.0.1", "10.0.0.3, 10.0.0.2", "10.0.0.3"),  # from inside: the left-most
    ("127.0.0.1", "1.1.1.1, not-an-address", "127.0.0.1"),
    ("::1", "2001:db8::7", "2001:db8::7"),
    ("203.0.113.9", "1.1.1.1", "203.0.113.9"),  # not a trusted proxy: ignored
])
def test_the_client_address_is_the_one_a_trusted_proxy_saw(peer, forwarded_for, client):
    from storefront.config import parse_networks
    from storefront.security import TrustedProxies

    seen = {}

    def app(environ, start_response):
        seen.update(environ)
        return []

    proxies = TrustedProxies(app, parse_networks("127.0.0.1,::1,10.0.0.0/8"))
    proxies({"REMOTE_ADDR": peer, "HTTP_HOST": "localhost", "wsgi.url_scheme": "http",
             "HTTP_X_FORWARDED_FOR": forwarded_for,
             "HTTP_X_FORWARDED_HOST": "evil.test, acme.localhost",
             "HTTP_X_FORWARDED_PROTO": "http, https"}, None)
    assert seen["REMOTE_ADDR"] == client
    trusted = peer != "203.0.113.9"
    assert seen["HTTP_HOST"] == ("acme.localhost" if trusted else "localhost")
    assert seen["wsgi.url_scheme"] == ("https" if trusted else "http")
    assert not any(name.startswith("HTTP_X_FORWARDED") for name in seen)


def test_a_forged_forwarded_for_buys_no_more_login_attempts(two_partners, extra_app):
    limited = extra_app(RATELIMIT_ENABLED=True).test_client()
    for n in range(10):
        wrong = {"email": f"guess{n}@example.com", "password": "wrong password"}
        response = limited.post("/login", data=wrong, headers={
            "Host": "localhost", "X-Forwarded-For": f"198.51.100.{n}, 203.0.113.5"},
            environ_base={"REMOTE_ADDR": "127.0.0.1"})
        assert response.status_code == 400
    right = {"email": two_partners["acme_owner"].email, "password": PASSWORD}
    refused = limited.post("/login", data=right, headers={
        "Host": "localhost", "X-Forwarded-For": "198.51.100.99, 203.0.113.5"},
        environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert refused.status_code == 429
    other = limited.post("/login", data=right, headers={
        "Host": "localhost", "X-Forwarded-For": "198.51.100.99, 203.0.113.6"},
        environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert other.status_code == 302


def test_staff_login_does_not_open_another_partners_panel(two_partners, client, login):
    login(client, two_partners["acme_owner"])
    assert client.get("/panel/acme/").status_code == 200
    for path in ("/panel/globex/", "/panel/globex/pages/", "/panel/globex/branding",
                 "/panel/globex/ads", "/panel/globex/domains"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Globex" not in response.get_data(as_text=True)


def test_staff_session_means_nothing_on_a_partner_host(two_partners, client, login, host_client):
    login(client, two_partners["acme_owner"])
    cookie = client.get_cookie("session", domain="localhost")
    storefront = host_client("acme.localhost")
    storefront.set_cookie("session", cookie.value, domain="acme.localhost")
    assert storefront.get("/panel/acme/").status_code == 404
    assert "owner@acme" not in storefront.get("/").get_data(as_text=True)


def test_panel_needs_a_login(two_partners, client):
    response = client.get("/panel/acme/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("path", ["/panel/acme/", "/admin/", "/login"])
def test_platform_pages_do_not_exist_on_partner_hosts(two_partners, host_client, path):
    assert host_client("acme.localhost").get(path).status_code == 404


def test_editor_is_refused_admin_areas_of_the_panel(two_partners, make_user, client, login):
    editor = make_user("editor@acme.example.com", two_partners["acme"], role="editor")
    login(client, editor)
    assert client.get("/panel/acme/").status_code == 200
    assert client.get("/panel/acme/pages/").status_code == 200
    assert client.get("/panel/acme/branding").status_code == 403
    assert client.get("/panel/acme/domains").status_code == 403


def test_wrong_password_is_refused_and_does_not_log_in(two_partners, client):
    response = client.post("/login", data={"email": "owner@acme.example.com", "password": "nope"})
    assert response.status_code == 400
    assert "Wrong e-mail or password" in response.get_data(as_text=True)
    assert client.get("/panel/acme/").status_code == 302


@pytest.fixture
def csrf_client(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app.test_client()


def test_forms_refuse_posts_without_a_csrf_token(two_partners, csrf_client):
    response = csrf_client.post("/login", data={"email": "owner@acme.example.com",
                                                "password": PASSWORD},
                                headers={"Host": "localhost"})
    assert response.status_code == 400
    assert "session" not in response.headers.get("Set-Cookie", "")
