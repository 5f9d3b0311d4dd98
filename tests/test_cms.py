"""CMS pages: Markdown rendering and sanitising, modules, and the panel's page management."""

import pytest
from sqlalchemy import func, select

from cms_pages.models import Page
from cms_pages.rendering import body_parts, sanitise
from storefront.db import db


def page_of(partner, slug: str) -> Page | None:
    return db.session.scalar(select(Page).where(Page.partner_id == partner.id, Page.slug == slug))


def page_count(partner) -> int:
    return db.session.scalar(select(func.count(Page.id)).where(Page.partner_id == partner.id))


def form_for(**overrides) -> dict:
    data = {"title": "About us", "slug": "about", "menu_title": "About", "menu_position": "50",
            "show_in_menu": "y", "seo_title": "About Acme", "seo_description": "Who we are.",
            "body": "We are **Acme**."}
    data.update(overrides)
    return data


def html_of(body: str) -> str:
    return "".join(value for kind, value in body_parts(body) if kind == "html")


# --- rendering and sanitising ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "forbidden"),
    [
        ("<script>alert(1)</script>", "<script"),
        ("<style>body{display:none}</style>", "<style"),
        ('<p onclick="steal()">hi</p>', "onclick"),
        ('<img src="x.png" onerror="steal()">', "onerror"),
        ('<a href="javascript:alert(1)">x</a>', "javascript:"),
        ("[x](javascript:alert(1))", 'href="javascript:'),
        ('<a href="JaVaScRiPt:alert(1)">x</a>', "alert"),
        ('<img src="data:image/svg+xml;base64,PHN2Zz4=">', "data:"),
        ("[x](data:text/html,<script>)", 'href="data:'),
        ("![x](data:image/png;base64,AAAA)", 'src="data:'),
        ('<iframe src="https://evil.example.com"></iframe>', "<iframe"),
        ('<p style="position:fixed">x</p>', "style="),
        ('<object data="x.swf"></object>', "<object"),
        ('<form action="https://evil.example.com"><input name="card"></form>', "<form"),
    ],
)
def test_dangerous_markup_is_removed(body, forbidden):
    assert forbidden.lower() not in html_of(body).lower()


def test_harmless_markdown_and_html_survive():
    html = html_of("# Title\n\nSome **bold** and [a link](https://example.com).\n\n"
                   "| a | b |\n|---|---|\n| 1 | 2 |\n\n<em>kept</em>")
    assert "<h1>Title</h1>" in html
    assert "<strong>bold</strong>" in html
    assert 'href="https://example.com"' in html and 'rel="noopener noreferrer nofollow"' in html
    assert "<table>" in html and "<em>kept</em>" in html


def test_template_syntax_is_shown_literally():
    assert "{{7*7}}" in html_of("{{7*7}}")
    assert "{% for x in y %}" in html_of("{% for x in y %}")
    assert "49" not in html_of("{{7*7}}")


def test_sanitise_strips_what_markdown_lets_through():
    assert sanitise('<a href="vbscript:x" onmouseover="y">z</a>') == (
        '<a rel="noopener noreferrer nofollow">z</a>'
    )


def test_modules_are_placed_by_a_line_of_their_own():
    parts = body_parts("Intro\n\n[[domain-search]]\n\nText [[contact]] inline\n\n[[nope]]\n\n"
                       "```\n[[login-box]]\n```")
    assert parts[0] == ("html", "<p>Intro</p>\n")
    assert parts[1] == ("module", "domain-search")
    rest = parts[2][1]
    assert "Text [[contact]] inline" in rest and "[[nope]]" in rest and "[[login-box]]" in rest
    assert len(parts) == 3


# --- pages on the storefront -------------------------------------------------------------------


def test_storefront_page_is_sanitised_and_never_a_template(two_partners, host_client):
    acme = two_partners["acme"]
    db.session.add(Page(partner_id=acme.id, slug="tricks", title="Tricks", published=True,
                        body="{{7*7}} {{ config.SECRET_KEY }}\n\n<script>alert(1)</script>\n\n"
                             '<img src="x" onerror="alert(1)">'))
    db.session.commit()
    body = host_client("acme.localhost").get("/tricks").get_data(as_text=True)
    assert "{{7*7}}" in body and "{{ config.SECRET_KEY }}" in body
    assert "test-secret" not in body and "<script" not in body and "onerror" not in body


def test_modules_render_on_the_storefront(two_partners, host_client):
    acme = two_partners["acme"]
    acme.contact_email, acme.contact_phone = "help@acme.example.com", "+48 22 1"
    acme.contact_address = "ul. Prosta 1, Warszawa"
    db.session.add(Page(partner_id=acme.id, slug="all", title="All modules", published=True,
                        body="[[domain-search]]\n\n[[tld-prices]]\n\n[[login-box]]\n\n[[contact]]"))
    db.session.commit()
    body = host_client("acme.localhost").get("/all").get_data(as_text=True)
    assert 'action="/search"' in body and 'name="q"' in body
    assert "Sample prices" in body and ".com" in body
    assert 'href="/account/login"' in body
    assert "help@acme.example.com" in body and "ul. Prosta 1, Warszawa" in body
    globex = host_client("globex.localhost").get("/contact").get_data(as_text=True)
    assert "help@acme.example.com" not in globex


def test_new_partner_starts_with_home_contact_and_legal_pages(two_partners, host_client):
    site = host_client("globex.localhost")
    for path, text in (("/", "Your name on the web"), ("/contact", "Contact"),
                       ("/terms", "Terms of service"), ("/privacy", "Privacy policy")):
        response = site.get(path)
        assert response.status_code == 200, path
        assert text in response.get_data(as_text=True)
        assert "Globex Domains" in response.get_data(as_text=True)


# --- the panel ---------------------------------------------------------------------------------


@pytest.fixture
def editor(two_partners, make_user, client, login):
    user = make_user("editor@acme.example.com", two_partners["acme"], role="editor")
    return login(client, user)


def test_editor_creates_a_draft_publishes_it_and_visitors_see_it(two_partners, editor,
                                                                  host_client):
    acme = two_partners["acme"]
    response = editor.post("/panel/acme/pages/new", data=form_for())
    assert response.status_code == 302
    page = page_of(acme, "about")
    assert page is not None and not page.published
    visitor = host_client("acme.localhost")
    assert visitor.get("/about").status_code == 404

    preview = editor.get(f"/panel/acme/pages/{page.id}/preview")
    assert preview.status_code == 200
    assert "We are <strong>Acme</strong>." in preview.get_data(as_text=True)
    assert "not published" in preview.get_data(as_text=True)

    assert editor.post(f"/panel/acme/pages/{page.id}/publish").status_code == 302
    shown = visitor.get("/about")
    assert shown.status_code == 200
    assert "<title>About Acme</title>" in shown.get_data(as_text=True)
    assert 'href="/about"' in visitor.get("/").get_data(as_text=True)

    assert editor.post(f"/panel/acme/pages/{page.id}/unpublish").status_code == 302
    assert visitor.get("/about").status_code == 404


def test_editor_edits_a_page(two_partners, editor, host_client):
    page = page_of(two_partners["acme"], "contact")
    response = editor.post(f"/panel/acme/pages/{page.id}",
                           data=form_for(title="Talk to us", slug="talk", body="Call us."))
    assert response.status_code == 302
    visitor = host_client("acme.localhost")
    assert "Call us." in visitor.get("/talk").get_data(as_text=True)
    assert visitor.get("/contact").status_code == 404


def test_page_list_and_editor_show_pages_and_modules(two_partners, editor):
    listing = editor.get("/panel/acme/pages/").get_data(as_text=True)
    for title in ("Contact", "Terms of service", "Privacy policy"):
        assert title in listing
    assert "Globex" not in listing
    page = page_of(two_partners["acme"], "contact")
    form = editor.get(f"/panel/acme/pages/{page.id}").get_data(as_text=True)
    for module in ("[[domain-search]]", "[[tld-prices]]", "[[login-box]]", "[[contact]]"):
        assert module in form


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("a/b", "one path segment"),
        ("..", "one path segment"),
        ("../etc", "one path segment"),
        ("\u0430bout", "not one"),  # Cyrillic а
        ("caf\u00e9", "not one"),
        ("admin", "reserved"),
        ("account", "reserved"),
        ("frames", "reserved"),
        ("panel", "reserved"),
        ("api", "reserved"),
        ("static", "reserved"),
        ("widgets", "reserved"),
        ("assets", "reserved"),
        ("search", "reserved"),
        (".well-known", "reserved"),
        ("login", "reserved"),
        ("logout", "reserved"),
        ("-about", "single hyphens"),
        ("two words", "single hyphens"),
        ("contact", "already"),
        ("", "already a home page"),
    ],
)
def test_bad_slugs_are_refused_and_nothing_is_stored(two_partners, editor, slug, message):
    acme = two_partners["acme"]
    before = page_count(acme)
    response = editor.post("/panel/acme/pages/new", data=form_for(slug=slug))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert page_count(acme) == before


def test_bad_input_on_edit_changes_nothing(two_partners, editor):
    page = page_of(two_partners["acme"], "terms")
    response = editor.post(f"/panel/acme/pages/{page.id}",
                           data=form_for(title="Changed", slug="admin"))
    assert response.status_code == 400
    db.session.expire_all()
    assert page.title == "Terms of service" and page.slug == "terms"


def test_missing_title_is_refused(two_partners, editor):
    before = page_count(two_partners["acme"])
    response = editor.post("/panel/acme/pages/new", data=form_for(title=""))
    assert response.status_code == 400
    assert "Give the page a title." in response.get_data(as_text=True)
    assert page_count(two_partners["acme"]) == before


def test_same_slug_may_exist_at_two_partners(two_partners, editor):
    assert page_of(two_partners["globex"], "contact") is not None
    response = editor.post("/panel/acme/pages/new", data=form_for(slug="globex-only"))
    assert response.status_code == 302


def test_reorder_moves_pages_in_the_menu(two_partners, editor, host_client):
    acme = two_partners["acme"]
    contact = page_of(acme, "contact")
    home = page_of(acme, "")
    visitor = host_client("acme.localhost")
    menu = visitor.get("/").get_data(as_text=True)
    assert menu.index(">Home<") < menu.index(">Contact<")
    assert editor.post(f"/panel/acme/pages/{contact.id}/move",
                       data={"direction": "up"}).status_code == 302
    menu = visitor.get("/").get_data(as_text=True)
    assert menu.index(">Contact<") < menu.index(">Home<")
    assert editor.post(f"/panel/acme/pages/{home.id}/move",
                       data={"direction": "up"}).status_code == 302
    menu = visitor.get("/").get_data(as_text=True)
    assert menu.index(">Home<") < menu.index(">Contact<")
    assert editor.post(f"/panel/acme/pages/{home.id}/move",
                       data={"direction": "sideways"}).status_code == 400


def test_delete_asks_for_confirmation_then_deletes(two_partners, editor, host_client):
    page = page_of(two_partners["acme"], "privacy")
    confirm = editor.get(f"/panel/acme/pages/{page.id}/delete")
    assert confirm.status_code == 200 and "cannot be undone" in confirm.get_data(as_text=True)
    assert page_of(two_partners["acme"], "privacy") is not None
    assert editor.post(f"/panel/acme/pages/{page.id}/delete").status_code == 302
    assert page_of(two_partners["acme"], "privacy") is None
    assert host_client("acme.localhost").get("/privacy").status_code == 404
    assert host_client("globex.localhost").get("/privacy").status_code == 200


def test_another_partners_staff_gets_404(two_partners, client, login):
    login(client, two_partners["globex_owner"])
    acme_page = page_of(two_partners["acme"], "contact")
    paths = ["/panel/acme/pages/", "/panel/acme/pages/new",
             f"/panel/acme/pages/{acme_page.id}", f"/panel/acme/pages/{acme_page.id}/preview"]
    for path in paths:
        assert client.get(path).status_code == 404, path
    for action in ("publish", "unpublish", "delete", "move"):
        response = client.post(f"/panel/acme/pages/{acme_page.id}/{action}",
                               data={"direction": "up"})
        assert response.status_code == 404, action
    assert page_of(two_partners["acme"], "contact") is not None


def test_a_partners_page_id_is_404_under_its_own_staffs_panel_for_another_partner(two_partners,
                                                                                   editor):
    globex_page = page_of(two_partners["globex"], "contact")
    assert editor.get(f"/panel/acme/pages/{globex_page.id}").status_code == 404
    assert editor.post(f"/panel/acme/pages/{globex_page.id}/delete").status_code == 404
    assert editor.get(f"/panel/acme/pages/{globex_page.id}/preview").status_code == 404
    assert page_of(two_partners["globex"], "contact") is not None


def test_panel_needs_a_login_and_is_not_on_storefront_hosts(two_partners, client, host_client):
    response = client.get("/panel/acme/pages/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert host_client("acme.localhost").get("/panel/acme/pages/").status_code == 404
