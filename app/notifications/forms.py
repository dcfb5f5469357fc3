from wtforms import RadioField

from app.forms import BaseForm, options
from app.models import MailPreference


class PreferenceForm(BaseForm):
    mail_preference = RadioField("E-mail over meldingen", choices=options(MailPreference.choices()))
