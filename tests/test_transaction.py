"""One transaction per request: a success or a redirect commits, an exception or an error status
saves nothing, work registered with `after_commit` runs only once the data is saved, and a
service's refusal re-renders the form with its message and changes nothing."""

from __future__ import annotations

import io
import logging
import re

import pytest
from flask import Flask, flash, get_flashed_messages, redirect
from sqlalchemy import select, text

from cms_pages.models import Page
from storefront import transaction
from storefront.db import db
from storefront.models import Ad, Partner, User
from storefront.models.catalog import TldGroup
from storefront.services import catalog, partners

CATALOGUE = (
    "tld,kind,register,renew,transfer,currency,min_years,max_years,idn,backend,enabled\n"
    "pl,country,29.00,69.00,49.00,PLN,1,10,1,sandbox,1\n"
    "eu,country,29.00,35.00,29.00,PLN,1,10,1,sandbox,1\n"
)


def stored_slugs() -> set[str]:
    """What another connection sees: only committed rows."""
    with db.engine.connect() as connection:
        return set(connection.scalars(select(Partner.slug)))


@pytest.fixture
def ran() -> list[str]:
    return []


@pytest.fixture
def probe(app: Flask, ran: list[str]) -> None:
    """Routes that create a partner and then end in different ways; `ran` records after-commit
    work, and what that work saw committed."""

    def create(slug: str) -> None:
        partners.create_partner(slug, slug.title())
        transaction.after_commit(lambda: ran.append(f"{slug}: {sorted(stored_slugs())}"))

    @app.post("/probe/ok/<slug>")
    def ok(slug: str):
        create(slug)
        return "ok"

    @app.post("/probe/redirect/<slug>")
    def redirected(slug: str):
        create(slug)
        return redirect("/")

    @app.post("/probe/refuse/<slug>")
    def refuse(slug: str):
        create(slug)
        return "no", 422

    @app.post("/probe/boom/<slug>")
    def boom(slug: str):
        create(slug)
        raise RuntimeError("after the flush")


def test_a_success_commits_and_then_runs_the_after_commit_work(client, probe, ran):
    assert client.post("/probe/ok/acme").status_code == 200
    assert client.post("/probe/redirect/globex").status_code == 302
    assert stored_slugs() == {"acme", "globex"}
    # The work ran after each commit: it already saw its own partner stored.
    assert ran == ["acme: ['acme']", "globex: ['acme', 'globex']"]


def test_an_error_status_saves_nothing_and_runs_no_work(client, probe, ran):
    assert client.post("/probe/refuse/acme").status_code == 422
    assert stored_slugs() == set() and ran == []


@pytest.mark.parametrize("propagate", [False, True])
def test_an_exception_after_a_flush_saves_nothing(app, client, probe, ran, propagate):
    if propagate:  # the debugger's way: the exception leaves the app
        with pytest.raises(RuntimeError):
            client.post("/probe/boom/acme")
    else:
        app.config["PROPAGATE_EXCEPTIONS"] = False  # answer 500 as in production
        assert client.post("/probe/boom/acme").status_code == 500
    assert stored_slugs() == set() and ran == []


def test_work_in_a_savepoint_waits_for_the_commit_and_goes_with_a_rolled_back_savepoint(
    app, client, ran
):
    seen_at_release: list[list[str]] = []

    @app.post("/probe/savepoints/<int:status>")
    def savepoints(status: int):
        partners.create_partner("acme", "Acme")  # a write first: pysqlite then nests savepoints
        with db.session.begin_nested():
            transaction.after_commit(lambda: ran.append("kept"))
        seen_at_release.append(list(ran))
        try:
            with db.session.begin_nested():
                transaction.after_commit(lambda: ran.append("undone"))
                raise ValueError("roll the savepoint back")
        except ValueError:
            pass
        return "", status

    client.post("/probe/savepoints/400")
    assert seen_at_release == [[]] and ran == []
    client.post("/probe/savepoints/200")
    assert seen_at_release == [[], []] and ran == ["kept"]
    assert stored_slugs() == {"acme"}


def test_a_savepoint_that_rolls_back_keeps_the_cache_clearing_of_the_change_before_it(
    two_partners, host_client
):
    visitor = host_client("acme.localhost")
    assert "Renamed home" not in visitor.get("/").get_data(as_text=True)  # now cached
    acme = two_partners["acme"]
    home = db.session.scalar(select(Page).where(Page.partner_id == acme.id, Page.slug == ""))
    home.seo_title = "Renamed home"
    db.session.flush()
    try:
        with db.session.begin_nested():
            db.session.add(Ad(partner_id=acme.id, title="Never shown"))
            db.session.flush()
            raise ValueError("roll the savepoint back")
    except ValueError:
        pass
    db.session.commit()
    assert "<title>Renamed home</title>" in visitor.get("/").get_data(as_text=True)


def test_failing_work_is_logged_and_the_rest_still_runs(app, client, ran, caplog):
    @app.post("/probe/failing-work")
    def failing_work():
        partners.create_partner("acme", "Acme")
        transaction.after_commit(lambda: 1 / 0)
        transaction.after_commit(lambda: ran.append("second"))
        return "saved"

    with caplog.at_level(logging.ERROR, logger="storefront.transaction"):
        response = client.post("/probe/failing-work")
    assert response.status_code == 200 and response.get_data(as_text=True) == "saved"
    assert ran == ["second"] and stored_slugs() == {"acme"}
    assert "ZeroDivisionError" in caplog.text


def test_a_failed_commit_neither_says_saved_nor_changes_who_is_logged_in(
    app, client, two_partners, login
):
    @app.post("/probe/commit-fails")
    def commit_fails():
        # Checked only when the commit flushes it: another account has this e-mail.
        db.session.add(User(email="owner@globex.example.com", password_hash="x"))
        flash("Saved.")
        return redirect("/probe/messages")

    @app.get("/probe/messages")
    def messages():
        return " | ".join(get_flashed_messages()) or "none"

    app.config["PROPAGATE_EXCEPTIONS"] = False
    login(client, two_partners["acme_owner"])
    response = client.post("/probe/commit-fails")
    assert response.status_code == 500
    assert "Set-Cookie" not in response.headers
    assert client.get("/probe/messages").get_data(as_text=True) == "none"
    assert client.get("/panel/acme/").status_code == 200  # still logged in as before
    with db.engine.connect() as connection:
        emails = connection.scalars(select(User.email)).all()
    assert sorted(emails) == ["owner@acme.example.com", "owner@globex.example.com"]


def test_a_refused_form_shows_the_message_at_its_field_and_saves_nothing(
    client, two_partners, login
):
    acme = two_partners["acme"]
    catalog.import_catalogue(io.StringIO(CATALOGUE))
    catalog.set_retail_prices(acme, "pl", register="39", renew="79", transfer="59")
    catalog.create_group(acme, "Popular", ["pl"])
    db.session.commit()
    login(client, two_partners["acme_owner"])

    # The rename is flushed first; the list it comes with is refused after it.
    response = client.post("/panel/acme/tld-groups/popular",
                           data={"name": "Renamed", "tlds": "pl, eu"})

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    field = re.search(r'<div class="field has-error">((?:(?!</div>).)*)</div>', html, re.S)
    assert field is not None and 'name="tlds"' in field.group(1)
    assert "You don&#39;t sell .eu" in field.group(1)
    with db.engine.connect() as connection:
        names = connection.scalars(select(TldGroup.name)).all()
        assert names == ["Popular"]
        assert connection.scalar(text("select count(*) from tld_group_item")) == 1
