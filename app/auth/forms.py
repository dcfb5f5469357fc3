from wtforms import EmailField, HiddenField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from app.auth.passwords import DESCRIPTION, MIN_LENGTH, StrongPassword
from app.forms import BaseForm

MIN_PASSWORD_LENGTH = MIN_LENGTH


def new_password_field(label: str, required_message: str) -> PasswordField:
    """A field that sets a password: the one rule of app/auth/passwords.py, explained."""
    return PasswordField(
        label,
        validators=[DataRequired(required_message), StrongPassword()],
        description=DESCRIPTION,
    )


def confirm_field(label: str, of: str) -> PasswordField:
    return PasswordField(label, validators=[EqualTo(of, "De twee wachtwoorden zijn niet gelijk.")])


class LoginForm(BaseForm):
    email = EmailField("E-mailadres", validators=[DataRequired("Vul je e-mailadres in.")])
    password = PasswordField("Wachtwoord", validators=[DataRequired("Vul je wachtwoord in.")])
    next = HiddenField()


class ChangePasswordForm(BaseForm):
    current_password = PasswordField(
        "Huidig wachtwoord", validators=[DataRequired("Vul je huidige wachtwoord in.")]
    )
    new_password = new_password_field("Nieuw wachtwoord", "Kies een nieuw wachtwoord.")
    confirm_password = confirm_field("Herhaal nieuw wachtwoord", "new_password")


class ResetRequestForm(BaseForm):
    email = EmailField(
        "E-mailadres",
        validators=[DataRequired("Vul je e-mailadres in."), Length(max=254)],
        description="Het adres waarmee je inlogt.",
    )


class ResetPasswordForm(BaseForm):
    new_password = new_password_field("Nieuw wachtwoord", "Kies een nieuw wachtwoord.")
    confirm_password = confirm_field("Herhaal nieuw wachtwoord", "new_password")
