"""Branding: logo, favicon, theme, palette with a live preview, frame origins, contact details.

One page shows every section; each section's form posts to its own URL. Bad input re-renders the
page with the message and HTTP 400, and nothing is saved.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, flash, g, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from storefront import palette, themes, transaction
from storefront.auth import panel_route
from storefront.panel.blueprint import bp
from storefront.panel.branding_forms import (
    ContactForm,
    FaviconForm,
    FrameOriginsForm,
    LogoForm,
    PaletteForm,
    RemoveForm,
    SuggestionForm,
    ThemeForm,
)
from storefront.services import branding as service
from storefront.services.assets import Upload
from storefront.services.logo_contrast import check_logo
from storefront.site.views import asset_response
from storefront.tenancy import raw_host


@bp.route("/<slug>/branding")
@panel_route("admin")
def branding():
    return _page()


@bp.route("/<slug>/assets/<sha>")
@panel_route("editor")
def asset(sha: str) -> Response:
    """Previews in the panel: only this partner's assets, on the platform host."""
    return asset_response(g.partner, sha)


@bp.route("/<slug>/branding/logo", methods=["POST"])
@panel_route("admin")
def upload_logo():
    form = LogoForm()
    return _save(
        "logo_form", form, lambda: service.set_logo(g.partner, _upload(form.logo)),
        "The logo is updated.", "logo",
    )


@bp.route("/<slug>/branding/logo/remove", methods=["POST"])
@panel_route("admin")
def remove_logo():
    return _save(
        "remove_form", RemoveForm(), lambda: service.remove_logo(g.partner),
        "The logo is removed; the storefront shows the name instead.", "logo",
    )


@bp.route("/<slug>/branding/favicon", methods=["POST"])
@panel_route("admin")
def upload_favicon():
    form = FaviconForm()
    return _save(
        "favicon_form", form, lambda: service.set_favicon(g.partner, _upload(form.favicon)),
        "The favicon is updated.", "logo",
    )


@bp.route("/<slug>/branding/favicon/remove", methods=["POST"])
@panel_route("admin")
def remove_favicon():
    return _save(
        "remove_form", RemoveForm(), lambda: service.remove_favicon(g.partner),
        "The favicon is removed.", "logo",
    )


@bp.route("/<slug>/branding/theme", methods=["POST"])
@panel_route("admin")
def choose_theme():
    form = _theme_form()
    return _save(
        "theme_form", form, lambda: service.set_theme(g.partner, form.theme.data or ""),
        "The theme is changed.", "theme",
    )


@bp.route("/<slug>/branding/palette", methods=["POST"])
@panel_route("admin")
def save_palette():
    form = PaletteForm()
    values = {slot: form[slot].data for slot in palette.SLOTS}
    return _save(
        "palette_form", form, lambda: _palette_saved(service.set_palette(g.partner, values)),
        "", "palette",
    )


@bp.route("/<slug>/branding/palette/suggestion", methods=["POST"])
@panel_route("admin")
def apply_suggestion():
    form = SuggestionForm()
    return _save(
        "palette_form", form,
        lambda: _palette_saved(
            service.set_palette_slot(g.partner, form.slot.data or "", form.colour.data or "")
        ),
        "", "palette", shown=_forms()["palette_form"],
    )


@bp.route("/<slug>/branding/frames", methods=["POST"])
@panel_route("admin")
def save_frame_origins():
    form = FrameOriginsForm()
    return _save(
        "frames_form", form,
        lambda: service.set_frame_origins(g.partner, form.frame_origins.data or ""),
        "The allowed frame origins are saved.", "frames",
    )


@bp.route("/<slug>/branding/contact", methods=["POST"])
@panel_route("admin")
def save_contact():
    form = ContactForm()
    return _save(
        "contact_form", form,
        lambda: service.set_contact(
            g.partner, form.contact_email.data or "", form.contact_phone.data or "",
            form.contact_address.data or "",
        ),
        "The contact details are saved.", "contact",
    )


# --- helpers -----------------------------------------------------------------------------------


def _save(
    name: str,
    form: FlaskForm,
    action: Callable[[], object],
    message: str,
    anchor: str,
    shown: FlaskForm | None = None,
):
    """Validate, run the service and go back to the section; or re-render with errors.

    `shown` is the page's form that displays the errors when the posted form is a hidden one.
    """
    shown = shown or form
    if form.validate_on_submit():
        if not transaction.refused(transaction.submit(shown, action)):
            if message:
                flash(message)
            return redirect(url_for("panel.branding", slug=g.partner.slug, _anchor=anchor))
    elif shown is not form or not form.errors:
        shown.form_errors.append("The form could not be read; please try again.")
    return _page(400, **{name: shown})


def _palette_saved(warnings: list[service.ContrastWarning]) -> None:
    if warnings:
        flash(
            f"The palette is saved. {len(warnings)} colour pair(s) are below WCAG AA contrast; "
            "see the suggestions under the palette.",
            "warning",
        )
    else:
        flash("The palette is saved; every text colour reaches WCAG AA contrast.")


def _upload(field) -> Upload:
    return Upload.from_file_storage(field.data) or Upload(b"")


def _theme_form(**kwargs) -> ThemeForm:
    form = ThemeForm(**kwargs)
    form.theme.choices = [
        SelectChoice(slug, meta["name"]) for slug, meta in themes.available().items()
    ]
    return form


def _forms() -> dict[str, FlaskForm]:
    partner = g.partner
    colours = palette.effective(partner.palette)
    return {
        "logo_form": LogoForm(formdata=None),
        "favicon_form": FaviconForm(formdata=None),
        "remove_form": RemoveForm(formdata=None),
        "theme_form": _theme_form(formdata=None, theme=partner.theme),
        "palette_form": PaletteForm(formdata=None, data=colours),
        "suggestion_form": SuggestionForm(formdata=None),
        "frames_form": FrameOriginsForm(
            formdata=None, frame_origins="\n".join(partner.frame_origins or ())
        ),
        "contact_form": ContactForm(formdata=None, obj=partner),
    }


def _page(status: int = 200, **forms: FlaskForm):
    partner = g.partner
    context = _forms()
    context.update(forms)
    colours = palette.effective(partner.palette)
    return render_template(
        "panel/branding.html",
        themes=themes.available(),
        slots=palette.SLOTS,
        text_pairs=palette.text_pairs(partner.theme),
        colours=colours,
        contrast_warnings=service.contrast_warnings(colours, partner.theme),
        logo_check=check_logo(partner),
        raw_host=raw_host(partner.slug),
        **context,
    ), status
