from wtforms import DateField, DateTimeLocalField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.forms import FORMAT_HINT, BaseForm, SelectField, options
from app.models import MaatwerkStatus

TEXT_MAX = Length(max=20_000, message="Maximaal 20.000 tekens.")


class CandidateForm(BaseForm):
    municipality = SelectField("Gemeente", validators=[DataRequired("Kies een gemeente.")])


class TrackForm(BaseForm):
    status = SelectField("Status", choices=options(MaatwerkStatus.choices()))
    intake_at = DateTimeLocalField(
        "Intakegesprek maatwerk", format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    notes = TextAreaField("Aantekeningen", validators=[Optional(), TEXT_MAX])


class WorkSessionForm(BaseForm):
    date = DateField("Datum", validators=[Optional()])
    place = StringField("Plaats", validators=[Optional(), Length(max=300)])
    partners = TextAreaField(
        "Uitgenodigde lokale netwerkpartners",
        validators=[Optional(), TEXT_MAX],
        description="Bijvoorbeeld wijkteam, politie, jongerenwerk, woningcorporatie.",
    )
    aims = TextAreaField("Doelen", validators=[Optional(), TEXT_MAX], description=FORMAT_HINT)
    report = TextAreaField("Verslag", validators=[Optional(), TEXT_MAX], description=FORMAT_HINT)
