"""Forms of the "TLDs & prices" and "TLD groups" pages.

Prices and lists of extensions are plain text fields: the catalogue service parses and judges
them, so its messages (with the wholesale price, the TLD it refuses…) reach the partner as they are.
"""

from __future__ import annotations

import re
from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from storefront.models.catalog import TLD_KINDS
from storefront.numbers import decimal_number, refusal
from storefront.services.errors import InvalidInput

MAX_MARKUP = Decimal(1000)
_LIST_SEPARATORS = re.compile(r"[\s,;]+")
KIND_LABELS = {kind: "IDN" if kind == "idn" else kind.capitalize() for kind in TLD_KINDS}
SALE_STATES = {"": "All", "selling": "Selling", "not-selling": "Not selling"}


class TldFilterForm(FlaskForm):
    """The list's filter: read from the query string, so it needs no CSRF token."""

    class Meta:
        csrf = False

    q = StringField("Extension", validators=[Length(max=100)])
    kind = SelectField(
        "Kind",
        choices=[SelectChoice("", "All kinds"),
                 *(SelectChoice(kind, label) for kind, label in KIND_LABELS.items())],
        validate_choice=False,
    )
    sale = SelectField(
        "Status",
        choices=[SelectChoice(value, label) for value, label in SALE_STATES.items()],
        validate_choice=False,
    )


class RetailPricesForm(FlaskForm):
    # No DataRequired: an empty price gets the service's own message, like any other bad price.
    register = StringField("Registration (first year)", validators=[Length(max=40)])
    renew = StringField("Renewal (a year)", validators=[Length(max=40)])
    transfer = StringField("Transfer", validators=[Length(max=40)])


class MarkupForm(FlaskForm):
    """Sell the chosen TLDs at their wholesale prices plus a percentage. The chosen TLDs arrive as
    `tld` checkboxes that live in the table rows (HTML's form= attribute), not as a field here."""

    percent = StringField("Markup (%)", validators=[Length(max=10)])

    def percent_value(self) -> Decimal:
        raw = (self.percent.data or "").strip().rstrip("%").strip()
        value = decimal_number(raw, max_length=7)
        if value is None or value < 0 or value != round(value, 2):
            usual = "Enter the markup as a number of percent, e.g. 20."
            raise InvalidInput(refusal(raw, usual), "percent")
        if value > MAX_MARKUP:
            raise InvalidInput(f"A markup is at most {MAX_MARKUP} %.", "percent")
        return value


class ActionForm(FlaskForm):
    """Only the CSRF token: stop selling, make default, move, delete need no other input."""


class GroupForm(FlaskForm):
    name = StringField("Name", validators=[Length(max=200)],
                       description="Shown to visitors above the search results, e.g. “Popular”.")
    tlds = TextAreaField(
        "Extensions, in order", validators=[Length(max=5000)],
        description="One per line or separated by commas, e.g. pl, com.pl, com. Only "
        "extensions you sell can be added.",
    )

    def tld_names(self) -> list[str]:
        return split_tlds(self.tlds.data or "")


class NewGroupForm(GroupForm):
    slug = StringField(
        "Slug (optional)", validators=[Length(max=200)],
        description="Used in frame addresses; made from the name when empty. It never changes "
        "afterwards.",
    )


def split_tlds(text: str) -> list[str]:
    """ "pl, com.pl\n.com" → ["pl", "com.pl", ".com"]; the service normalises each one."""
    return [part for part in _LIST_SEPARATORS.split(text) if part]
