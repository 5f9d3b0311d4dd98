"""The page editor's forms (flask-wtf, so every POST carries a CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import InputRequired, Optional

from cms_pages.services import PageFields
from storefront.forms import WholeNumberField


class PageForm(FlaskForm):
    title = StringField("Title", validators=[InputRequired("Give the page a title.")])
    slug = StringField(
        "Address (slug)",
        description="The page lives at /<slug>: lower-case letters a-z, digits and hyphens. "
        "Leave empty for the home page.",
    )
    menu_title = StringField("Menu title", description="Shorter name for the menu; optional.")
    menu_position = WholeNumberField("Menu position", default=100, validators=[Optional()])
    show_in_menu = BooleanField("Show in the menu", default=True)
    show_in_footer = BooleanField("Link from the footer (legal documents)")
    seo_title = StringField("SEO title", description="Shown in search results and the browser tab.")
    seo_description = TextAreaField("SEO description", description="One or two sentences.")
    body = TextAreaField("Content (Markdown)")

    def fields(self) -> PageFields:
        return PageFields(
            title=self.title.data or "",
            slug=self.slug.data or "",
            menu_title=self.menu_title.data or "",
            menu_position=self.menu_position.data or 0,
            show_in_menu=bool(self.show_in_menu.data),
            show_in_footer=bool(self.show_in_footer.data),
            seo_title=self.seo_title.data or "",
            seo_description=self.seo_description.data or "",
            body=self.body.data or "",
        )


class ActionForm(FlaskForm):
    """The POST buttons of the page list: publish, unpublish, move, delete (CSRF only)."""


class MoveForm(FlaskForm):
    direction = HiddenField(validators=[InputRequired()])
