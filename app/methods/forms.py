from wtforms import BooleanField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.forms import FORMAT_HINT, BaseForm, MultiCheckboxField, SelectField, options
from app.models import PolarisationKind

TEXT_MAX = Length(max=20_000, message="Maximaal 20.000 tekens.")


class MethodForm(BaseForm):
    name = StringField(
        "Naam", validators=[DataRequired("Geef de methodiek een naam."), Length(max=160)]
    )
    summary = TextAreaField(
        "Wat is het?", validators=[DataRequired("Beschrijf kort wat het is."), TEXT_MAX]
    )
    when_useful = TextAreaField(
        "Wanneer helpt het?", validators=[Optional(), TEXT_MAX], description=FORMAT_HINT
    )
    themes = MultiCheckboxField("Thema's", coerce=int)
    polarisation_kind = RadioField(
        "Soort polarisatie",
        choices=options(PolarisationKind.choices()),
        validators=[Optional()],
    )
    dilemmas = MultiCheckboxField("Dilemma's", coerce=int)
    how_to = TextAreaField(
        "Hoe pas je het toe?", validators=[Optional(), TEXT_MAX], description=FORMAT_HINT
    )
    sources = TextAreaField(
        "Bronnen",
        validators=[Optional(), Length(max=5000)],
        description="Eén bron per regel: eerst de link (https://…), dan eventueel een titel.",
    )
    is_public = BooleanField("Openbaar: mag in het archief voor andere gemeenten")

    def validate_sources(self, field) -> None:
        for line in (field.data or "").splitlines():
            url = line.strip().partition(" ")[0]
            if url and not url.startswith(("https://", "http://")):
                raise ValidationError(
                    f"Elke bron begint met een link (https://…): '{line.strip()}'."
                )


class MethodFilterForm(BaseForm):
    class Meta(BaseForm.Meta):
        csrf = False

    theme = SelectField("Thema", validators=[Optional()])
    kind = SelectField(
        "Soort polarisatie",
        choices=options(PolarisationKind.choices(), empty_label="Alle soorten"),
        validators=[Optional()],
    )


class LinkMethodForm(BaseForm):
    method = SelectField("Methodiek", validators=[DataRequired("Kies een methodiek.")])
