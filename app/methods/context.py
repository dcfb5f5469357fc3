"""What the case page's methods fragment shows."""

from flask_login import current_user

from app.forms import options
from app.methods import services
from app.methods.forms import LinkMethodForm
from app.permissions import can_link_methods


def case_methods_context(case, form: LinkMethodForm | None = None) -> dict:
    """The linked methods, and the form to link another for those who may."""
    if form is None:
        form = LinkMethodForm(formdata=None)
    if can_link_methods(current_user, case):
        linked = {method.id for method in case.methods}
        form.method.choices = options(
            (
                (str(method_id), name)
                for method_id, name in services.method_names()
                if method_id not in linked
            ),
            empty_label="Kies een methodiek…",
        )
    return {"case": case, "link_form": form}
