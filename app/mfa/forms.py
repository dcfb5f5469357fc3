from wtforms import StringField
from wtforms.validators import DataRequired, Length

from app.forms import BaseForm


class CodeForm(BaseForm):
    code = StringField(
        "Code uit je authenticator-app",
        validators=[DataRequired("Vul de code van 6 cijfers in."), Length(max=20)],
        description="Zes cijfers; de code verandert elke 30 seconden.",
    )


class RecoveryForm(BaseForm):
    recovery_code = StringField(
        "Herstelcode",
        validators=[DataRequired("Vul een van je herstelcodes in."), Length(max=30)],
        description="Een van de codes die je bij het instellen bewaarde, zoals 1a2b3-c4d5e.",
    )
