from wtforms import BooleanField, EmailField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from app.auth.passwords import StrongPassword
from app.forms import BaseForm, SelectField, options
from app.models import PROVINCES, Role, SizeClass


class UserForm(BaseForm):
    email = EmailField(
        "E-mailadres",
        validators=[
            DataRequired("Vul een e-mailadres in."),
            Email("Dit is geen geldig e-mailadres.", check_deliverability=False),
            Length(max=254),
        ],
    )
    display_name = StringField(
        "Naam", validators=[DataRequired("Vul een naam in."), Length(max=120)]
    )
    role = SelectField("Rol", choices=options(Role.choices()))
    municipality = SelectField("Gemeente", description="Verplicht voor deelnemers.")
    job_title = StringField("Functie", validators=[Optional(), Length(max=120)])
    organisation = StringField(
        "Organisatie", validators=[Optional(), Length(max=120)], description="Voor experts."
    )
    active = BooleanField("Account actief", default=True)
    password = PasswordField(
        "Wachtwoord",
        validators=[Optional(), StrongPassword()],
        description="Laat leeg om het huidige wachtwoord te houden.",
    )


class NewUserForm(UserForm):
    password = PasswordField(
        "Wachtwoord", validators=[DataRequired("Kies een eerste wachtwoord."), StrongPassword()]
    )


class MunicipalityForm(BaseForm):
    name = StringField("Naam", validators=[DataRequired("Vul de naam in."), Length(max=120)])
    size_class = SelectField("Grootte", choices=options(SizeClass.choices()))
    province = SelectField("Provincie", choices=options((p, p) for p in PROVINCES))


class ThemeForm(BaseForm):
    name = StringField("Naam", validators=[DataRequired("Vul de naam in."), Length(max=120)])
    slug = StringField(
        "Korte naam in de URL",
        validators=[Optional(), Length(max=60)],
        description="Laat leeg om hem uit de naam te maken.",
    )
    description = TextAreaField("Omschrijving", validators=[Optional(), Length(max=2000)])
