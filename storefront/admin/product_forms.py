"""Forms of the product catalogue pages. They only carry what was typed (and the CSRF token): the
service checks every value and reports every bad field at once, each with one clear message."""

from __future__ import annotations

from collections.abc import Mapping

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from storefront.models.catalog import PRODUCT_KINDS, PRODUCT_TERMS
from storefront.services.products import (
    MAX_CODE_LENGTH,
    MAX_DESCRIPTION_LENGTH,
    MAX_NAME_LENGTH,
    ProductDetails,
)

KIND_LABELS = {"ssl": "SSL certificate", "hosting": "Hosting plan"}
PRICE_PREFIX = "price_"


def _price(months: int) -> StringField:
    label = "1 month" if months == 1 else f"{months} months"
    return StringField(f"Wholesale price, {label}",
                       render_kw={"inputmode": "decimal", "autocomplete": "off"},
                       description="Empty: not offered for this term.")


class ProductForm(FlaskForm):
    # Not validated as a choice here: the service refuses an unknown kind with its own message.
    kind = SelectField("Kind", choices=[SelectChoice(kind, KIND_LABELS[kind])
                                        for kind in PRODUCT_KINDS], validate_choice=False)
    name = StringField("Name", validators=[Length(max=MAX_NAME_LENGTH * 2)])
    description = TextAreaField("Description (plain text)",
                                validators=[Length(max=MAX_DESCRIPTION_LENGTH * 2)])

    def details(self) -> ProductDetails:
        return ProductDetails(kind=self.kind.data or "", name=self.name.data or "",
                              description=self.description.data or "")


class NewProductForm(ProductForm):
    code = StringField(
        "Code",
        validators=[Length(max=MAX_CODE_LENGTH * 2)],
        description="Lower-case letters, digits and hyphens, e.g. ssl-dv. It can't be changed "
                    "later.",
    )


class ProductTermsForm(ProductForm):
    currency = StringField("Currency", default="PLN", validators=[Length(max=20)])
    price_1 = _price(1)
    price_12 = _price(12)
    price_24 = _price(24)

    def prices(self, formdata: Mapping[str, str]) -> dict[str, str]:
        """Typed months → typed price: the three terms of the page, and any other price_… field
        the request carries, which the service refuses rather than this form ignoring it."""
        prices = {str(months): getattr(self, f"{PRICE_PREFIX}{months}").data or ""
                  for months in PRODUCT_TERMS}
        for key, value in formdata.items():
            if key.startswith(PRICE_PREFIX) and key[len(PRICE_PREFIX):] not in prices:
                prices[key[len(PRICE_PREFIX):][:20]] = value
        return prices
