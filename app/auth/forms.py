from wtforms import EmailField, HiddenField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from app.forms import BaseForm

MIN_PASSWORD_LENGTH = 10


class LoginForm(BaseForm):
    email = EmailField("E-mailadres", validators=[DataRequired("Vul je e-mailadres in.")])
    password = PasswordField("Wachtwoord", validators=[DataRequired("Vul je wachtwoord in.")])
    next = HiddenField()


class ChangePasswordForm(BaseForm):
    current_password = PasswordField(
        "Huidig wachtwoord", validators=[DataRequired("Vul je huidige wachtwoord in.")]
    )
    new_password = PasswordField(
        "Nieuw wachtwoord",
        validators=[
            DataRequired("Kies een nieuw wachtwoord."),
            Length(
                min=MIN_PASSWORD_LENGTH,
                message=f"Een wachtwoord heeft minstens {MIN_PASSWORD_LENGTH} tekens.",
            ),
        ],
    )
    confirm_password = PasswordField(
        "Herhaal nieuw wachtwoord",
        validators=[EqualTo("new_password", "De twee wachtwoorden zijn niet gelijk.")],
    )
