"""The partner panel's CMS pages: list, create, edit, preview, publish, reorder, delete.

Views parse the form and call a service in cms_pages.services (the request commits:
storefront.transaction); bad input re-renders the form with the message and status 400, and
nothing changes.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from werkzeug.wrappers import Response

from cms_pages import services
from cms_pages.forms import ActionForm, MoveForm, PageForm
from cms_pages.models import Page
from cms_pages.rendering import MODULES
from storefront import transaction
from storefront.auth import panel_route
from storefront.site.content import page_view
from storefront.site.views import asset_response
from storefront.tenancy import partner_url, site_of
from storefront.themes import render_theme

bp = Blueprint("cms_panel", __name__, url_prefix="/panel/<slug>/pages")


def _to_list() -> Response:
    return redirect(url_for("cms_panel.pages", slug=g.partner.slug))


@bp.route("/")
@panel_route("editor")
def pages() -> str:
    return render_template(
        "cms_panel/list.html",
        pages=services.list_pages(g.partner),
        action_form=ActionForm(),
        storefront_url=partner_url(g.partner, "/"),
    )


@bp.route("/new", methods=["GET", "POST"])
@panel_route("editor")
def create() -> str | Response | tuple[str, int]:
    form = PageForm()
    if form.validate_on_submit():
        page = transaction.submit(form, lambda: services.create_page(g.partner, form.fields()))
        if not transaction.refused(page):
            flash(f"Page “{page.title}” created as a draft; publish it when it is ready.")
            return redirect(url_for("cms_panel.edit", slug=g.partner.slug, page_id=page.id))
    return _editor(form, None)


@bp.route("/<int:page_id>", methods=["GET", "POST"])
@panel_route("editor")
def edit(page_id: int) -> str | Response | tuple[str, int]:
    page = services.get_page(g.partner, page_id)
    form = PageForm(obj=page)
    if form.validate_on_submit():
        saved = transaction.submit(
            form, lambda: services.update_page(g.partner, page, form.fields()))
        if not transaction.refused(saved):
            flash(f"Page “{page.title}” saved.")
            return redirect(url_for("cms_panel.edit", slug=g.partner.slug, page_id=page.id))
    return _editor(form, page)


def _editor(form: PageForm, page: Page | None) -> str | tuple[str, int]:
    html = render_template(
        "cms_panel/edit.html", form=form, page=page, modules=MODULES, action_form=ActionForm()
    )
    return (html, 400) if form.is_submitted() else html


@bp.route("/<int:page_id>/preview")
@panel_route("editor")
def preview(page_id: int) -> str:
    """The page in the partner's theme, published or not, for staff only."""
    page = services.get_page(g.partner, page_id)
    site = site_of(g.partner, g.partner.primary_host)
    back_url = url_for("cms_panel.edit", slug=g.partner.slug, page_id=page.id)
    return render_theme(
        site,
        "page.html",
        page=page_view(page, site),
        menu=(),
        footer_links=(),
        ads={},
        asset_base=url_for("cms_panel.pages", slug=g.partner.slug) + "assets/",
        preview={"published": page.published, "back_url": back_url},
    )


@bp.route("/assets/<sha>")
@panel_route("editor")
def asset(sha: str) -> Response:
    """The partner's logo and images for previews on the platform host."""
    return asset_response(g.partner, sha)


@bp.route("/<int:page_id>/publish", methods=["POST"])
@panel_route("editor")
def publish(page_id: int) -> Response:
    return _set_published(page_id, True)


@bp.route("/<int:page_id>/unpublish", methods=["POST"])
@panel_route("editor")
def unpublish(page_id: int) -> Response:
    return _set_published(page_id, False)


def _set_published(page_id: int, published: bool) -> Response:
    page = services.get_page(g.partner, page_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    services.set_published(g.partner, page, published)
    flash(f"Page “{page.title}” {'published' if published else 'unpublished'}.")
    return _to_list()


@bp.route("/<int:page_id>/move", methods=["POST"])
@panel_route("editor")
def move(page_id: int) -> Response:
    page = services.get_page(g.partner, page_id)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    if transaction.refused(transaction.submit(None, lambda: services.move(
            g.partner, page, form.direction.data))):
        abort(400)
    return _to_list()


@bp.route("/<int:page_id>/delete", methods=["GET", "POST"])
@panel_route("editor")
def delete(page_id: int) -> str | Response:
    page = services.get_page(g.partner, page_id)
    form = ActionForm()
    if form.validate_on_submit():
        title = page.title
        services.delete_page(g.partner, page)
        flash(f"Page “{title}” deleted.")
        return _to_list()
    return render_template("cms_panel/delete.html", page=page, form=form)
