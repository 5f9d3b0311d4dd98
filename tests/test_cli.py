"""The `flask` commands: clear messages and a non-zero exit for bad input, nothing half done."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import create_engine, func, inspect, select

from cms_pages.models import Page
from storefront import create_app
from storefront.db import db
from storefront.models import OutboxMessage, Partner, PartnerDomain, User


@pytest.fixture
def flask_cli(app):
    runner = app.test_cli_runner()

    def run(*args: str):
        return runner.invoke(args=list(args))

    return run


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_create_partner_makes_default_pages_and_an_invitation(flask_cli, host_client):
    result = flask_cli("create-partner", "initech", "--name", "Initech Web",
                       "--owner-email", "Boss@Initech.example")
    assert result.exit_code == 0, result.output
    assert "Created partner initech" in result.output
    partner = db.session.scalar(select(Partner).where(Partner.slug == "initech"))
    slugs = set(db.session.scalars(select(Page.slug).where(Page.partner_id == partner.id)))
    assert {"", "contact", "terms", "privacy"} <= slugs
    assert host_client("initech.localhost").get("/").status_code == 200

    (mail,) = db.session.scalars(select(OutboxMessage))
    assert mail.to_email == "boss@initech.example"
    path = re.search(r"http://localhost(/invite/\S+)", mail.body).group(1)
    assert path in result.output  # the CLI prints the link too

    browser = host_client("localhost")
    landed = browser.post(path, data={"name": "Boss", "password": "a long password"})
    assert landed.status_code == 302
    panel = browser.get(landed.headers["Location"], follow_redirects=True)
    assert panel.status_code == 200 and "Initech Web" in panel.get_data(as_text=True)
    assert browser.get("/panel/initech/").status_code == 200
    assert host_client("localhost").get(path).status_code == 404  # used once


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Bad Slug"], "lower-case letters"),
        (["admin"], "reserved"),
        (["x-"], "lower-case letters"),
        (["ok", "--owner-email", "not-an-address"], "not valid"),
        (["ok", "--name", ""], "name"),
    ],
)
def test_create_partner_refuses_bad_input(flask_cli, args, message):
    slug, *rest = args
    options = {"--name": "Name", "--owner-email": "owner@example.com"}
    for flag, value in zip(rest[::2], rest[1::2], strict=True):
        options[flag] = value
    result = flask_cli("create-partner", slug, *[x for kv in options.items() for x in kv])
    assert result.exit_code == 1
    assert message in result.output
    assert count(Partner) == 0 and count(OutboxMessage) == 0 and count(Page) == 0


def test_create_partner_refuses_a_taken_slug(flask_cli, two_partners):
    result = flask_cli("create-partner", "acme", "--name", "X", "--owner-email", "x@x.example")
    assert result.exit_code == 1 and "already taken" in result.output
    assert count(Partner) == 2


def test_create_partner_requires_name_and_owner(flask_cli):
    result = flask_cli("create-partner", "initech")
    assert result.exit_code == 2
    assert "--name" in result.output


def test_suspend_and_reactivate_change_what_the_storefront_answers(flask_cli, two_partners,
                                                                   host_client):
    site = host_client("acme.localhost")
    assert site.get("/").status_code == 200

    result = flask_cli("suspend-partner", "acme")
    assert result.exit_code == 0 and "acme is now suspended" in result.output
    down = site.get("/")
    assert down.status_code == 503
    assert "temporarily unavailable" in down.get_data(as_text=True)
    assert "Acme" not in down.get_data(as_text=True)
    assert host_client("globex.localhost").get("/").status_code == 200
    assert "already suspended" in flask_cli("suspend-partner", "acme").output

    result = flask_cli("reactivate-partner", "acme")
    assert result.exit_code == 0 and "acme is now active" in result.output
    assert site.get("/").status_code == 200


@pytest.mark.parametrize("command", ["suspend-partner", "reactivate-partner"])
def test_status_commands_refuse_an_unknown_partner(flask_cli, command):
    result = flask_cli(command, "nobody")
    assert result.exit_code == 1
    assert "There is no partner 'nobody'" in result.output


def test_add_domain_serves_a_verified_domain(flask_cli, two_partners, host_client):
    result = flask_cli("add-domain", "acme", "Shop.Acme.Example", "--verified")
    assert result.exit_code == 0, result.output
    assert "shop.acme.example: verified" in result.output
    # A verified domain serves the storefront (here by redirecting to the primary host).
    response = host_client("shop.acme.example").get("/contact")
    assert response.status_code == 301
    assert response.headers["Location"] == "http://acme.localhost/contact"


def test_add_domain_pending_prints_the_txt_record(flask_cli, two_partners, host_client):
    result = flask_cli("add-domain", "acme", "pending.example")
    assert result.exit_code == 0, result.output
    assert "TXT _storefront.pending.example" in result.output
    assert host_client("pending.example").get("/").status_code == 404


@pytest.mark.parametrize(
    ("slug", "host"), [("acme", "not a host"), ("acme", "192.0.2.1"), ("nobody", "a.example")]
)
def test_add_domain_refuses_bad_input(flask_cli, two_partners, slug, host):
    result = flask_cli("add-domain", slug, host)
    assert result.exit_code == 1
    assert result.output.startswith("Error: ")
    assert "Traceback" not in result.output
    assert count(PartnerDomain) == 0


def test_create_platform_admin_can_log_in_to_admin(flask_cli, client):
    result = flask_cli("create-platform-admin", "Root@Platform.example")
    assert result.exit_code == 0
    password = result.output.rsplit(": ", 1)[1].strip()
    login = client.post("/login", data={"email": "root@platform.example", "password": password})
    assert login.headers["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_create_platform_admin_refuses_bad_input(flask_cli):
    assert flask_cli("create-platform-admin", "nope").exit_code == 1
    short = flask_cli("create-platform-admin", "a@b.example", "--password", "short")
    assert short.exit_code == 1 and "at least 10" in short.output
    assert count(User) == 0


def test_list_partners(flask_cli, two_partners):
    flask_cli("suspend-partner", "globex")
    lines = flask_cli("list-partners").output.splitlines()
    assert lines == ["acme\tactive\tAcme Hosting", "globex\tsuspended\tGlobex Domains"]
    assert flask_cli("list-partners", "--search", "glob").output.startswith("globex\t")


def test_demo_is_idempotent(flask_cli, host_client):
    first = flask_cli("demo")
    assert first.exit_code == 0, first.output
    assert "admin@example.com" in first.output
    snapshot = (count(Partner), count(Page), count(User), count(PartnerDomain))
    assert snapshot[0] == 2
    second = flask_cli("demo")
    assert second.exit_code == 0, second.output
    assert (count(Partner), count(Page), count(User), count(PartnerDomain)) == snapshot
    for host, name in (("acme.localhost", "Acme Hosting"), ("globex.localhost", "Globex Domains")):
        assert name in host_client(host).get("/").get_data(as_text=True)
    # Acme can issue documents, and Ann has billing details to receive them.
    from billing import profiles, settings
    from storefront.services import subscribers

    acme = db.session.scalar(select(Partner).where(Partner.slug == "acme"))
    assert settings.is_ready(settings.seller_settings(acme))
    ann = subscribers.find(acme, "ann@example.com")
    assert profiles.find_profile(acme, ann).phone == "+48600100200"
    # Ann's domain is active with a paid invoice, and its renewal proforma waits: once.
    from billing.models import Document, Service

    [service] = db.session.scalars(select(Service)).all()
    assert (service.name, service.status) == ("kwiaciarnia-ann.pl", "active")
    documents = sorted((d.kind, d.status, d.purpose) for d in db.session.scalars(select(Document)))
    assert documents == [("invoice", "issued", "order"), ("proforma", "paid", "order"),
                         ("proforma", "unpaid", "renewal")]


def test_init_db_applies_migrations_to_a_fresh_database(app_config, tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    fresh = create_app({**app_config, "DATABASE_URL": url})
    result = fresh.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output
    engine = create_engine(url)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert {"partner", "partner_domain", "user", "membership", "invitation", "page",
            "reseller_application", "outbox_message", "alembic_version"} <= tables
    # Running it again is harmless.
    assert fresh.test_cli_runner().invoke(args=["init-db"]).exit_code == 0
