"""The `flask` commands the README lists. Each runs in one transaction and commits at its end;
bad input prints a clear message and exits non-zero with nothing changed."""

from __future__ import annotations

import csv
import secrets
import time
from collections.abc import Callable
from typing import TypeVar

import click
from flask import Flask
from flask.cli import with_appcontext
from flask_migrate import upgrade
from sqlalchemy.exc import IntegrityError

from cms_pages.services import render_stored_bodies
from storefront import jobs
from storefront.auth import MIN_PASSWORD
from storefront.db import db
from storefront.models import Partner
from storefront.services import catalog, domains, partners, tld_admin
from storefront.services.errors import InvalidInput
from storefront.services.users import ensure_user, find_user, set_active

T = TypeVar("T")
JOB_POLL_SECONDS = 2


def _partner(slug: str) -> Partner:
    partner = partners.get_by_slug(slug.strip().lower())
    if partner is None:
        raise InvalidInput(f"There is no partner {slug!r}; `flask list-partners` shows them.")
    return partner


def _run(action: Callable[[], T]) -> T:
    """Run `action` in one transaction: commit on success, roll back and exit 1 on bad input."""
    try:
        result = action()
        db.session.commit()
    except InvalidInput as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    except IntegrityError:
        db.session.rollback()
        raise click.ClickException("That conflicts with existing data; nothing changed.") from None
    return result


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or upgrade the database schema (Alembic migrations)."""
    upgrade()
    rendered = _run(render_stored_bodies)
    click.echo("Database is up to date." + (f" Rendered {rendered} pages." if rendered else ""))


@click.command("render-pages")
@with_appcontext
@click.option("--all", "every", is_flag=True, help="Every page, not only those without HTML.")
def render_pages(every: bool) -> None:
    """Keep each CMS page's body as HTML (pages saved before that was kept, or --all after the
    sanitiser's rules change); storefronts show the Markdown meanwhile."""
    click.echo(f"Rendered {_run(lambda: render_stored_bodies(every))} pages.")


@click.command("demo")
@with_appcontext
def demo() -> None:
    """Fill the database with the demo admin and partners (idempotent)."""
    from storefront.demo import load_demo

    for line in _run(load_demo):
        click.echo(line)


@click.command("create-platform-admin")
@with_appcontext
@click.argument("email")
@click.option("--password", help="Generated and printed when omitted.")
def create_platform_admin(email: str, password: str | None) -> None:
    """Create a platform admin, or make an existing user one."""
    if password is not None and len(password) < MIN_PASSWORD:
        raise click.ClickException("Use a password of at least 10 characters.")
    generated = password is None
    password = password or secrets.token_urlsafe(12)
    user = _run(lambda: ensure_user(email, password=password, admin=True))
    if generated:
        click.echo(f"Platform admin {user.email} can log in with password: {password}")
    else:
        click.echo(f"Platform admin {user.email} can log in with the given password.")


@click.command("create-partner")
@with_appcontext
@click.argument("slug")
@click.option("--name", required=True, help="The partner's name, as its storefront shows it.")
@click.option("--owner-email", required=True, help="Receives an invitation to set a password.")
def create_partner(slug: str, name: str, owner_email: str) -> None:
    """Create a partner with the default pages and invite its owner."""

    partner, link = _run(lambda: partners.create_partner_with_owner(slug, name, owner_email))
    click.echo(f"Created partner {partner.slug} ({partner.name}).")
    click.echo(f"The owner's invitation is in the outbox; its link: {link}")


@click.command("add-domain")
@with_appcontext
@click.argument("slug")
@click.argument("host")
@click.option("--verified", is_flag=True, help="Mark verified without a DNS check.")
def add_domain(slug: str, host: str, verified: bool) -> None:
    """Add a custom domain to a partner."""
    domain = _run(lambda: domains.add_domain(_partner(slug), host, verified=verified))
    if domain.is_verified:
        click.echo(f"{domain.host}: verified")
    else:
        click.echo(f"{domain.host}: pending; TXT _storefront.{domain.host} {domain.txt_token}")


@click.command("suspend-partner")
@with_appcontext
@click.argument("slug")
def suspend_partner(slug: str) -> None:
    """Take a partner's storefront offline ("temporarily unavailable")."""
    _set_status(slug, "suspended")


@click.command("reactivate-partner")
@with_appcontext
@click.argument("slug")
def reactivate_partner(slug: str) -> None:
    """Bring a suspended partner's storefront back."""
    _set_status(slug, "active")


def _set_status(slug: str, status: str) -> None:
    def action() -> tuple[Partner, bool]:
        partner = _partner(slug)
        changed = partner.status != status
        partners.set_status(partner, status)
        return partner, changed

    partner, changed = _run(action)
    state = "suspended" if status == "suspended" else "active"
    click.echo(f"{partner.slug} is {'now' if changed else 'already'} {state}.")


@click.command("deactivate-user")
@with_appcontext
@click.argument("email")
def deactivate_user(email: str) -> None:
    """A staff member or admin can no longer log in; their sessions end."""
    _set_user_active(email, False)
    click.echo(f"{email} can no longer log in; every session of theirs has ended.")


@click.command("reactivate-user")
@with_appcontext
@click.argument("email")
def reactivate_user(email: str) -> None:
    """A deactivated staff member or admin may log in again."""
    _set_user_active(email, True)
    click.echo(f"{email} may log in again.")


def _set_user_active(email: str, active: bool) -> None:
    def action() -> None:
        user = find_user(email)
        if user is None:
            raise InvalidInput(f"There is no user {email!r}.")
        set_active(user, active)

    _run(action)


@click.command("list-partners")
@with_appcontext
@click.option("--search", default="", help="Only slugs starting with, or names containing, this.")
def list_partners(search: str) -> None:
    """Print slug, status and name of every partner."""
    statement = partners.search(search).order_by(None).order_by(Partner.slug)
    for partner in db.session.scalars(statement.execution_options(yield_per=500)):
        click.echo(f"{partner.slug}\t{partner.status}\t{partner.name}")


@click.command("import-tlds")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def import_tlds(file: str) -> None:
    """Create or update the TLD catalogue from a CSV file; a bad line changes nothing.

    Every bad line is printed (by _run, from CatalogueError's message) before the exit."""
    try:
        result = _run(lambda: catalog.import_catalogue(file, tld_admin.configured_backends()))
    except (UnicodeDecodeError, csv.Error) as error:
        db.session.rollback()
        raise click.ClickException(f"{file} is not a readable UTF-8 CSV file ({error}).") from None
    click.echo(f"created {len(result.created)}, updated {len(result.updated)}")
    for label, names in (("created", result.created), ("updated", result.updated)):
        if names:
            click.echo(f"{label}: {' '.join(names)}")


@click.command("run-jobs")
@with_appcontext
@click.option("--loop", is_flag=True, help="Keep running, asking for due jobs every few seconds.")
@click.option("--limit", default=10, show_default=True, help="Jobs claimed at a time.")
def run_jobs(loop: bool, limit: int) -> None:
    """Run due background jobs (provisioning, mails); cron runs it every minute, or --loop."""
    while True:
        ran = jobs.run_due(limit)
        if not loop:
            click.echo(f"Ran {ran} jobs.")
            return
        if ran < limit:
            time.sleep(JOB_POLL_SECONDS)


@click.command("renewals")
@with_appcontext
@click.option("--batch", default=1000, show_default=True, help="Services read at a time.")
def renewals(batch: int) -> None:
    """Renewal proformas, reminders and expiry moves for every partner; cron runs it daily.
    Overlapping runs never issue or send anything twice."""
    from billing import renewals as service

    click.echo(service.run(batch=batch).line())


def init_app(app: Flask) -> None:
    for command in (
        init_db, render_pages, demo, create_platform_admin, create_partner, add_domain, import_tlds,
        suspend_partner, reactivate_partner, list_partners, deactivate_user, reactivate_user,
        run_jobs, renewals,
    ):
        app.cli.add_command(command)
