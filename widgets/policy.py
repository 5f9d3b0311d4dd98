"""Who may embed a frame, and how a form inside a frame proves it came from our own frame.

- `parent_origin` (sent by embed.js) must be one of the partner's allowed origins, else 400; a
  listed `https://*.example.com` allows its subdomains, as in `frame-ancestors` (widgets/origins).
- Frame responses send `frame-ancestors` with exactly the partner's allowed origins.
- Forms in frames cannot rely on the session cookie (a third-party cookie, blocked by Safari,
  Firefox and Chrome incognito), so their CSRF defence is a signed token naming the partner and
  the parent origin, plus the Origin header, which must be the frame's own origin.
"""

from __future__ import annotations

from flask import abort, current_app, g, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from storefront.i18n import gettext as _
from storefront.security import allow_framing_by
from storefront.tenancy import Site, platform_url
from widgets.origins import canonical_origin, origin_allowed

FORM_TOKEN_SECONDS = 2 * 3600
_SALT = "storefront-frame-form"
PREVIEW_SALT = "storefront-frame-preview"
PREVIEW_SECONDS = 4 * 3600


class FrameRefused(Exception):
    """A frame request that cannot be served: the message is shown, with a 4xx status."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def parent_origin(site: Site) -> str:
    """The validated `parent_origin` parameter ("" when absent)."""
    origin = request.values.get("parent_origin", "").strip().rstrip("/")
    if not origin:
        return ""
    canonical = canonical_origin(origin)
    if canonical is None or not may_embed(site, canonical):
        raise FrameRefused(_(
            "%(origin)s is not allowed to show this frame. The site's owner can allow it "
            "in the panel (Branding → Frame origins).", origin=origin[:100]
        ))
    return canonical


def may_embed(site: Site, origin: str) -> bool:
    """Whether a page at `origin` (as a browser writes it: scheme://host[:port]) may embed the
    partner's frames: listed, or a subdomain of a listed `https://*.example.com`."""
    return origin_allowed(origin, site.frame_origins)


def allow_framing(site: Site) -> None:
    """The partner's allowed origins, and nothing else; the panel's live preview (platform host)
    only with a short-lived preview token the panel signed for this partner."""
    origins = tuple(site.frame_origins)
    if is_preview(site):
        origins += (platform_url("/").rstrip("/"),)
    allow_framing_by(origins)


def preview_token(partner_id: int) -> str:
    return _serializer(PREVIEW_SALT).dumps(partner_id)


def is_preview(site: Site) -> bool:
    token = request.values.get("preview", "")
    if not token:
        return False
    try:
        return _serializer(PREVIEW_SALT).loads(token, max_age=PREVIEW_SECONDS) == site.partner_id
    except BadSignature:
        return False


def form_token(site: Site, origin: str) -> str:
    return _serializer().dumps({"p": site.partner_id, "o": origin})


def check_form(site: Site, origin: str) -> None:
    """Refuse a frame form post that our own frame did not make (403)."""
    sent_from = request.headers.get("Origin")
    own = f"{request.scheme}://{request.host}".lower()
    if sent_from is not None and sent_from.lower() != own:
        raise FrameRefused(_("This form can only be sent from its own page."), 403)
    try:
        data = _serializer().loads(request.form.get("frame_token", ""), max_age=FORM_TOKEN_SECONDS)
    except BadSignature:
        raise FrameRefused(_("The form expired. Please reload it and try again."), 403) from None
    if data != {"p": site.partner_id, "o": origin}:
        raise FrameRefused(_("The form expired. Please reload it and try again."), 403)


def _serializer(salt: str = _SALT) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def current_site() -> Site:
    site = g.get("site")
    if site is None:
        abort(404)
    return site
