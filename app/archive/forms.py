from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.archive.services import CHECKLIST
from app.forms import BaseForm, MultiCheckboxField, options


class StepForm(BaseForm):
    """A workflow step without fields: the CSRF token is all it carries."""


class ConsentForm(BaseForm):
    on_behalf_of = StringField(
        "Wie gaf de toestemming?",
        validators=[
            DataRequired("Vul in wie namens de gemeente toestemming gaf."),
            Length(max=200, message="Maximaal 200 tekens."),
        ],
        description="Bijvoorbeeld: afdelingshoofd Samenleving, of de wethouder.",
    )
    confirm = BooleanField(
        "Ik leg deze toestemming vast namens de gemeente",
        validators=[DataRequired("Vink aan dat je de toestemming vastlegt.")],
    )


class ReviewForm(BaseForm):
    # The state of the case and its reflections when the page was rendered (ReviewState.token).
    reviewed = HiddenField()
    checklist = MultiCheckboxField("Anonimiseringscontrole", choices=options(CHECKLIST))
    remarks = TextAreaField(
        "Opmerkingen",
        validators=[Optional(), Length(max=5_000, message="Maximaal 5.000 tekens.")],
        description="Verplicht bij terugsturen: wat moet de gemeente aanpassen?",
    )


class RemarksForm(BaseForm):
    remarks = TextAreaField(
        "Toelichting", validators=[Optional(), Length(max=5_000, message="Maximaal 5.000 tekens.")]
    )


class ReflectionConsentForm(BaseForm):
    consent = BooleanField("Deze reflectie mag mee in het openbare archief")
