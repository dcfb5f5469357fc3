from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from app.auth.forms import MIN_PASSWORD_LENGTH
from app.forms import BaseForm


class AcceptInvitationForm(BaseForm):
    display_name = StringField(
        "Je naam", validators=[DataRequired("Vul je naam in."), Length(max=120)]
    )
    password = PasswordField(
        "Kies een wachtwoord",
        validators=[
            DataRequired("Kies een wachtwoord."),
            Length(
                min=MIN_PASSWORD_LENGTH,
                message=f"Een wachtwoord heeft minstens {MIN_PASSWORD_LENGTH} tekens.",
            ),
        ],
        description=f"Minstens {MIN_PASSWORD_LENGTH} tekens.",
    )
    confirm_password = PasswordField(
        "Herhaal het wachtwoord",
        validators=[EqualTo("password", "De twee wachtwoorden zijn niet gelijk.")],
    )
