from flask_wtf import FlaskForm
from wtforms import EmailField, RadioField, SelectField, StringField, TelField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from billing.profiles import countries


def _at_most(characters: int) -> Length:
    return Length(max=characters, message=f"At most {characters} characters, please.")


class BillingProfileForm(FlaskForm):
    """Checked by billing.profiles, whose messages appear next to their fields."""

    kind = RadioField("I buy as", choices=[SelectChoice("consumer", "a consumer"),
                                           SelectChoice("business", "a business")],
                      default="consumer", validate_choice=False)
    name = StringField("Full name or company name", validators=[_at_most(200)])
    tax_id = StringField("Tax id (NIP or EU VAT number; businesses only)",
                         validators=[_at_most(40)])
    street = StringField("Street and number", validators=[_at_most(200)])
    postal_code = StringField("Postal code", validators=[_at_most(20)])
    city = StringField("City", validators=[_at_most(100)])
    country = SelectField("Country", default="PL", validate_choice=False)
    email = EmailField("E-mail for documents", validators=[_at_most(254)])
    phone = TelField("Phone", validators=[_at_most(40)])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.country.choices = [SelectChoice(code, name) for code, name in countries()]
