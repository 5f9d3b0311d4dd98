"""A partner's ads: image or text, a link, a placement, an optional date range, on or off.

Every function takes the partner first, validates all input before changing anything, and flushes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from storefront.db import db
from storefront.models import Ad
from storefront.models.branding import AD_PLACEMENTS
from storefront.services import assets
from storefront.services.errors import InvalidInput
from storefront.tenancy import Tenant, normalise_host, scoped

KINDS = {"text": "Text", "image": "Image"}
MAX_TITLE = 120
MAX_BODY = 500
MAX_LINK = 500


@dataclass(frozen=True)
class AdInput:
    kind: str
    title: str = ""
    body: str = ""
    link_url: str = ""
    placement: str = "banner"
    starts_on: date | None = None
    ends_on: date | None = None
    enabled: bool = True


def list_ads(partner: Tenant) -> list[Ad]:
    return list(db.session.scalars(scoped(Ad, partner.id).order_by(Ad.placement, Ad.id)))


def create_ad(partner: Tenant, data: AdInput, image: assets.Upload | None = None) -> Ad:
    ad = Ad(partner_id=partner.id)
    _apply(partner, ad, data, image)
    db.session.add(ad)
    db.session.flush()
    return ad


def update_ad(partner: Tenant, ad: Ad, data: AdInput, image: assets.Upload | None = None) -> Ad:
    _require_own(partner, ad)
    _apply(partner, ad, data, image)
    db.session.flush()
    return ad


def set_enabled(partner: Tenant, ad: Ad, enabled: bool) -> None:
    _require_own(partner, ad)
    ad.enabled = enabled
    db.session.flush()


def delete_ad(partner: Tenant, ad: Ad) -> None:
    _require_own(partner, ad)
    db.session.delete(ad)
    db.session.flush()


def status(ad: Ad, today: date | None = None) -> str:
    """What a visitor sees today: active, scheduled, ended or off."""
    today = today or date.today()
    if not ad.enabled:
        return "off"
    if ad.starts_on and today < ad.starts_on:
        return "scheduled"
    if ad.ends_on and today > ad.ends_on:
        return "ended"
    return "active"


def _apply(partner: Tenant, ad: Ad, data: AdInput, image: assets.Upload | None) -> None:
    """Validate everything first; only then store the image and change the ad."""
    kind = data.kind if data.kind in KINDS else None
    if kind is None:
        raise InvalidInput("Choose whether the ad is an image or text.", "kind")
    title = " ".join((data.title or "").split())
    body = (data.body or "").strip()
    if len(title) > MAX_TITLE:
        raise InvalidInput(f"Keep the title under {MAX_TITLE} characters.", "title")
    if len(body) > MAX_BODY:
        raise InvalidInput(f"Keep the text under {MAX_BODY} characters.", "body")
    if data.placement not in AD_PLACEMENTS:
        raise InvalidInput("Choose where the ad appears.", "placement")
    link = validate_link(data.link_url)
    if data.starts_on and data.ends_on and data.ends_on < data.starts_on:
        raise InvalidInput("The end date is before the start date.", "ends_on")
    if kind == "text" and not (title or body):
        raise InvalidInput("A text ad needs a title or some text.", "title")
    if kind == "image" and image is None and not ad.image_sha:
        raise InvalidInput("An image ad needs an image: upload one.", "image")
    if kind == "image" and not title:
        raise InvalidInput(
            "Give the image ad a title: it is the image's text for screen readers.", "title"
        )
    if image is not None:
        ad.image_sha = assets.store_image(partner, image, field="image").sha256
    ad.kind = kind
    ad.title = title
    ad.body = body
    ad.link_url = link
    ad.placement = data.placement
    ad.starts_on = data.starts_on
    ad.ends_on = data.ends_on
    ad.enabled = data.enabled


def validate_link(raw: str | None) -> str:
    """An absolute http(s) URL with a real host, or "" for no link; anything else is refused."""
    link = (raw or "").strip()
    if not link:
        return ""
    refusal = InvalidInput(
        "Give a full web address starting with https:// or http:// (or leave it empty).",
        "link_url",
    )
    if len(link) > MAX_LINK:
        raise InvalidInput(f"Keep the link under {MAX_LINK} characters.", "link_url")
    if not link.isprintable() or any(c.isspace() for c in link) or "\\" in link:
        raise refusal
    try:
        parts = urlsplit(link)
        parts.port  # noqa: B018  (raises ValueError for a bad port)
    except ValueError:
        raise refusal from None
    if parts.scheme.lower() not in ("http", "https") or not link.lower().startswith(
        parts.scheme.lower() + "://"
    ):
        raise refusal
    if not parts.hostname or normalise_host(parts.hostname) is None:
        raise refusal
    return link


def _require_own(partner: Tenant, ad: Ad) -> None:
    # Views load ads through get_for_partner; this guards any other caller.
    if ad.partner_id != partner.id:
        raise InvalidInput("This ad belongs to another storefront.")

