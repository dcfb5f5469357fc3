from wtforms import BooleanField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.forms import BaseForm, MultiCheckboxField, SelectField, options
from app.models import CaseStatus, PolarisationKind

SECTION_MAX = 20_000


def _section(label: str, required: bool = False, description: str = "") -> TextAreaField:
    validators = [
        Length(max=SECTION_MAX, message=f"Maximaal {SECTION_MAX:,} tekens.".replace(",", "."))
    ]
    validators.insert(0, DataRequired(f"Vul '{label}' in.") if required else Optional())
    return TextAreaField(label, validators=validators, description=description)


class CaseForm(BaseForm):
    """The structured case. Themes and dilemmas get their choices from the database per request."""

    title = StringField(
        "Titel",
        validators=[
            DataRequired("Geef de casus een titel."),
            Length(min=5, max=200, message="Een titel heeft 5 tot 200 tekens."),
        ],
    )
    themes = MultiCheckboxField("Thema's", coerce=int)
    polarisation_kind = RadioField(
        "Soort polarisatie",
        choices=options(PolarisationKind.choices()),
        validators=[DataRequired("Kies verticaal, horizontaal of beide.")],
    )
    dilemmas = MultiCheckboxField("Dilemma's die de casus raakt", coerce=int)
    status = SelectField("Stand van zaken", choices=options(CaseStatus.choices()), default="open")
    summary = _section(
        "Samenvatting", required=True, description="Twee of drie zinnen: waar gaat het over?"
    )
    situation = _section("Situatie en aanleiding", required=True)
    stakeholders = _section(
        "Betrokkenen", description="Welke groepen, partners en afdelingen spelen een rol?"
    )
    approach = _section("Aanpak", description="Wat is er geprobeerd, en hoe ging dat?")
    question = _section("Leervraag", required=True, description="Wat wil je van het netwerk weten?")
    outcome = _section("Opbrengst en lessen")
    expert_view_requested = BooleanField(
        "We vragen de experts graag om een reflectie op deze casus"
    )

    def validate_themes(self, field) -> None:
        if not field.data:
            raise ValidationError("Kies minstens één thema.")


class CaseFilterForm(BaseForm):
    """Filters of the case list, read from the query string (GET, so no CSRF token)."""

    class Meta(BaseForm.Meta):
        csrf = False

    theme = SelectField("Thema", validators=[Optional()])
    municipality = SelectField("Gemeente", validators=[Optional()])
    kind = SelectField(
        "Soort polarisatie",
        choices=options(PolarisationKind.choices(), empty_label="Alle soorten"),
        validators=[Optional()],
    )
    status = SelectField(
        "Stand van zaken",
        choices=options(CaseStatus.choices(), empty_label="Alle"),
        validators=[Optional()],
    )
