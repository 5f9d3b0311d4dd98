"""Panel: TLD groups. Named, ordered lists of extensions that the domain-search and pricing
frames show together. Create, rename (the slug stays: embedded frames use it), edit the list,
make default, move up and down, delete after a confirmation.

Groups are always looked up through `catalog.get_group(partner, slug)`, so another partner's
slug is a 404 here. The service refuses extensions the partner does not sell.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for

from storefront import transaction
from storefront.auth import panel_route
from storefront.models.catalog import TldGroup
from storefront.panel.blueprint import bp
from storefront.panel.tld_forms import ActionForm, GroupForm, NewGroupForm
from storefront.services import catalog
from storefront.tenancy import partner_url


def _group_or_404(group_slug: str) -> TldGroup:
    group = catalog.get_group(g.partner, group_slug)
    if group is None:
        abort(404)
    return group


def frame_url(group: TldGroup) -> str:
    return partner_url(g.partner, f"/frames/domain-search?group={group.slug}")


def _sold_names() -> list[str]:
    return [offer.tld.unicode_name for offer in catalog.offered_tlds(g.partner)]


def _to_groups():
    return redirect(url_for("panel.tld_groups", slug=g.partner.slug))


@bp.route("/<slug>/tld-groups", methods=["GET", "POST"])
@panel_route("admin")
def tld_groups():
    form = NewGroupForm()
    if form.validate_on_submit():
        group = transaction.submit(form, lambda: catalog.create_group(
            g.partner, form.name.data or "", form.tld_names(),
            slug=(form.slug.data or "").strip() or None))
        if not transaction.refused(group):
            flash(f"The group “{group.name}” is created.")
            return redirect(url_for("panel.tld_group", slug=g.partner.slug,
                                    group_slug=group.slug))
    status = 400 if form.errors else 200
    return render_template(
        "panel/tld_groups.html",
        groups=catalog.groups(g.partner),
        form=form,
        action_form=ActionForm(formdata=None),
        sold=_sold_names(),
        frame_url=frame_url,
    ), status


@bp.route("/<slug>/tld-groups/<group_slug>", methods=["GET", "POST"])
@panel_route("admin")
def tld_group(group_slug: str):
    group = _group_or_404(group_slug)
    form = GroupForm(data={"name": group.name,
                           "tlds": "\n".join(item.tld.unicode_name for item in group.items)})
    if form.validate_on_submit():
        saved = transaction.submit(form, lambda: _save_group(group, form))
        if not transaction.refused(saved):
            flash(f"The group “{group.name}” is saved.")
            return redirect(url_for("panel.tld_group", slug=g.partner.slug,
                                    group_slug=group.slug))
        group = _group_or_404(group_slug)  # as stored, for the page
    status = 400 if form.errors else 200
    in_group = {item.tld.unicode_name for item in group.items}
    return render_template(
        "panel/tld_group.html",
        group=group,
        form=form,
        action_form=ActionForm(formdata=None),
        not_in_group=[name for name in _sold_names() if name not in in_group],
        frame_url=frame_url(group),
    ), status


def _save_group(group: TldGroup, form: GroupForm) -> None:
    catalog.rename_group(g.partner, group.slug, form.name.data or "")
    catalog.set_group_tlds(g.partner, group.slug, form.tld_names())


@bp.route("/<slug>/tld-groups/<group_slug>/default", methods=["POST"])
@panel_route("admin")
def default_tld_group(group_slug: str):
    group = _group_or_404(group_slug)
    if ActionForm().validate_on_submit():
        catalog.set_default_group(g.partner, group.slug)
        flash(f"“{group.name}” is now the default group.")
    return _to_groups()


@bp.route("/<slug>/tld-groups/<group_slug>/move", methods=["POST"])
@panel_route("admin")
def move_tld_group(group_slug: str):
    group = _group_or_404(group_slug)
    direction = request.form.get("direction")
    if direction not in ("up", "down"):
        abort(400)
    if ActionForm().validate_on_submit():
        slugs = [each.slug for each in catalog.groups(g.partner)]
        here = slugs.index(group.slug)
        there = here - 1 if direction == "up" else here + 1
        if 0 <= there < len(slugs):
            slugs[here], slugs[there] = slugs[there], slugs[here]
            catalog.reorder_groups(g.partner, slugs)
    return _to_groups()


@bp.route("/<slug>/tld-groups/<group_slug>/delete", methods=["GET", "POST"])
@panel_route("admin")
def delete_tld_group(group_slug: str):
    group = _group_or_404(group_slug)
    form = ActionForm()
    if form.validate_on_submit():
        name = group.name
        catalog.delete_group(g.partner, group.slug)
        flash(f"The group “{name}” is deleted.")
        return _to_groups()
    return render_template("panel/tld_group_delete.html", group=group, action_form=form,
                           frame_url=frame_url(group))
