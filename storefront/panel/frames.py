"""Panel: the frames a partner can embed, each with its copy-paste snippets and a live preview."""

from __future__ import annotations

from flask import g, render_template

from storefront.auth import panel_route
from storefront.panel.blueprint import bp
from storefront.security import allow_frames_from
from storefront.services import catalog
from storefront.tenancy import partner_url, raw_host
from widgets.policy import preview_token

FRAMES = (
    ("domain-search", "Domain search", "A search box over one of your TLD groups, with prices and "
     "suggestions.", 420),
    ("pricing", "Price table", "The prices of a TLD group.", 360),
    ("order", "Order", "The cart: domains and years, handed to your storefront's checkout.", 260),
    ("user-login", "Log in", "Your customers log in; they land in their panel on your storefront.",
     300),
    ("user-register", "Sign up", "New customers create an account.", 380),
)


@bp.route("/<slug>/frames")
@panel_route("editor")
def frames():
    partner = g.partner
    group = catalog.default_group(partner)
    base = partner_url(partner, "").rstrip("/")
    items = []
    for name, title, description, height in FRAMES:
        group_attr = group.slug if group and name in ("domain-search", "pricing") else ""
        query = f"?group={group_attr}" if group_attr else ""
        items.append({
            "name": name, "title": title, "description": description, "height": height,
            "group": group_attr,
            "frame_url": f"{base}/frames/{name}{query}",
            "preview_url": f"{base}/frames/{name}{query}{'&' if query else '?'}"
                           f"preview={preview_token(partner.id)}",
        })
    allow_frames_from([base])
    return render_template(
        "panel/frames.html", frames=items, base=base, origins=partner.frame_origins or [],
        raw_host=raw_host(partner.slug), groups=catalog.groups(partner),
    )
