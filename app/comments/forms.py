from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.forms import BaseForm

COMMENT_MAX = 10_000


class CommentForm(BaseForm):
    body = TextAreaField(
        "Reactie",
        validators=[
            DataRequired("Schrijf eerst je reactie."),
            Length(max=COMMENT_MAX, message="Een reactie heeft maximaal 10.000 tekens."),
        ],
    )
    parent_id = HiddenField(validators=[Optional()])
