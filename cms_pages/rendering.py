"""Page bodies: Markdown to sanitised HTML, with ready-made modules placed by a line of their own.

A body is never rendered as a template: `{{7*7}}` stays `{{7*7}}`. Markdown becomes HTML with
markdown-it, then nh3 keeps only harmless tags, attributes and URL schemes. A paragraph that is only
`[[module-name]]` becomes that module, whose HTML comes from our own templates after sanitising, so
no user HTML ever reaches a module and no module output passes through the sanitiser.
"""

from __future__ import annotations

import re
from typing import Any

import nh3
from flask import current_app
from markdown_it import MarkdownIt
from markupsafe import Markup

from storefront.i18n import DEFAULT_LOCALE
from storefront.money import Money
from storefront.services.domain_search import price_table
from storefront.services.partner_catalogue import catalogue
from storefront.tenancy import Tenant

# name -> what the editor sees in the list of available modules
MODULES: dict[str, str] = {
    "domain-search": "A domain search box",
    "tld-prices": "A price table of domain extensions",
    "login-box": "A link to the customer login",
    "contact": "Your contact details (e-mail, phone, address)",
}

_MODULE_LINE = re.compile(r"^\[\[([a-z-]+)\]\]$")

_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6",
    "hr", "i", "img", "kbd", "li", "mark", "ol", "p", "pre", "s", "small", "strong", "sub", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "ol": {"start"},
    "td": {"align"},
    "th": {"align"},
    "abbr": {"title"},
}
_URL_SCHEMES = {"http", "https", "mailto", "tel"}

_markdown = MarkdownIt("commonmark", {"html": True}).enable("table").enable("strikethrough")


def sanitise(html: str) -> str:
    """Only harmless tags and attributes; no scripts, styles, event handlers, frames or odd URLs."""
    return nh3.clean(
        html,
        tags=_TAGS,
        clean_content_tags={"script", "style"},
        attributes=_ATTRIBUTES,
        url_schemes=_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def body_parts(body: str) -> list[tuple[str, str]]:
    """The body as ("html", sanitised html) and ("module", name) parts, in order."""
    tokens = _markdown.parse(body or "")
    parts: list[tuple[str, str]] = []
    pending: list[Any] = []

    def flush() -> None:
        if pending:
            html = _markdown.renderer.render(pending, _markdown.options, {})
            parts.append(("html", sanitise(html)))
            pending.clear()

    i = 0
    while i < len(tokens):
        module = _module_at(tokens, i)
        if module is not None:
            flush()
            parts.append(("module", module))
            i += 3
            continue
        pending.append(tokens[i])
        i += 1
    flush()
    return parts


def _module_at(tokens: list[Any], i: int) -> str | None:
    """The module name if tokens[i:i+3] is a top-level paragraph holding only `[[name]]`."""
    if i + 2 >= len(tokens) or tokens[i].type != "paragraph_open" or tokens[i].level != 0:
        return None
    inline = tokens[i + 1]
    match = _MODULE_LINE.match(inline.content.strip()) if inline.type == "inline" else None
    if match is None or match.group(1) not in MODULES:
        return None
    return match.group(1)


def module_marker(name: str) -> str:
    """Where a module goes in a stored body: an HTML comment, which `sanitise` strips from anything
    an editor writes, so only `stored_html` can put one there."""
    return f"<!--module:{name}-->"


_MARKER = re.compile(r"<!--module:([a-z-]+)-->")


def stored_html(body: str) -> str:
    """The body as it is kept in `Page.body_html` when the page is saved: sanitised HTML with a
    marker where each module goes (modules show live prices and contacts, so they are rendered
    when the page is shown)."""
    return "".join(value if kind == "html" else module_marker(value)
                   for kind, value in body_parts(body))


def render_body(body_html: str, site: Tenant | None) -> str:
    """A stored body as HTML, its modules rendered, ready to cache and to mark safe in a theme."""
    html = []
    for index, piece in enumerate(_MARKER.split(body_html)):
        if index % 2 == 0:
            html.append(piece)
        elif piece in MODULES:
            # A module needs only what it is given: no request context, no context processors.
            template = current_app.jinja_env.get_template(f"cms_modules/{piece}.html")
            html.append(template.render(site=site, **module_context(piece, site)))
    return Markup("".join(html))


# A partner that sells no TLD yet shows sample prices, clearly labelled as such.
SAMPLE_PRICES: tuple[tuple[str, Money, Money], ...] = (
    (".com", Money(5900, "PLN"), Money(6900, "PLN")),
    (".pl", Money(1900, "PLN"), Money(8900, "PLN")),
    (".eu", Money(2900, "PLN"), Money(3900, "PLN")),
    (".net", Money(6900, "PLN"), Money(7900, "PLN")),
)


def module_context(name: str, site: Tenant | None = None,
                   locale: str = DEFAULT_LOCALE) -> dict[str, Any]:
    """What module `name` shows; prices are formatted in `locale` (pages are English for now)."""
    if name == "tld-prices":
        return _price_table(site, locale)
    return {}


def _price_table(site: Tenant | None, locale: str) -> dict[str, Any]:
    """The default TLD group's prices (every TLD sold when there are no groups), formatted."""
    if site is None or not catalogue(site).tlds:
        sample = tuple((tld, register.format(locale), renew.format(locale))
                       for tld, register, renew in SAMPLE_PRICES)
        return {"prices": sample, "sample": True}
    group, rows = price_table(site)
    prices = tuple(
        (f".{row['tld_unicode']}", Money(row["register_minor"], row["currency"]).format(locale),
         Money(row["renew_minor"], row["currency"]).format(locale))
        for row in rows
    )
    return {"prices": prices, "sample": False, "caption": f"{group.name}: domain prices"}
