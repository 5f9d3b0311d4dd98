"""The ad form: the ads service checks links, dates and images, so its messages reach the user."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from storefront.models.branding import AD_PLACEMENTS
from storefront.services.ads import KINDS, MAX_BODY, MAX_LINK, MAX_TITLE, AdInput


class AdForm(FlaskForm):
    kind = SelectField(
        "Kind",
        choices=[SelectChoice(value, label) for value, label in KINDS.items()],
        validate_choice=False,
    )
    title = StringField(
        "Title", validators=[Length(max=MAX_TITLE)],
        description="Shown on a text ad; on an image ad it is the image's alternative text.",
    )
    body = TextAreaField("Text", validators=[Length(max=MAX_BODY)])
    image = FileField(
        "Image", description="For image ads: PNG, JPEG, WebP or GIF, at most 1 MB. "
        "Leave empty to keep the current image.",
    )
    link_url = StringField(
        "Link", validators=[Length(max=MAX_LINK)],
        description="Where a click takes the visitor: a full address starting with https://.",
    )
    placement = SelectField(
        "Placement",
        choices=[SelectChoice(value, label) for value, label in AD_PLACEMENTS.items()],
        validate_choice=False,
    )
    starts_on = DateField("First day shown", validators=[Optional()])
    ends_on = DateField("Last day shown", validators=[Optional()])
    enabled = BooleanField("Shown (switch off to pause the ad)", default=True)

    def to_input(self) -> AdInput:
        return AdInput(
            kind=self.kind.data or "",
            title=self.title.data or "",
            body=self.body.data or "",
            link_url=self.link_url.data or "",
            placement=self.placement.data or "",
            starts_on=self.starts_on.data,
            ends_on=self.ends_on.data,
            enabled=bool(self.enabled.data),
        )
