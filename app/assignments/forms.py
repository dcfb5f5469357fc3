from wtforms import DateField, HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.forms import FORMAT_HINT, BaseForm, SelectField


class AssignmentForm(BaseForm):
    title = StringField(
        "Titel", validators=[DataRequired("Geef de opdracht een titel."), Length(max=200)]
    )
    instructions = TextAreaField(
        "Instructies",
        validators=[DataRequired("Beschrijf de opdracht."), Length(max=20_000)],
        description=FORMAT_HINT,
    )
    meeting = SelectField("Ter voorbereiding op", validators=[Optional()])
    due_date = DateField(
        "Inleveren uiterlijk op",
        validators=[DataRequired("Kies een inleverdatum.")],
        description="De deelnemers kunnen hun antwoord tot en met deze dag aanpassen.",
    )


class ResponseForm(BaseForm):
    body = TextAreaField(
        "Jullie antwoord",
        validators=[DataRequired("Schrijf eerst jullie antwoord."), Length(max=20_000)],
        description="Beide duoleden kunnen dit antwoord bewerken tot de inleverdatum. "
        + FORMAT_HINT,
    )
    case = SelectField("Hoort bij casus", validators=[Optional()])
    # The version the writer started from: a newer saved version means someone else saved.
    version = IntegerField(widget=HiddenField.widget, validators=[InputRequired()])
