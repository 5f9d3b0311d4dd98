from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField, TextAreaField
from wtforms.validators import URL, DataRequired, Email, Length, Optional


class ApplicationForm(FlaskForm):
    company_name = StringField("Company name", validators=[DataRequired(), Length(max=120)])
    contact_name = StringField("Your name", validators=[DataRequired(), Length(max=120)])
    email = EmailField("E-mail", validators=[DataRequired(), Email(), Length(max=254)])
    desired_slug = StringField(
        "Storefront address", validators=[DataRequired(), Length(max=63)],
        description="Lower-case letters, digits and hyphens: your storefront's first address.",
    )
    website = StringField("Your current website", validators=[Optional(), URL(), Length(max=300)])
    message = TextAreaField("Tell us about your business", validators=[Length(max=4000)])


class LoginForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


class SetPasswordForm(FlaskForm):
    name = StringField("Your name", validators=[DataRequired(), Length(max=120)])
    password = PasswordField("Password", validators=[DataRequired(), Length(min=10, max=200)])
