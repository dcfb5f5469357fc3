from wtforms import DateField, IntegerField
from wtforms.validators import NumberRange, Optional

from app.audit.services import ACTIONS
from app.forms import BaseForm, SelectField, options


class AuditFilterForm(BaseForm):
    """GET filters of the audit page; no CSRF needed for reading."""

    class Meta:
        csrf = False

    action = SelectField(
        "Handeling",
        choices=options(ACTIONS.items(), empty_label="Alle handelingen"),
        validators=[Optional()],
    )
    user = IntegerField(
        "Accountnummer",
        validators=[Optional(), NumberRange(min=1)],
        description="Toont wat dit account deed en wat ermee gebeurde.",
    )
    since = DateField("Vanaf", validators=[Optional()])
    until = DateField("Tot en met", validators=[Optional()])
