"""Default pages every new partner starts with: read from cms_pages/default_pages/*.md.

Each file starts with `key: value` lines (title, slug, menu_title, menu_position, show_in_menu,
show_in_footer, seo_title, seo_description), a blank line, then the Markdown body. `{partner}` in
a body is the partner's name.
"""

from __future__ import annotations

from pathlib import Path

from cms_pages.models import Page
from cms_pages.rendering import stored_html
from storefront.db import db

DEFAULTS_DIR = Path(__file__).parent / "default_pages"


def default_pages() -> list[dict]:
    pages = []
    for path in sorted(DEFAULTS_DIR.glob("*.md")):
        head, _, body = path.read_text().partition("\n\n")
        lines = (line.partition(":") for line in head.splitlines())
        meta = {key.strip(): value.strip() for key, _, value in lines}
        meta["body"] = body.strip() + "\n"
        pages.append(meta)
    return pages


def install_default_pages(partner) -> list[Page]:
    pages = []
    for meta in default_pages():
        page = Page(
            partner_id=partner.id,
            slug=meta.get("slug", ""),
            title=meta["title"].replace("{partner}", partner.name),
            menu_title=meta.get("menu_title", ""),
            menu_position=int(meta.get("menu_position", 0)),
            show_in_menu=meta.get("show_in_menu", "yes") == "yes",
            show_in_footer=meta.get("show_in_footer", "no") == "yes",
            seo_title=meta.get("seo_title", "").replace("{partner}", partner.name),
            seo_description=meta.get("seo_description", "").replace("{partner}", partner.name),
            body=meta["body"].replace("{partner}", partner.name),
            published=True,
        )
        page.body_html = stored_html(page.body)
        db.session.add(page)
        pages.append(page)
    db.session.flush()
    return pages
