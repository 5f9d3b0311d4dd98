"""A NUL byte anywhere in a path, a query string or a form answers 400 before any database work:
PostgreSQL refuses NUL in text (these requests used to end in a 500) and SQLite stored it."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from sqlalchemy import event, func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from cms_pages.models import Page
from storefront.db import db
from storefront.models import Ad, ResellerApplication, Subscriber, User
from tests.conftest import PASSWORD

APPLICATION = {"company_name": "Initech Web", "contact_name": "Peter Gibbons",
               "email": "peter@initech.example.com", "desired_slug": "initech",
               "website": "", "message": "We host 300 small businesses."}
PAGE = {"title": "About us", "slug": "about", "menu_title": "About", "menu_position": "50",
        "show_in_menu": "y", "seo_title": "", "seo_description": "", "body": "Hello."}
AD = {"kind": "text", "title": "Domains from 9 zł", "body": "This week only.",
      "link_url": "https://acme.example.com/promo", "placement": "banner", "starts_on": "",
      "ends_on": "", "enabled": "y"}
SIGN_UP = {"name": "Ann", "email": "ann@example.com", "password": "a long password"}
LOGIN = {"email": "ann@example.com", "password": "a long password"}


def multipart(fields: dict, **files: tuple[bytes, str]) -> dict:
    values: dict = dict(fields)
    values.update({name: FileStorage(io.BytesIO(data), filename=filename)
                   for name, (data, filename) in files.items()})
    boundary, body = encode_multipart(values)
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}


def with_nul(data: dict, field: str) -> dict:
    return {**data, field: data[field][:3] + "\x00" + data[field][3:]}


# (host, method, path, request arguments): every entry point that used to store a NUL or fail.
REQUESTS = [
    ("localhost", "POST", "/login", {"data": {"email": "admin@example.com\x00",
                                             "password": PASSWORD}}),
    ("localhost", "POST", "/", {"data": with_nul(APPLICATION, "company_name")}),
    ("localhost", "POST", "/", {"data": {**APPLICATION, "message\x00": "x"}}),
    ("localhost", "POST", "/panel/acme/pages/new", {"data": with_nul(PAGE, "title")}),
    ("localhost", "POST", "/panel/acme/ads/new", multipart(with_nul(AD, "title"))),
    ("localhost", "POST", "/panel/acme/ads/new",
     multipart(AD, image=(b"GIF89a", "logo\x00.gif"))),
    ("localhost", "GET", "/admin/partners?q=ac%00me", {}),
    ("localhost", "GET", "/admin/tlds?q=p%00l", {}),
    ("localhost", "GET", "/admin/applications?status=new%00", {}),
    ("localhost", "GET", "/panel/ac\x00me/", {}),
    ("localhost", "GET", "/panel/ac%2500me/?x=\x00", {}),
    ("acme.localhost", "POST", "/account/login", {"data": with_nul(LOGIN, "email")}),
    ("acme.localhost", "POST", "/account/register", {"data": with_nul(SIGN_UP, "name")}),
    ("acme.localhost", "POST", "/account/reset", {"data": {"email": "ann@\x00example.com"}}),
    ("acme.localhost", "POST", "/frames/user-login", {"data": with_nul(LOGIN, "email")}),
    ("acme.localhost", "POST", "/frames/user-register", {"data": with_nul(SIGN_UP, "email")}),
    ("acme.localhost", "GET", "/search?q=ab%00c", {}),
    ("acme.localhost", "GET", "/ab%00out", {}),
    ("acme.localhost", "GET", "/frames/order?add=ab%00c.pl", {}),
]


@pytest.fixture
def queries() -> Iterator[list[str]]:
    ran: list[str] = []

    def record(conn, cursor, statement, *args) -> None:
        ran.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    yield ran
    event.remove(db.engine, "before_cursor_execute", record)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_nul_anywhere_answers_400_before_any_database_work(two_partners, make_user, login,
                                                            client, host_client, queries):
    login(client, make_user("admin@example.com", two_partners["acme"], admin=True))
    clients = {"localhost": client, "acme.localhost": host_client("acme.localhost")}
    before = {model: count(model) for model in (Page, Ad, ResellerApplication, Subscriber, User)}
    queries.clear()

    for host, method, path, arguments in REQUESTS:
        response = clients[host].open(path, method=method, **arguments)
        assert response.status_code == 400, (method, path, response.status_code)
        assert queries == [], (method, path, queries)

    assert {model: count(model) for model in before} == before


def test_the_same_requests_without_the_nul_go_through(two_partners, make_user, login, client):
    """The control: the guard refuses the NUL, not the form."""
    login(client, make_user("admin@example.com", two_partners["acme"], admin=True))
    pages = count(Page)
    assert client.post("/panel/acme/pages/new", data=PAGE).status_code == 302
    assert client.post("/panel/acme/ads/new", **multipart(AD)).status_code == 302
    assert client.get("/admin/partners?q=acme").status_code == 200
    assert client.get("/panel/acme/").status_code == 200
    assert client.get("/admin/tlds?q=100%2500").status_code == 200  # "%00" as typed text
    assert count(Page) == pages + 1 and count(Ad) == 1
