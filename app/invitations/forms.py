from wtforms import StringField
from wtforms.validators import DataRequired, Length

from app.auth.forms import confirm_field, new_password_field
from app.forms import BaseForm


class AcceptInvitationForm(BaseForm):
    display_name = StringField(
        "Je naam", validators=[DataRequired("Vul je naam in."), Length(max=120)]
    )
    password = new_password_field("Kies een wachtwoord", "Kies een wachtwoord.")
    confirm_password = confirm_field("Herhaal het wachtwoord", "password")
