"""The branding page's forms: each section posts on its own, so a bad field changes nothing else."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import Length

from storefront import palette
from storefront.services.assets import FAVICON_FORMATS, IMAGE_FORMATS, describe_formats

UPLOAD_HINT = "{formats}; at most 1 MB and 4000×4000 pixels. SVG is not accepted."


class LogoForm(FlaskForm):
    logo = FileField(
        "New logo", description=UPLOAD_HINT.format(formats=describe_formats(IMAGE_FORMATS))
    )


class FaviconForm(FlaskForm):
    favicon = FileField(
        "New favicon",
        description=UPLOAD_HINT.format(formats=describe_formats(FAVICON_FORMATS))
        + " A square image of 32×32 to 256×256 pixels looks best.",
    )


class RemoveForm(FlaskForm):
    """Only the CSRF token: removing a logo or favicon needs no input."""


class ThemeForm(FlaskForm):
    # The service checks the choice, so an unknown theme gets the service's message.
    theme = RadioField("Theme", choices=[], validate_choice=False)


class PaletteForm(FlaskForm):
    """One text field per palette slot; the page pairs each with a colour picker."""


for _slot, (_label, _default) in palette.SLOTS.items():
    setattr(PaletteForm, _slot, StringField(_label, validators=[Length(max=100)]))


class SuggestionForm(FlaskForm):
    slot = HiddenField()
    colour = HiddenField()


class FrameOriginsForm(FlaskForm):
    frame_origins = TextAreaField(
        "Sites allowed to embed your frames",
        validators=[Length(max=5000)],
        description="One origin per line, like https://www.example.com or https://*.example.com "
        "(scheme, host and optional port; no paths).",
    )


class ContactForm(FlaskForm):
    contact_email = StringField("E-mail", validators=[Length(max=254)])
    contact_phone = StringField("Phone", validators=[Length(max=40)])
    contact_address = TextAreaField(
        "Address", validators=[Length(max=300, message="Keep the address under 300 characters.")]
    )
