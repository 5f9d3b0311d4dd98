from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    EmailField,
    RadioField,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from billing.profiles import countries
from storefront.forms import WholeNumberField


def _at_most(characters: int) -> Length:
    return Length(max=characters, message=f"At most {characters} characters, please.")


class DaysField(StringField):
    """A number of days kept as typed, so 0 is not taken for "empty" (billing.settings reads the
    number); a saved value or the default shows as text."""

    def process_data(self, value) -> None:
        self.data = "" if value is None else str(value)


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


class SellerSettingsForm(FlaskForm):
    """The partner's billing settings; checked by billing.settings, whose messages appear next
    to their fields."""

    name = StringField("Seller name (as on your documents)", validators=[_at_most(200)])
    street = StringField("Street and number", validators=[_at_most(200)])
    postal_code = StringField("Postal code", validators=[_at_most(20)])
    city = StringField("City", validators=[_at_most(100)])
    country = SelectField("Country", default="PL", validate_choice=False)
    tax_id = StringField("Tax id (NIP in Poland)", validators=[_at_most(40)])
    bank_account = StringField("Bank account (IBAN)", validators=[_at_most(60)],
                               description="E.g. PL61 1090 1014 0000 0712 1981 2874.")
    bank_name = StringField("Bank name (optional)", validators=[_at_most(100)])
    vat_rate = StringField("VAT rate in percent", default="23", validators=[_at_most(10)],
                           description="From 0 to 100, at most two decimals.")
    language = RadioField("Language of your documents",
                          choices=[SelectChoice("pl", "Polish"), SelectChoice("en", "English")],
                          default="pl", validate_choice=False)
    renewal_lead_days = WholeNumberField(
        "Proforma before a renewal, in days", default=30,
        description="How many days before a domain's renewal its proforma is issued (1-120).")
    invoice_note = TextAreaField("Note printed on documents (optional)",
                                 validators=[_at_most(500)])
    # billing.settings reads the numbers and answers an out-of-range one next to its field.
    grace_days = DaysField(
        "Grace of an expired domain, in days", default="30", validators=[_at_most(10)],
        description="How long an expired gTLD domain (.com, .eu, …) can still be renewed before "
                    "it is terminated (0-45, inside the registry's 45-day grace). An expired .pl "
                    "domain is blocked and renewable for 30 days.")
    hosting_suspend_days = DaysField(
        "Suspend expired hosting after, in days", default="7", validators=[_at_most(10)],
        description="Days after a hosting plan's expiry before it is suspended (0-90).")
    hosting_terminate_days = DaysField(
        "Terminate expired hosting after, in days", default="30", validators=[_at_most(10)],
        description="Days after a hosting plan's expiry before it is terminated (1-365, not "
                    "before its suspension).")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.country.choices = [SelectChoice(code, name) for code, name in countries()]


class TransferForm(FlaskForm):
    """A bank transfer a partner received for a proforma; checked by billing.payments."""

    amount = StringField("Amount received", validators=[_at_most(20)])
    received_on = DateField("Received on", format="%Y-%m-%d")
    reference = StringField("Transfer title or bank reference", validators=[_at_most(200)])
