"""Partners p1..p<count> with their default pages, inserted in bulk, on SQLite or PostgreSQL."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def seed(database_url: str, count: int) -> None:
    """What partners.create_partner makes for each partner (the row and install_default_pages'
    pages, their bodies kept as HTML as when saved), in bulk, into a new schema."""
    from sqlalchemy import func, insert, select, text

    from cms_pages.defaults import default_pages
    from cms_pages.rendering import stored_html
    from storefront import create_app
    from storefront.db import db, utcnow
    from storefront.models import Page, Partner

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "bench"})  # every model
    pages = default_pages()
    for meta in pages:  # "{partner}" survives rendering as it is: render once, name each copy
        meta["body_html"] = stored_html(meta["body"])
    now = utcnow()
    with app.app_context(), db.engine.begin() as conn:
        db.metadata.create_all(conn)
        for start in range(0, count, 1000):
            ids = range(start + 1, min(start + 1000, count) + 1)
            conn.execute(insert(Partner), [
                {"id": i, "slug": f"p{i}", "name": f"Partner {i}", "status": "active",
                 "theme": "classic" if i % 2 else "minimal", "palette": {}, "frame_origins": [],
                 "logo_sha": None, "favicon_sha": None,
                 "contact_email": f"hello@p{i}.example.com", "contact_phone": "",
                 "contact_address": "", "created_at": now} for i in ids])
            conn.execute(insert(Page),
                         [_page(p, i, f"Partner {i}", now) for i in ids for p in pages])
        if conn.dialect.name == "postgresql":
            # The ids above were given, so the sequence behind partner.id never moved.
            table = Partner.__table__.name
            last = conn.scalar(select(func.max(Partner.id)))
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), :n)"),
                         {"n": last})
    with app.app_context():
        db.engine.dispose()


def _page(meta: dict, partner_id: int, name: str, now) -> dict:
    """One default page as cms_pages.defaults.install_default_pages builds it."""
    return {
        "partner_id": partner_id,
        "slug": meta.get("slug", ""),
        "title": meta["title"].replace("{partner}", name),
        "menu_title": meta.get("menu_title", ""),
        "menu_position": int(meta.get("menu_position", 0)),
        "show_in_menu": meta.get("show_in_menu", "yes") == "yes",
        "show_in_footer": meta.get("show_in_footer", "no") == "yes",
        "seo_title": meta.get("seo_title", "").replace("{partner}", name),
        "seo_description": meta.get("seo_description", "").replace("{partner}", name),
        "body": meta["body"].replace("{partner}", name),
        "body_html": meta["body_html"].replace("{partner}", name),
        "published": True,
        "updated_at": now,
    }
