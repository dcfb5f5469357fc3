from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.forms import BaseForm, MultiCheckboxField


class ReflectionForm(BaseForm):
    body = TextAreaField(
        "Reflectie",
        validators=[
            DataRequired("Schrijf eerst je reflectie."),
            Length(max=20_000, message="Een reflectie heeft maximaal 20.000 tekens."),
        ],
    )
    key_lessons = TextAreaField(
        "Belangrijkste lessen (optioneel)",
        validators=[Optional(), Length(max=5_000, message="Maximaal 5.000 tekens.")],
        description="Een korte lijst, bijvoorbeeld met streepjes.",
    )
    methods = MultiCheckboxField(
        "Aangereikte methodieken (optioneel)",
        coerce=int,
        description="Methodieken uit de bibliotheek die je in deze reflectie aanraadt.",
    )
