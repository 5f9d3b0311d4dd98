"""Ads: list, create, edit, switch on and off, delete. Editors may manage them.

Ads are always loaded through `get_for_partner`, so another partner's ad id is a 404.
"""

from __future__ import annotations

from datetime import date

from flask import flash, g, redirect, render_template, url_for

from storefront import transaction
from storefront.auth import panel_route
from storefront.models import Ad
from storefront.models.branding import AD_PLACEMENTS
from storefront.panel.ad_forms import AdForm
from storefront.panel.blueprint import bp
from storefront.panel.branding_forms import RemoveForm
from storefront.services import ads as service
from storefront.services.assets import Upload
from storefront.tenancy import get_for_partner


@bp.route("/<slug>/ads")
@panel_route("editor")
def ads():
    return render_template(
        "panel/ads.html",
        ads=service.list_ads(g.partner),
        placements=AD_PLACEMENTS,
        status=service.status,
        today=date.today(),
        action_form=RemoveForm(formdata=None),
    )


@bp.route("/<slug>/ads/new", methods=["GET", "POST"])
@panel_route("editor")
def new_ad():
    form = AdForm()
    return _edit(form, None)


@bp.route("/<slug>/ads/<int:ad_id>/edit", methods=["GET", "POST"])
@panel_route("editor")
def edit_ad(ad_id: int):
    ad = get_for_partner(Ad, ad_id, g.partner.id)
    return _edit(AdForm(obj=ad), ad)


@bp.route("/<slug>/ads/<int:ad_id>/toggle", methods=["POST"])
@panel_route("editor")
def toggle_ad(ad_id: int):
    ad = get_for_partner(Ad, ad_id, g.partner.id)
    if RemoveForm().validate_on_submit():
        service.set_enabled(g.partner, ad, not ad.enabled)
        flash(f"“{ad.title or 'The ad'}” is {'shown' if ad.enabled else 'switched off'}.")
    return redirect(url_for("panel.ads", slug=g.partner.slug))


@bp.route("/<slug>/ads/<int:ad_id>/delete", methods=["POST"])
@panel_route("editor")
def delete_ad(ad_id: int):
    ad = get_for_partner(Ad, ad_id, g.partner.id)
    if RemoveForm().validate_on_submit():
        title = ad.title or "The ad"
        service.delete_ad(g.partner, ad)
        flash(f"“{title}” is deleted.")
    return redirect(url_for("panel.ads", slug=g.partner.slug))


def _edit(form: AdForm, ad: Ad | None):
    if form.validate_on_submit():
        image = Upload.from_file_storage(form.image.data)
        saved = transaction.submit(form, lambda: _save(ad, form, image))
        if not transaction.refused(saved):
            flash(f"“{saved.title or 'The ad'}” is saved.")
            return redirect(url_for("panel.ads", slug=g.partner.slug))
    status = 400 if form.errors else 200
    return render_template("panel/ad_form.html", form=form, ad=ad), status


def _save(ad: Ad | None, form: AdForm, image: Upload | None) -> Ad:
    if ad is None:
        return service.create_ad(g.partner, form.to_input(), image)
    return service.update_ad(g.partner, ad, form.to_input(), image)
