"""Forms of the TLD catalogue pages. They only carry what was typed (and the CSRF token): the
service checks every value and reports every bad field at once, each with one clear message."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length
from wtforms.widgets import NumberInput

from storefront.models.catalog import TLD_KINDS
from storefront.services.catalog import MAX_YEARS
from storefront.services.tld_admin import TldTerms


class YearsField(StringField):
    """A number of years, passed on as typed: the service reads it (digits 0-9 only) and refuses
    it with its message beside the other fields' messages."""

    widget = NumberInput()


def _price(label: str) -> StringField:
    return StringField(label, render_kw={"inputmode": "decimal", "autocomplete": "off"})


class TldTermsForm(FlaskForm):
    register = _price("Register price")
    renew = _price("Renew price")
    transfer = _price("Transfer price")
    min_years = YearsField("Minimum period (years)", default=1)
    max_years = YearsField("Maximum period (years)", default=MAX_YEARS)
    idn_allowed = BooleanField("Internationalised (IDN) names allowed")
    # Not validated as a choice here: the service refuses an unknown backend with a clearer
    # message, and lets a TLD keep one that is no longer configured.
    backend = SelectField("Registrar backend", validate_choice=False)
    enabled = BooleanField("Offered to partners", default=True)

    def set_backends(self, backends: list[str], current: str | None = None) -> None:
        names = list(backends)
        choices = [SelectChoice(name, name) for name in names]
        if current and current not in names:
            choices.append(SelectChoice(current, f"{current} (not configured)"))
        self.backend.choices = choices

    def terms(self) -> TldTerms:
        return TldTerms(
            register=self.register.data or "",
            renew=self.renew.data or "",
            transfer=self.transfer.data or "",
            min_years=str(self.min_years.data or ""),
            max_years=str(self.max_years.data or ""),
            idn_allowed=bool(self.idn_allowed.data),
            backend=self.backend.data or "",
            enabled=bool(self.enabled.data),
        )


class AddTldForm(TldTermsForm):
    name = StringField(
        "Extension",
        validators=[Length(max=253)],
        description="Without the leading dot; IDN may be typed in its own script (рф).",
    )
    kind = SelectField(
        "Kind",
        choices=[SelectChoice(kind, kind) for kind in TLD_KINDS],
        validate_choice=False,
    )
    currency = StringField(
        "Currency",
        default="PLN",
        validators=[Length(max=20)],
    )


class ImportTldsForm(FlaskForm):
    file = FileField(
        "Catalogue file (CSV)",
        validators=[FileRequired("Choose a CSV file to import.")],
        description="Columns: tld, kind, register, renew, transfer, currency, min_years, "
                    "max_years, idn, backend, enabled. TLDs not in the file stay as they are.",
    )
