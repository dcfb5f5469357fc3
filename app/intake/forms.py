from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import URL, DataRequired, Email, Length, Optional, ValidationError

from app.forms import BaseForm, MultiCheckboxField, SelectField, options
from app.models import PROVINCES, ApplicationStatus, SizeClass


def _required(message: str, max_length: int = 120) -> list:
    return [DataRequired(message), Length(max=max_length, message=f"Maximaal {max_length} tekens.")]


def _email(label: str) -> EmailField:
    return EmailField(
        label,
        validators=[
            DataRequired("Vul een e-mailadres in."),
            Email("Dit is geen geldig e-mailadres.", check_deliverability=False),
            Length(max=254),
        ],
    )


class ApplicationForm(BaseForm):
    """The public aanmelding of a municipality and its duo."""

    municipality_name = StringField(
        "Gemeente", validators=_required("Vul de naam van de gemeente in.")
    )
    size_class = SelectField(
        "Grootte van de gemeente",
        choices=options(SizeClass.choices(), empty_label="Kies…"),
        validators=[DataRequired("Kies de grootte van de gemeente.")],
    )
    province = SelectField(
        "Provincie",
        choices=options(((p, p) for p in PROVINCES), empty_label="Kies…"),
        validators=[DataRequired("Kies de provincie.")],
    )
    first_name = StringField(
        "Naam", validators=_required("Vul de naam van de eerste deelnemer in.")
    )
    first_function = StringField(
        "Functie",
        validators=_required("Vul de functie in."),
        description="Bijvoorbeeld beleidsmedewerker samenleven of veiligheid.",
    )
    first_email = _email("E-mailadres")
    second_name = StringField(
        "Naam", validators=_required("Vul de naam van de tweede deelnemer in.")
    )
    second_function = StringField(
        "Functie",
        validators=_required("Vul de functie in."),
        description="Strategisch (communicatie)adviseur, of een wijkprofessional.",
    )
    second_email = _email("E-mailadres")
    learning_questions = TextAreaField(
        "Leervragen",
        validators=[DataRequired("Beschrijf jullie leervragen."), Length(max=5000)],
        description="Wat willen jullie in het leernetwerk leren?",
    )
    expectations = TextAreaField(
        "Verwachtingen", validators=[Optional(), Length(max=5000, message="Maximaal 5.000 tekens.")]
    )
    themes = MultiCheckboxField("Thema's die nu bij jullie spelen", coerce=int)
    local_issues = TextAreaField(
        "Wat speelt er lokaal?",
        validators=[Optional(), Length(max=5000, message="Maximaal 5.000 tekens.")],
        description="Beschrijf kort de actuele vraagstukken rond polarisatie en vertrouwen.",
    )
    wants_maatwerk = BooleanField(
        "We hebben ook interesse in maatwerk-ondersteuning (twee lokale werksessies)"
    )
    # Honeypot: hidden from people, filled in by bots that complete every field.
    website = StringField("Laat dit veld leeg", validators=[Optional()])

    def validate_second_email(self, field) -> None:
        first = (self.first_email.data or "").strip().lower()
        if first and first == (field.data or "").strip().lower():
            raise ValidationError(
                "Het duo bestaat uit twee personen: vul twee verschillende e-mailadressen in."
            )


class PlanIntakeForm(BaseForm):
    intake_at = DateTimeLocalField(
        "Datum en tijd van het intakegesprek",
        format="%Y-%m-%dT%H:%M",
        validators=[DataRequired("Kies een datum en tijd.")],
    )
    meeting_url = URLField(
        "Link naar het online gesprek",
        validators=[
            DataRequired("Vul de link naar het online gesprek in."),
            URL(message="Dit is geen geldige link."),
            Length(max=500),
        ],
    )


class NotesForm(BaseForm):
    notes = TextAreaField(
        "Aantekeningen van het intakegesprek",
        validators=[Optional(), Length(max=20_000, message="Maximaal 20.000 tekens.")],
    )


DECISIONS = (
    ApplicationStatus.ADMITTED,
    ApplicationStatus.WAITLISTED,
    ApplicationStatus.REJECTED,
)


class DecisionForm(BaseForm):
    status = SelectField("Besluit", choices=options((s.value, s.label) for s in DECISIONS))
    new_name = StringField(
        "Naam van de nieuwe gemeente",
        validators=[Optional(), Length(max=120, message="Maximaal 120 tekens.")],
        description="Alleen bij toelaten, als er al een gemeente met deze naam meedoet.",
    )
