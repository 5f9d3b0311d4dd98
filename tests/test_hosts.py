import pytest

from storefront.tenancy import normalise_host


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ACME.LOCALHOST.", "acme.localhost"),
        ("acme.localhost:5000", "acme.localhost"),
        ("Żółw.pl", "xn--w-uga1v8h.pl"),
        ("xn--w-uga1v8h.pl", "xn--w-uga1v8h.pl"),
        ("", None),
        ("a@b", None),
        ("evil\r\nx", None),
        ("[::1]:5000", None),
        ("a..b", None),
        ("host:port", None),
    ],
)
def test_normalise_host(raw, expected):
    assert normalise_host(raw) == expected


def test_raw_host_serves_partner_storefront_in_every_spelling(two_partners, host_client):
    for host in ("acme.localhost", "ACME.LOCALHOST.", "acme.localhost:5000"):
        page = host_client(host).get("/")
        assert page.status_code == 200
        assert "Acme Hosting" in page.get_data(as_text=True)
        assert "Globex" not in page.get_data(as_text=True)


@pytest.mark.parametrize("host", ["evil.test", "", "a@b", "nobody.localhost", "x.acme.localhost"])
def test_unknown_host_is_a_neutral_404(two_partners, host_client, host):
    page = host_client(host).get("/")
    assert page.status_code == 404
    body = page.get_data(as_text=True)
    assert "Acme" not in body and "Globex" not in body


def test_platform_host_shows_application_form(client):
    page = client.get("/", headers={"Host": "localhost:5000"})
    assert page.status_code == 200
    assert "Apply to become a reseller" in page.get_data(as_text=True)
