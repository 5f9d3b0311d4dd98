"""The `flask` commands the README lists. Each runs in one transaction and commits at its end."""

from __future__ import annotations

import secrets

import click
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import select

from storefront.db import db
from storefront.models import Partner
from storefront.services import domains, partners
from storefront.services.errors import InvalidInput
from storefront.services.users import ensure_user


def _partner(slug: str) -> Partner:
    partner = db.session.scalar(select(Partner).where(Partner.slug == slug))
    if partner is None:
        raise click.ClickException(f"No partner {slug!r}.")
    return partner


def _run(action):
    try:
        result = action()
    except InvalidInput as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    db.session.commit()
    return result


@click.command("init-db")
def init_db() -> None:
    """Create or upgrade the database schema (Alembic migrations)."""
    upgrade()
    click.echo("Database is up to date.")


@click.command("demo")
def demo() -> None:
    """Fill an empty database with the demo partners (idempotent)."""
    from storefront.demo import load_demo

    for line in _run(load_demo):
        click.echo(line)


@click.command("create-platform-admin")
@click.argument("email")
@click.option("--password", help="Generated and printed when omitted.")
def create_platform_admin(email: str, password: str | None) -> None:
    password = password or secrets.token_urlsafe(12)
    user = _run(lambda: ensure_user(email, password=password, admin=True))
    click.echo(f"Platform admin {user.email} can log in with password: {password}")


@click.command("create-partner")
@click.argument("slug")
@click.option("--name", required=True)
@click.option("--owner-email", required=True)
def create_partner(slug: str, name: str, owner_email: str) -> None:
    def action():
        from storefront.services.users import normalise_email

        return partners.create_partner(slug, name, owner_email=normalise_email(owner_email))

    partner = _run(action)
    click.echo(f"Created partner {partner.slug}; an invitation for {owner_email} is in the outbox.")


@click.command("add-domain")
@click.argument("slug")
@click.argument("host")
@click.option("--verified", is_flag=True, help="Mark verified without a DNS check.")
def add_domain(slug: str, host: str, verified: bool) -> None:
    domain = _run(lambda: domains.add_domain(_partner(slug), host, verified=verified))
    state = "verified" if domain.is_verified else f"pending; TXT _storefront.{domain.host} {domain.txt_token}"
    click.echo(f"{domain.host}: {state}")


@click.command("suspend-partner")
@click.argument("slug")
def suspend_partner(slug: str) -> None:
    _run(lambda: partners.set_status(_partner(slug), "suspended"))
    click.echo(f"Suspended {slug}.")


@click.command("reactivate-partner")
@click.argument("slug")
def reactivate_partner(slug: str) -> None:
    _run(lambda: partners.set_status(_partner(slug), "active"))
    click.echo(f"Reactivated {slug}.")


@click.command("list-partners")
def list_partners() -> None:
    for partner in db.session.scalars(select(Partner).order_by(Partner.slug)):
        click.echo(f"{partner.slug}\t{partner.status}\t{partner.name}")


def init_app(app: Flask) -> None:
    for command in (
        init_db, demo, create_platform_admin, create_partner, add_domain,
        suspend_partner, reactivate_partner, list_partners,
    ):
        app.cli.add_command(command)
