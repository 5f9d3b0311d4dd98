from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField, TextAreaField
from wtforms.validators import URL, DataRequired, Email, Length, Optional

from storefront.auth import MIN_PASSWORD


class ApplicationForm(FlaskForm):
    company_name = StringField(
        "Company name",
        validators=[DataRequired("Please give your company's name."), Length(max=120)],
    )
    contact_name = StringField(
        "Your name", validators=[DataRequired("Please give your name."), Length(max=120)]
    )
    email = EmailField(
        "E-mail",
        validators=[
            DataRequired("Please give an e-mail address we can answer to."),
            Email("That e-mail address is not valid."),
            Length(max=254),
        ],
    )
    desired_slug = StringField(
        "Storefront address",
        validators=[DataRequired("Choose an address for your storefront."), Length(max=63)],
        description="Lower-case letters, digits and hyphens: your storefront's first address.",
    )
    website = StringField(
        "Your current website",
        validators=[
            Optional(),
            URL(message="Give a website address starting with http:// or https://."),
            Length(max=300),
        ],
    )
    message = TextAreaField(
        "Tell us about your business",
        validators=[Length(max=4000, message="Keep the message under 4000 characters.")],
    )


class LoginForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


class SetPasswordForm(FlaskForm):
    name = StringField("Your name", validators=[DataRequired(), Length(max=120)])
    password = PasswordField(
        f"Password (at least {MIN_PASSWORD} characters)",
        validators=[DataRequired(), Length(max=200)],
    )


class ResetRequestForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        f"New password (at least {MIN_PASSWORD} characters)",
        validators=[DataRequired(), Length(max=200)],
    )


class ChangePasswordForm(NewPasswordForm):
    current_password = PasswordField(
        "Current password", validators=[DataRequired(), Length(max=200)]
    )
