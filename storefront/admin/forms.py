from flask_wtf import FlaskForm
from wtforms import EmailField, StringField
from wtforms.validators import DataRequired, Length, Optional


class CreatePartnerForm(FlaskForm):
    slug = StringField(
        "Slug",
        validators=[DataRequired("Choose the partner's slug."), Length(max=63)],
        description="Lower-case letters, digits and hyphens; the raw host is <slug>.<platform>.",
    )
    name = StringField(
        "Name", validators=[DataRequired("Give the partner a name."), Length(max=120)]
    )
    owner_email = EmailField(
        "Owner's e-mail",
        validators=[DataRequired("Give the owner's e-mail address."), Length(max=254)],
        description="The owner gets an invitation link to set a password.",
    )


class ApproveForm(FlaskForm):
    slug = StringField(
        "Slug",
        validators=[Optional(), Length(max=63)],
        description="Leave as requested, or pick another if that one is no longer free.",
    )


class ConfirmForm(FlaskForm):
    """A POST with nothing but the CSRF token: suspend, reactivate, reject."""


class CreditBalanceForm(FlaskForm):
    """The platform books a partner's bank transfer on its wholesale balance."""

    amount = StringField(
        "Amount (PLN)",
        validators=[DataRequired("Give the amount received, e.g. 100.00."), Length(max=40)],
    )
    reference = StringField(
        "Reference",
        validators=[DataRequired("Give a reference, e.g. the bank transfer's title."),
                    Length(max=200)],
        description="E.g. the bank transfer's title; the partner sees it in its ledger.",
    )
