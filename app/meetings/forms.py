from wtforms import DateField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.forms import FORMAT_HINT, BaseForm, MultiCheckboxField

TEXT_MAX = Length(max=20_000, message="Maximaal 20.000 tekens.")


class MeetingForm(BaseForm):
    title = StringField(
        "Titel",
        validators=[DataRequired("Geef de bijeenkomst een titel."), Length(max=200)],
    )
    date = DateField("Datum", validators=[DataRequired("Kies een datum.")])
    start_time = TimeField("Begintijd", validators=[DataRequired("Kies een begintijd.")])
    end_time = TimeField("Eindtijd", validators=[DataRequired("Kies een eindtijd.")])
    city = StringField(
        "Plaats", default="Utrecht", validators=[DataRequired("Vul de plaats in."), Length(max=120)]
    )
    venue = StringField(
        "Locatie",
        validators=[Optional(), Length(max=300)],
        description="Laat leeg zolang de locatie nog niet bekend is: de pagina toont 'volgt nog'.",
    )
    agenda = TextAreaField("Agenda", validators=[Optional(), TEXT_MAX], description=FORMAT_HINT)
    cases = MultiCheckboxField("Casussen die besproken worden", coerce=int)

    def validate_end_time(self, field) -> None:
        if self.start_time.data and field.data and field.data <= self.start_time.data:
            raise ValidationError("De eindtijd ligt na de begintijd.")


class ReportForm(BaseForm):
    report = TextAreaField(
        "Verslag",
        validators=[DataRequired("Schrijf het verslag."), TEXT_MAX],
        description=FORMAT_HINT,
    )
    key_insights = TextAreaField(
        "Belangrijkste inzichten",
        validators=[Optional(), TEXT_MAX],
        description="Een korte lijst met streepjes.",
    )


class AttendanceForm(BaseForm):
    attended = MultiCheckboxField("Aanwezig geweest", coerce=int)
