from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired("Enter your e-mail."), Length(max=254)])
    password = PasswordField(
        "Password", validators=[DataRequired("Enter your password."), Length(max=200)]
    )


class RegisterForm(FlaskForm):
    name = StringField("Your name", validators=[DataRequired("Tell us your name."),
                                                Length(max=120)])
    email = EmailField("E-mail", validators=[DataRequired("Enter your e-mail."), Length(max=254)])
    password = PasswordField(
        "Password (at least 10 characters)",
        validators=[DataRequired("Choose a password."), Length(max=200)],
    )


class ResetRequestForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired("Enter your e-mail."), Length(max=254)])


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        "New password (at least 10 characters)",
        validators=[DataRequired("Choose a password."), Length(max=200)],
    )


class ChangePasswordForm(NewPasswordForm):
    current_password = PasswordField(
        "Current password", validators=[DataRequired("Enter your current password."),
                                        Length(max=200)]
    )
