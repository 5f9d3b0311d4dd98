"""Fixtures: one database schema per test session (SQLite by default, PostgreSQL when DATABASE_URL
says so), emptied after every test; a fresh app per test; factories that return callables."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine

from storefront import create_app
from storefront.db import db
from storefront.models import Membership, Partner, User
from storefront.services import partners
from tests.stripe_server import stripe_server  # noqa: F401  (the fake Stripe fixture)

PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    url = os.environ.get("DATABASE_URL") or (
        f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
    )
    engine = create_engine(url)
    db.metadata.drop_all(engine)
    db.metadata.create_all(engine)
    engine.dispose()
    yield url


@pytest.fixture
def app_config(database_url, request) -> dict:
    """The test app's settings; a test changes some with
    `@pytest.mark.parametrize("app_config", [{"NAME": value}], indirect=True)`."""
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        "PLATFORM_DOMAIN": "localhost",
        "PUBLIC_PORT": "",
        "HOST_CACHE_SECONDS": 10,
        **getattr(request, "param", {}),
    }


@pytest.fixture
def app(app_config) -> Iterator[Flask]:
    app = create_app(app_config)  # with its own caches, as a new process has
    with app.app_context():
        yield app
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())
        db.engine.dispose()


@pytest.fixture
def extra_app(app_config) -> Iterator[Callable[..., Flask]]:
    """Another app on the test database with some settings changed, and caches of its own, as
    another process would have; its connections are closed after the test (an unclosed
    PostgreSQL connection collected later is a ResourceWarning)."""
    made: list[Flask] = []

    def make(**overrides) -> Flask:
        made.append(create_app({**app_config, **overrides}))
        return made[-1]

    yield make
    for other in made:
        with other.app_context():
            db.engine.dispose()


class HostClient(FlaskClient):
    """A test client that sends every request with one Host header (default: the platform)."""

    host = "localhost"

    def open(self, *args, **kwargs):
        headers = dict(kwargs.pop("headers", None) or {})
        headers.setdefault("Host", self.host)
        # Each request gets its own app context (fresh `g`, own DB session), as in production,
        # instead of sharing the test's.
        with self.application.app_context():
            return super().open(*args, headers=headers, **kwargs)


@pytest.fixture
def client(app) -> HostClient:
    app.test_client_class = HostClient
    return app.test_client()


@pytest.fixture
def host_client(app) -> Callable[[str], HostClient]:
    """A test client whose requests carry this Host header."""

    def make(host: str) -> HostClient:
        app.test_client_class = HostClient
        c = app.test_client()
        c.host = host
        return c

    return make


@pytest.fixture
def make_partner(app) -> Callable[..., Partner]:
    def make(slug: str, name: str | None = None, **fields) -> Partner:
        partner = partners.create_partner(slug, name or slug.title())
        for key, value in fields.items():
            setattr(partner, key, value)
        db.session.commit()
        return partner

    return make


@pytest.fixture
def make_user(app) -> Callable[..., User]:
    def make(email: str, partner: Partner | None = None, role: str = "owner",
             admin: bool = False) -> User:
        from storefront.auth import hash_password

        user = User(email=email, password_hash=hash_password(PASSWORD), is_platform_admin=admin)
        db.session.add(user)
        db.session.flush()
        if partner is not None:
            db.session.add(Membership(partner_id=partner.id, user_id=user.id, role=role))
        db.session.commit()
        return user

    return make


@pytest.fixture
def login(app) -> Callable[[FlaskClient, User], FlaskClient]:
    """Log a staff member in on the platform host of this client."""

    def do(client: FlaskClient, user: User) -> FlaskClient:
        response = client.post("/login", data={"email": user.email, "password": PASSWORD},
                               headers={"Host": "localhost"})
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return do


@pytest.fixture
def two_partners(make_partner, make_user):
    """Acme and Globex, each with an owner: the pair every isolation test uses."""
    acme = make_partner("acme", "Acme Hosting")
    globex = make_partner("globex", "Globex Domains")
    return {
        "acme": acme,
        "globex": globex,
        "acme_owner": make_user("owner@acme.example.com", acme),
        "globex_owner": make_user("owner@globex.example.com", globex),
    }


def page_with_palette(client: FlaskClient, path: str = "/") -> str:
    """A storefront page's HTML followed by the palette stylesheet it links to: what a visitor's
    browser applies."""
    import re

    body = client.get(path).get_data(as_text=True)
    link = re.search(r'href="(/palette/[0-9a-f]+\.css)"', body)
    return body + ("\n" + client.get(link.group(1)).get_data(as_text=True) if link else "")
